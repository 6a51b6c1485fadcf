import Foundation
import OrderedJSON
import Testing
@testable import Collector

/// `deploy/`: nothing here can run a container, a cluster or AWS Batch, so
/// each file is parsed by what would read it (PyYAML, the AWS CLI with
/// botocore's Batch model, the Dockerfile's own syntax) and the fields that
/// matter are checked: the shard index variable, the command lines (which
/// our own parser must accept), N in agreement everywhere, env, credentials.
@Suite("deploy/ examples")
struct DeployTests {
    static let deploy = CommandLineTests.repositoryRoot.appendingPathComponent("deploy")
    static let helper = PipelineStack.script("deploy_check.py")

    static func python(_ arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment) throws -> CommandLineTests.Run {
        let result = try CommandLineTests.run(["python3", helper] + arguments, executable: "/usr/bin/env", environment: environment)
        guard result.status == 0 else { throw EmulatorError(description: "deploy_check.py \(arguments.first ?? ""): \(result.stderr)") }
        return result
    }

    /// The value after `flag` in a command line.
    static func value(after flag: String, in arguments: [String]) -> String? {
        arguments.firstIndex(of: flag).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
    }

    /// N of `--shard auto/N`.
    static func shardCount(_ arguments: [String]) -> Int? {
        guard let value = value(after: "--shard", in: arguments), value.hasPrefix("auto/") else { return nil }
        return Int(value.dropFirst(5))
    }

    /// The command line is one our parser accepts: it gets as far as reading
    /// the config (run) or the input folders (merge), which do not exist here.
    static func expectParses(_ arguments: [String], reaching message: String) throws {
        let result = try CommandLineTests.run(arguments, environment: ["PATH": "/usr/bin:/bin", "JOB_COMPLETION_INDEX": "0"])
        #expect([2, 3].contains(result.status) && result.stderr.contains(message), "\(arguments): \(result.stderr)")
    }

