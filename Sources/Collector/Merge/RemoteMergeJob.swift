import Foundation
import HTTPTransport
import S3

#if canImport(Glibc)
import Glibc
#endif

/// `merge` with `s3://` inputs or target: each S3 input is downloaded into
/// a local work folder, an S3 target is staged there (its session manifests
/// first, so the reports cover what it already holds), `MergeJob` merges as
/// it does folders, and the target's changed sessions go up — archive and
/// files first, the manifest last — then `manifest.json` and the reports.
///
/// S3 inputs cannot be locked: merge them after their shards finished
/// (the shard set check still names a shard without `shard.json`).
package struct RemoteMergeJob: Sendable {
    package var merge: MergeJob
    package var settings: AWSSettings
    package var upload: UploadSettings
    package var maxAttempts = 5

    package init(merge: MergeJob, settings: AWSSettings, multipartThresholdBytes: UInt64 = 16 << 20) {
        self.merge = merge
        self.settings = settings
        upload = UploadSettings(multipartThresholdBytes: multipartThresholdBytes)
    }

    /// Whether any input or the target is an S3 prefix.
    package static func involvesS3(inputs: [String], output: String) -> Bool {
        (inputs + [output]).contains(where: S3OutputLocation.isS3)
    }

    package func run(output emit: ([UInt8]) -> Void) async -> MergeJob.Outcome {
        let target: S3OutputLocation?
        var inputs: [(given: String, location: S3OutputLocation?)] = []
        do throws(S3Error) {
            target = try S3OutputLocation(merge.output)
            for input in merge.inputs { inputs.append((input, try S3OutputLocation(input))) }
        } catch {
            return Self.refusal(.usage, "error: cannot merge: \(error.message)")
        }
        if let target, inputs.contains(where: { $0.location == target }) {
            return Self.refusal(.usage, "error: cannot merge into \(target): it is also an input; choose another -o prefix")
        }
        let staging: S3Staging
        do throws(OutputError) {
            staging = try S3Staging(location: target ?? S3OutputLocation.placeholder)
            if target != nil { try staging.lock() }
        } catch {
            return Self.refusal(.cannotProceed, "error: cannot use the output (\(merge.output)): \(error.message)")
        }
        defer { staging.remove() }
        let client: S3Client
        do {
            client = try makeS3Client(settings)
        } catch {
            return Self.refusal(.cannotProceed, "error: cannot start the transport: \(error.message)")
        }
        defer { client.http.shutdown() }
        let retry = S3Client.retryDecision(policy: RetryPolicy(maxAttempts: maxAttempts), quota: RetryQuota())
        func mirror(_ location: S3OutputLocation) -> S3Mirror {
            S3Mirror(s3: client, location: location, settings: upload, retry: retry)
        }

        // Local stand-ins, named as the prefix's last segment so a shard
        // prefix (`…/shard-1-of-3/`) is recognised as one without shard.json.
        var local = merge
        var shown: [(local: String, remote: String)] = []
        local.inputs = []
        for (position, input) in inputs.enumerated() {
            guard let location = input.location else {
                local.inputs.append(input.given)
                continue
            }
            let name = location.prefix.split(separator: "/").last.map(String.init) ?? location.bucket
            let folder = staging.root + "/in-\(position)/" + name
            do throws(S3Error) {
                try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                _ = try await mirror(location).pullAll(into: folder)
            } catch {
                return Self.refusal(.cannotProceed, "error: cannot read the input (\(input.given)): \(error.message)")
            }
            guard MergeFiles.isDirectory(folder + "/sessions") else {
                return Self.refusal(.cannotProceed, "error: cannot read the input (\(input.given)): it has no sessions/, so it is not the output of a run")
            }
            local.inputs.append(folder)
            shown.append((folder, location.description))
        }
        var before: [String: [UInt8]] = [:]
        if let target {
            let out = OutputFolder(root: staging.root + "/out")
            local.output = out.root
            do throws(S3Error) {
                try? FileManager.default.createDirectory(atPath: out.sessionsFolder, withIntermediateDirectories: true)
                _ = try await mirror(target).pullManifests(into: out.sessionsFolder)
            } catch {
                return Self.refusal(.cannotProceed, "error: cannot use the output (\(target)): \(error.message)")
            }
            for name in (try? ReportJob.manifestNames(in: out.sessionsFolder)) ?? [] {
                before[name] = try? ReportJob.readFile(out.sessionsFolder + "/" + name)
            }
            shown.append((out.root, target.description))
        }

        var text: [UInt8] = []
        var outcome = local.run { text += $0 }
        if let target, outcome.status != .cannotProceed {
            if let problem = await push(OutputFolder(root: local.output), before: before, to: mirror(target)) {
                outcome.messages.append(problem)
                outcome.status = .cannotProceed
            }
        }
        outcome.messages = outcome.messages.map { Self.shown($0, shown) }
        emit(Array(Self.shown(String(decoding: text, as: UTF8.self), shown).utf8))
        return outcome
    }

    /// Uploads the sessions whose manifest changed, then the run manifest and reports.
    private func push(_ folder: OutputFolder, before: [String: [UInt8]], to mirror: S3Mirror) async -> String? {
        do throws(S3Error) {
            let names = (try? ReportJob.manifestNames(in: folder.sessionsFolder)) ?? []
            let changed = names.filter { before[$0] != (try? ReportJob.readFile(folder.sessionsFolder + "/" + $0)) }
            try await mirror.forEach(changed) { name throws(S3Error) in
                let id = String(name.dropLast(5))
                if access(folder.archivePath(id), F_OK) == 0 {
                    try await mirror.push(file: folder.archivePath(id), as: "archives/\(id).zip")
                } else {
                    try await mirror.delete("archives/\(id).zip")
                }
                if MergeFiles.isDirectory(folder.filesPath(id)) {
                    try await mirror.push(tree: folder.filesPath(id), as: "files/\(id)")
                } else {
                    try await mirror.removeExtras(under: "files/\(id)/", keeping: [])
                }
                try await mirror.push(file: folder.sessionManifestPath(id), as: "sessions/\(name)")
            }
            for name in ["manifest.json"] + merge.formats.map(\.fileName) where access(folder.root + "/" + name, F_OK) == 0 {
                try await mirror.push(file: folder.root + "/" + name, as: name)
            }
            return nil
        } catch {
            return "error: cannot write the merged output (\(mirror.location)): \(error.message)"
        }
    }

    /// Local stand-in paths replaced by the prefixes they stand for.
    static func shown(_ text: String, _ pairs: [(local: String, remote: String)]) -> String {
        var text = text
        for pair in pairs {
            text = text.replacingOccurrences(of: pair.local + "/", with: pair.remote)
            text = text.replacingOccurrences(of: pair.local, with: pair.remote)
        }
        return text
    }

    static func refusal(_ status: ExitStatus, _ message: String) -> MergeJob.Outcome {
        MergeJob.Outcome(messages: [message], status: status, summary: nil)
    }
}

extension S3OutputLocation {
    /// Names the staging folder of a merge whose target is local (never used as a prefix).
    static var placeholder: S3OutputLocation {
        // A literal that parses; `try!` would be a crash path, so fall back by hand.
        (try? S3OutputLocation("s3://local-target/")).flatMap { $0 } ?? S3OutputLocation(bucket: "local-target", prefix: "")
    }

    init(bucket: String, prefix: String) {
        self.bucket = bucket
        self.prefix = prefix
    }
}
