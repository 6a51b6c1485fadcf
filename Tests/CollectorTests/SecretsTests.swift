import Foundation
import OrderedJSON
import Testing

/// Secrets never reach outputs, logs or errors; TLS peers are verified.
@Suite("secrets and TLS: redaction audit of run, self-signed endpoints (local stack)", .serialized)
struct SecretsTests {
    /// Every file under `folders` (output folders) plus `texts` (stdout,
    /// stderr): where each needle occurs.
    static func leaks(of needles: [String], in folders: [URL], texts: [String: String]) -> [String] {
        var haystacks = texts.mapValues { Data($0.utf8) }
        for folder in folders {
            for (name, data) in snapshot(folder) { haystacks["\(folder.lastPathComponent)/\(name)"] = data }
        }
        var found: [String] = []
        for needle in needles where !needle.isEmpty {
            let bytes = Data(needle.utf8)
            for (name, data) in haystacks where data.range(of: bytes) != nil {
                found.append("\(needle.prefix(12))… in \(name)")
            }
        }
        return found
    }

    @Test("redaction audit: secret key, session token and every request signature appear in no output file, report, log or message (text and JSON logs, trace level)")
    func redactionAudit() async throws {
        let stack = try PipelineStack(sessions: 15, groups: 1, seed: 48)
        defer { stack.stop() }
        let secret = try #require(stack.s3["EC_S3_SECRET_KEY"])
        // Proxies in front of both services record the signatures sent.
        let s3 = try FaultProxy(upstream: try #require(stack.s3["EC_S3_ENDPOINT"]))
        defer { s3.stop() }
        let service = try FaultProxy(upstream: stack.emulator.url)
        defer { service.stop() }
        var environment = stack.environment
        environment["AWS_ENDPOINT_URL_S3"] = s3.url
        environment["AWS_ENDPOINT_URL_GAMELIFTSTREAMS"] = service.url

        // Presigned downloads with text logs; signed ones with JSON logs.
        let presigned = stack.folder.appendingPathComponent("presigned")
        let text = try CommandLineTests.run(
            ["run", "--no-progress", "--log-level", "trace", "--json", "--config",
             try stack.config(output: presigned, download: [("via", .string("presigned"))])], environment: environment)
        #expect(text.status == 1, "\(text.stderr)")
        let signed = stack.folder.appendingPathComponent("signed")
        let json = try CommandLineTests.run(
            ["run", "--no-progress", "--log-level", "trace", "--log-format", "json", "--config", try stack.config(output: signed)],
            environment: environment)
        #expect(json.status == 1, "\(json.stderr)")
        // A session token S3 does not know: the listing works (the emulator
        // takes signed tokens), every S3 request is refused and its error is
        // written into manifests, reports and stderr.
        let token = "IQoJb3JpZ2luX2VjEXAMPLE-RECOGNISABLE-SESSION-TOKEN-7f3a91c2"
        var withToken = environment
        withToken["AWS_SESSION_TOKEN"] = token
        let refused = stack.folder.appendingPathComponent("refused")
        let tokenRuns = try ["text", "json"].map { format in
            try CommandLineTests.run(["run", "--no-progress", "--log-level", "trace", "--log-format", format, "--config",
                                      try stack.config(output: refused, download: [("via", .string(format == "json" ? "presigned" : "signed"))])],
                                     environment: withToken)
        }
        for run in tokenRuns { #expect(run.status == 1, "\(run.stderr)") }
        let refusedManifests = FaultTests.manifests(refused)
        #expect(refusedManifests.values.contains { $0["error"]?["kind"]?.stringValue == "access_denied" },
                "the token runs did not reach S3's refusal")

        let requests = try await s3.requests() + (try await service.requests())
        let signatures = Set(requests.compactMap { $0["signature"]?.stringValue })
        // Dozens of signed requests (38 and more seen): enough that a leak of any kind would show.
        #expect(signatures.count > 20, "only \(signatures.count) signatures recorded")
        #expect(requests.contains { $0["method"]?.stringValue == "GET" && $0["path"]?.stringValue?.hasSuffix(".zip") == true
            && $0["status"]?.intValue == 200 }, "no archive was downloaded")
        let texts = [
            "presigned text stdout": text.stdout, "presigned text stderr": text.stderr,
            "signed json stdout": json.stdout, "signed json stderr": json.stderr,
            "token text stderr": tokenRuns[0].stderr, "token text stdout": tokenRuns[0].stdout,
            "token json stderr": tokenRuns[1].stderr, "token json stdout": tokenRuns[1].stdout,
        ]
        #expect(json.stderr.contains(#""level""#) || json.stderr.contains("{"), "the JSON log run logged nothing")
        let leaks = Self.leaks(of: [secret, token] + signatures.sorted(), in: [presigned, signed, refused], texts: texts)
        #expect(leaks.isEmpty, "secrets found: \(leaks.prefix(20))")
        // A presigned URL shows only with its secret parts redacted.
        for (name, value) in texts {
            #expect(value.range(of: "X-Amz-Signature=[0-9a-fA-F]", options: .regularExpression) == nil, "\(name)")
            #expect(value.range(of: "X-Amz-Security-Token=[^R&]", options: .regularExpression) == nil, "\(name)")
        }
        print("redaction audit: \(signatures.count) signatures, the secret key and a session token searched in "
            + "\(snapshot(presigned).count + snapshot(signed).count + snapshot(refused).count) files and \(texts.count) streams: none found")
    }

    /// A self-signed certificate for 127.0.0.1 (openssl), in `folder`.
    static func selfSigned(_ folder: URL, name: String) throws -> (cert: String, key: String) {
        let cert = folder.appendingPathComponent("\(name).pem").path
        let key = folder.appendingPathComponent("\(name)-key.pem").path
        let made = try CommandLineTests.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2",
             "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"], executable: "/usr/bin/env")
        try #require(made.status == 0, "openssl: \(made.stderr)")
        return (cert, key)
    }

    @Test("TLS: a self-signed S3 endpoint is refused with a message naming AWS_CA_BUNDLE; trusted through AWS_CA_BUNDLE; no option turns verification off")
    func selfSignedEndpoint() async throws {
        let stack = try PipelineStack(sessions: 15, groups: 1, seed: 49)
        defer { stack.stop() }
        let tls = try Self.selfSigned(stack.folder, name: "server")
        let other = try Self.selfSigned(stack.folder, name: "other")
        // SeaweedFS behind a TLS-terminating proxy.
        let https = try FaultProxy(upstream: try #require(stack.s3["EC_S3_ENDPOINT"]), tls: tls)
        defer { https.stop() }
        #expect(https.url.hasPrefix("https://"))
        var environment = stack.environment
        environment["AWS_ENDPOINT_URL_S3"] = https.url
        let target = try #require(FaultTests.targets(stack.expected).first)
        let bucket = try #require(stack.s3["EC_S3_BUCKET"])
        let file = stack.folder.appendingPathComponent("fetched.zip").path

        // Refused by default, by an empty AWS_CA_BUNDLE and by a bundle of another CA.
        for bundle in [nil, "", other.cert] {
            var refusedEnvironment = environment
            refusedEnvironment["AWS_CA_BUNDLE"] = bundle
            let refused = try CommandLineTests.run(["fetch", "s3://\(bucket)/\(target.key)", "-o", file], environment: refusedEnvironment)
            #expect(refused.status == 3, "AWS_CA_BUNDLE=\(bundle ?? "(unset)"): \(refused.stderr)")
            let lines = refused.stderr.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].hasPrefix("error: "), "\(refused.stderr)")
            #expect(refused.stderr.contains("certificate") && refused.stderr.contains("set AWS_CA_BUNDLE"), "\(refused.stderr)")
            #expect(!FileManager.default.fileExists(atPath: file))
        }
        let output = stack.folder.appendingPathComponent("tls")
        let config = try stack.config(output: output)
        let run = try CommandLineTests.run(["run", "--no-progress", "--config", config], environment: environment)
        let sessionErrors = run.stderr.split(separator: "\n").filter { $0.hasPrefix("error: session ") }
        // Each archive's session fails with the fix named.
        let targets = FaultTests.targets(stack.expected)
        #expect(sessionErrors.filter { $0.contains("set AWS_CA_BUNDLE") }.count >= targets.count, "\(run.stderr)")
        #expect(!targets.contains { (try? RunTests.manifest(output, $0.id))?["status"]?.stringValue == "collected" })

        // Trusted through AWS_CA_BUNDLE: fetch and the whole run work.
        var trusted = environment
        trusted["AWS_CA_BUNDLE"] = tls.cert
        let fetched = try CommandLineTests.run(["fetch", "s3://\(bucket)/\(target.key)", "-o", file, "--json"], environment: trusted)
        #expect(fetched.status == 0, "\(fetched.stderr)")
        #expect(try FetchTests.sha256(file) == stack.expected["sessions"]?[target.id]?["archiveSha256"]?.stringValue)
        let good = try CommandLineTests.run(["run", "--no-progress", "--config", config, "--json"], environment: trusted)
        #expect(good.status == 1, "\(good.stderr)")
        try RunTests.checkOutcomes(output, expected: stack.expected)

        // No option or variable turns verification off.
        for command in ["run", "fetch", "list", "index", "presign"] {
            let help = try CommandLineTests.run([command, "--help"])
            for word in ["insecure", "no-verify", "verify-ssl", "skip-tls", "no-ssl"] {
                #expect(!help.stdout.lowercased().contains(word), "\(command) --help offers \(word)")
            }
        }
        for flag in ["--no-verify-ssl", "--insecure"] {
            let refused = try CommandLineTests.run(["fetch", "s3://\(bucket)/\(target.key)", "-o", file, flag], environment: environment)
            #expect(refused.status == 2, "\(flag): \(refused.stderr)")
        }
        var curlish = environment
        for name in ["CURL_CA_BUNDLE", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"] { curlish[name] = "" }
        curlish["AWS_CA_BUNDLE"] = "/dev/null"
        let stillRefused = try CommandLineTests.run(["fetch", "s3://\(bucket)/\(target.key)", "-o", file + ".2"], environment: curlish)
        #expect(stillRefused.status == 3, "\(stillRefused.stderr)")
        #expect(stillRefused.stderr.contains("AWS_CA_BUNDLE"), "\(stillRefused.stderr)")
    }
}