    static func strings(_ value: JSONValue?) -> [String] {
        value?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    @Test("Kubernetes: an Indexed Job of N shards from JOB_COMPLETION_INDEX, IRSA, the config and volume it names, a merge of all N")
    func kubernetes() throws {
        let documents = try JSONParser.parse(try Self.python(["yaml", Self.deploy.appendingPathComponent("kubernetes/cronjob.yaml").path]).stdout)
        let byKind = { (kind: String) in (documents.arrayValue ?? []).filter { $0["kind"]?.stringValue == kind } }
        let account = try #require(byKind("ServiceAccount").first)
        let role = account["metadata"]?["annotations"]?["eks.amazonaws.com/role-arn"]?.stringValue ?? ""
        #expect(role.range(of: #"^arn:aws:iam::[0-9]{12}:role/[\w+=,.@-]+$"#, options: .regularExpression) != nil, "IRSA annotation: \(role)")

        let cronJobs = byKind("CronJob")
        #expect(cronJobs.count == 2)
        let collect = try #require(cronJobs.first { Self.strings($0["spec"]?["jobTemplate"]?["spec"]?["template"]?["spec"]?["containers"]?.arrayValue?.first?["args"]).first == "run" })
        let job = try #require(collect["spec"]?["jobTemplate"]?["spec"])
        #expect(job["completionMode"]?.stringValue == "Indexed")
        let completions = try #require(job["completions"]?.intValue)
        #expect((1 ... completions).contains(job["parallelism"]?.intValue ?? 0))
        #expect((job["backoffLimitPerIndex"]?.intValue ?? 0) >= 1)
        let pod = try #require(job["template"]?["spec"])
        #expect(pod["restartPolicy"]?.stringValue == "Never")
        #expect(pod["serviceAccountName"]?.stringValue == account["metadata"]?["name"]?.stringValue)
        #expect(pod["securityContext"]?["runAsNonRoot"] == .bool(true))
        let container = try #require(pod["containers"]?.arrayValue?.first)
        let arguments = Self.strings(container["args"])
        #expect(Self.shardCount(arguments) == completions, "--shard auto/N must match completions: \(arguments)")
        #expect(arguments.contains("--allow-failed-sessions"))
        try Self.expectParses(arguments, reaching: "invalid configuration (/config/pipeline.json)")

        // The index: the Job controller's annotation, never a fixed value.
        let environment = container["env"]?.arrayValue ?? []
        let index = environment.first { $0["name"]?.stringValue == "JOB_COMPLETION_INDEX" }
        #expect(index?["value"] == nil)
        #expect(index?["valueFrom"]?["fieldRef"]?["fieldPath"]?.stringValue == "metadata.annotations['batch.kubernetes.io/job-completion-index']")
        #expect(!environment.contains { $0["name"]?.stringValue == "AWS_BATCH_JOB_ARRAY_INDEX" })
        #expect(ShardRequest.indexVariables.first?.name == "JOB_COMPLETION_INDEX")
        #expect(!environment.contains { ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"].contains($0["name"]?.stringValue ?? "") }, "keys in the manifest")

        // --config is the ConfigMap's pipeline.json, valid for the collector; --output the shared volume.
        let mounts = Dictionary(uniqueKeysWithValues: (container["volumeMounts"]?.arrayValue ?? []).compactMap { mount -> (String, String)? in
            guard let name = mount["name"]?.stringValue, let path = mount["mountPath"]?.stringValue else { return nil }
            return (path, name)
        })
        let volumes = pod["volumes"]?.arrayValue ?? []
        let config = try #require(Self.value(after: "--config", in: arguments))
        let configVolume = try #require(mounts[(config as NSString).deletingLastPathComponent])
        let mapName = volumes.first { $0["name"]?.stringValue == configVolume }?["configMap"]?["name"]?.stringValue
        let configMap = try #require(byKind("ConfigMap").first { $0["metadata"]?["name"]?.stringValue == mapName })
        let pipeline = try #require(configMap["data"]?[(config as NSString).lastPathComponent]?.stringValue)
        let pipelineFile = FileManager.default.temporaryDirectory.appendingPathComponent("ec-deploy-\(UUID().uuidString.prefix(6)).json")
        try pipeline.write(to: pipelineFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: pipelineFile) }
        let parsed = try PipelineConfig.load(path: pipelineFile.path)
        let output = try #require(Self.value(after: "--output", in: arguments))
        #expect(parsed.output.dir == output)
        let dataVolume = try #require(mounts[output])
        let claim = volumes.first { $0["name"]?.stringValue == dataVolume }?["persistentVolumeClaim"]?["claimName"]?.stringValue
        let pvc = try #require(byKind("PersistentVolumeClaim").first { $0["metadata"]?["name"]?.stringValue == claim })
        #expect(Self.strings(pvc["spec"]?["accessModes"]) == ["ReadWriteMany"], "N pods on several nodes write the volume at once")

        // The merge: every shard folder of the rule, on the same claim, after the shard Job's deadline.
        let merge = try #require(cronJobs.first { $0 != collect })
        let mergePod = try #require(merge["spec"]?["jobTemplate"]?["spec"]?["template"]?["spec"])
        let mergeArguments = Self.strings(mergePod["containers"]?.arrayValue?.first?["args"])
        let folders = try (0 ..< completions).map { try Shard(index: $0, count: completions).folder(in: output) }
        #expect(mergeArguments == ["merge"] + folders + ["-o", output + "/merged", "--json"])
        try Self.expectParses(mergeArguments, reaching: "cannot read the input folder (\(folders[0]))")
        #expect(mergePod["volumes"]?.arrayValue?.first?["persistentVolumeClaim"]?["claimName"]?.stringValue == claim)
        let minutes = { (schedule: String?) -> Int in
            let fields = (schedule ?? "").split(separator: " ").compactMap { Int($0) }
            return fields.count >= 2 ? fields[1] * 60 + fields[0] : -1
        }
        let deadline = (job["activeDeadlineSeconds"]?.intValue ?? .max / 2) / 60
        #expect(minutes(merge["spec"]?["schedule"]?.stringValue) >= minutes(collect["spec"]?["schedule"]?.stringValue) + deadline,
                "the merge may start while shards still run")
    }

    /// The two Batch job definitions as the AWS CLI reads them, validated by botocore.
    static func registered() throws -> [JSONValue] {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("ec-batch-\(UUID().uuidString.prefix(6)).log")
        defer { try? FileManager.default.removeItem(at: log) }
        var environment = ProcessInfo.processInfo.environment
        environment["DEPLOY_CHECK_LOG"] = log.path
        for name in ["job-definition.json", "merge-job-definition.json"] {
            _ = try python(["aws", "batch", "register-job-definition", "--cli-input-json",
                            "file://" + deploy.appendingPathComponent("aws-batch/\(name)").path], environment: environment)
        }
        return try calls(log)
    }

    static func calls(_ log: URL) throws -> [JSONValue] {
        try String(contentsOf: log, encoding: .utf8).split(separator: "\n").map { try JSONParser.parse(Array($0.utf8))["params"] ?? .null }
    }

    /// submit.sh with `aws` on PATH answering locally: the calls it made.
    static func submit(_ arguments: [String]) throws -> (run: CommandLineTests.Run, calls: [JSONValue]) {
        let bin = FileManager.default.temporaryDirectory.appendingPathComponent("ec-aws-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: bin) }
        let python = ProcessInfo.processInfo.environment["PATH"].flatMap { path in
            path.split(separator: ":").map { "\($0)/python3" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        } ?? "python3"
        try "#!/bin/sh\nexec \(python) \(helper) aws \"$@\"\n".write(to: bin.appendingPathComponent("aws"), atomically: true, encoding: .utf8)
        chmod(bin.appendingPathComponent("aws").path, 0o755)
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = bin.path + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        environment["DEPLOY_CHECK_LOG"] = bin.appendingPathComponent("calls.log").path
        let result = try CommandLineTests.run([deploy.appendingPathComponent("aws-batch/submit.sh").path] + arguments,
                                              executable: "/bin/bash", environment: environment)
        let calls = (try? Self.calls(bin.appendingPathComponent("calls.log"))) ?? []
        return (result, calls)
    }

    @Test("AWS Batch: job definitions valid for botocore's model; an array job of N with --shard auto/N, then the merge after it")
    func awsBatch() throws {
        let definitions = try Self.registered()
        let shard = try #require(definitions.first)
        let mergeDefinition = try #require(definitions.last)
        let arguments = Self.strings(shard["containerProperties"]?["command"])
        let count = try #require(Self.shardCount(arguments), "\(arguments)")
        #expect(arguments.first == "run" && arguments.contains("--allow-failed-sessions"))
        try Self.expectParses(arguments, reaching: "invalid configuration (")
        let environment = (shard["containerProperties"]?["environment"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        #expect(!environment.contains("AWS_BATCH_JOB_ARRAY_INDEX") && !environment.contains("JOB_COMPLETION_INDEX"), "a fixed index: every child the same shard")
        #expect(ShardRequest.indexVariables.contains { $0.name == "AWS_BATCH_JOB_ARRAY_INDEX" })
        #expect(shard["containerProperties"]?["jobRoleArn"]?.stringValue?.hasPrefix("arn:aws:iam::") == true)
        let output = try #require(Self.value(after: "--output", in: arguments))
        #expect(shard["containerProperties"]?["mountPoints"]?.arrayValue?.first?["containerPath"]?.stringValue == output)
        #expect(Self.value(after: "--config", in: arguments)?.hasPrefix(output + "/") == true)
        // A configuration error is not retried; the rest is.
        #expect(shard["retryStrategy"]?["evaluateOnExit"]?.arrayValue?.first?["onExitCode"]?.stringValue == "2")
        #expect(shard["retryStrategy"]?["evaluateOnExit"]?.arrayValue?.first?["action"]?.stringValue == "EXIT")
        let folders = try (0 ..< count).map { try Shard(index: $0, count: count).folder(in: output) }
        let mergeArguments = Self.strings(mergeDefinition["containerProperties"]?["command"])
        #expect(mergeArguments == ["merge"] + folders + ["-o", output + "/merged", "--json"])
        try Self.expectParses(mergeArguments, reaching: "cannot read the input folder (\(folders[0]))")

        // submit.sh: its default N is the job definition's; --shards changes every place at once.
        for requested in [nil, 3] {
            let (result, calls) = try Self.submit(requested.map { ["--shards", String($0)] } ?? [])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(calls.count == 2)
            let n = requested ?? count
            let array = try #require(calls.first)
            #expect(array["jobDefinition"]?.stringValue == shard["jobDefinitionName"]?.stringValue)
            #expect(array["arrayProperties"]?["size"]?.intValue == n)
            let command = Self.strings(array["containerOverrides"]?["command"])
            #expect(command == arguments.map { $0 == "auto/\(count)" ? "auto/\(n)" : $0 }, "\(command)")
            let merge = try #require(calls.last)
            #expect(merge["jobDefinition"]?.stringValue == mergeDefinition["jobDefinitionName"]?.stringValue)
            let arrayID = result.stdout.split(separator: "\n").first?.split(separator: " ").dropFirst().first.map(String.init)
            #expect(merge["dependsOn"] == .array([.object([("jobId", .optional(arrayID))])]), "the merge waits for every child")
            let mergeFolders = try (0 ..< n).map { try Shard(index: $0, count: n).folder(in: output) }
            #expect(Self.strings(merge["containerOverrides"]?["command"]) == ["merge"] + mergeFolders + ["-o", output + "/merged", "--json"])
        }
        let (refused, none) = try Self.submit(["--shards", "1"])
        #expect(refused.status == 2 && none.isEmpty, "an array job has 2 to 10,000 children")
    }

    /// The Dockerfile's instructions, continuation lines joined: (instruction, rest).
    static func dockerfile() throws -> [(String, String)] {
        let text = try String(contentsOf: deploy.appendingPathComponent("Dockerfile"), encoding: .utf8)
        var instructions: [(String, String)] = []
        var pending = ""
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if pending.isEmpty, trimmed.hasPrefix("#") || trimmed.isEmpty { continue }
            if trimmed.hasSuffix("\\") {
                pending += String(trimmed.dropLast()) + " "
                continue
            }
            let whole = pending + trimmed
            pending = ""
            let parts = whole.split(separator: " ", maxSplits: 1)
            instructions.append((parts[0].uppercased(), parts.count > 1 ? String(parts[1]) : ""))
        }
        return instructions
    }

    @Test("Dockerfile: built on the Swift 6.3 image with the README's command, run on Debian slim with what the binary links, not as root")
    func dockerfile() throws {
        let instructions = try Self.dockerfile()
        let stages = instructions.enumerated().filter { $0.element.0 == "FROM" }.map(\.offset)
        #expect(stages.count == 2)
        let build = try #require(stages.first.map { instructions[$0].1 })
        #expect(build.hasPrefix("swift:6.3") && build.hasSuffix(" AS build"), "\(build)")
        #expect(instructions[try #require(stages.last)].1 == "debian:bookworm-slim")
        let buildStage = instructions[stages[0] ..< stages[1]]
        let runtime = instructions[stages[1]...]

        let readme = try String(contentsOf: CommandLineTests.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let command = "swift build -c release --static-swift-stdlib"
        #expect(readme.contains("`\(command)`"), "the README's build command changed")
        #expect(buildStage.contains { $0.0 == "RUN" && $0.1.hasPrefix(command) }, "the image is not built as the README says")
        #expect(buildStage.contains { $0.0 == "RUN" && $0.1.contains("libcurl4-openssl-dev") && $0.1.contains("zlib1g-dev") })
        for (instruction, rest) in buildStage where instruction == "COPY" {
            for source in rest.split(separator: " ").dropLast() {
                #expect(FileManager.default.fileExists(atPath: CommandLineTests.repositoryRoot.appendingPathComponent(String(source)).path), "COPY \(source)")
            }
        }

        let installed = Set(runtime.filter { $0.0 == "RUN" }.flatMap { $0.1.split(separator: " ").map(String.init) })
        #expect(Set(["libcurl4", "zlib1g", "ca-certificates"]).isSubset(of: installed))
        #expect(runtime.contains { $0.0 == "COPY" && $0.1.hasPrefix("--from=build ") && $0.1.hasSuffix("/usr/local/bin/export-collector") })
        let user = try #require(runtime.last { $0.0 == "USER" }?.1)
        #expect(!["root", "0", "0:0"].contains(user) && !user.hasPrefix("0:"))
        #expect(runtime.last { $0.0 == "ENTRYPOINT" }?.1 == #"["/usr/local/bin/export-collector"]"#)
        // The user the Kubernetes pods run as.
        let yaml = try String(contentsOf: Self.deploy.appendingPathComponent("kubernetes/cronjob.yaml"), encoding: .utf8)
        #expect(yaml.contains("runAsUser: \(user.split(separator: ":")[0])"))

        // What the binary links, apart from the Swift runtime that
        // --static-swift-stdlib links in, is what the runtime stage installs.
        let packages = ["libcurl.so.4": "libcurl4", "libz.so.1": "zlib1g", "libstdc++.so.6": "libstdc++6"]
        let base = ["libc.so.6", "libm.so.6", "libgcc_s.so.1", "libpthread.so.0", "libdl.so.2", "librt.so.1", "libutil.so.1",
                    // libc6 too; a sanitizer build (scripts/test --sanitize) links it.
                    "libresolv.so.2"]
        let swiftRuntime = ["libswift", "libFoundation", "lib_Foundation", "libdispatch", "libBlocksRuntime", "libicu"]
        let elf = try CommandLineTests.run(["-d", CommandLineTests.binary], executable: "/usr/bin/readelf")
        let needed = elf.stdout.split(separator: "\n").compactMap { line -> String? in
            guard line.contains("(NEEDED)"), let open = line.firstIndex(of: "["), let close = line.lastIndex(of: "]") else { return nil }
            return String(line[line.index(after: open) ..< close])
        }
        #expect(needed.contains("libcurl.so.4"), "\(elf.stdout)")
        for library in needed where !swiftRuntime.contains(where: library.hasPrefix) && !base.contains(library) && !library.hasPrefix("ld-linux") {
            #expect(packages[library].map(installed.contains) == true, "the binary links \(library), which the runtime image does not install")
        }
    }

    @Test("README: the scaling-out section names the shard function, the folder rule, merge and every deploy file")
    func readme() throws {
        let readme = try String(contentsOf: CommandLineTests.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(readme.range(of: "## Scaling out: shards and merge").map { readme[$0.lowerBound...] })
        for phrase in ["FNV-1a", "shard-I-of-N", "JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX", "collectedAt",
                       "deploy/Dockerfile", "deploy/kubernetes/cronjob.yaml", "deploy/aws-batch/job-definition.json",
                       "deploy/aws-batch/merge-job-definition.json", "deploy/aws-batch/submit.sh", "never run"] {
            #expect(section.contains(phrase), "\(phrase)")
        }
    }
}
