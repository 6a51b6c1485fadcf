import OrderedJSON

#if canImport(Glibc)
import Glibc
#endif

/// `export-collector merge DIR ... -o DIR`: combines the output folders of
/// shards (or of any runs) into one, as if one run had collected them all.
///
/// Each input's session manifests are read; a session found in two inputs
/// (shards that overlapped, or a shard count changed between runs) keeps the
/// manifest with the newer `collectedAt` (the first input given on a tie)
/// and is named in a warning. The winners' `sessions/<id>.json`,
/// `archives/<id>.zip` and `files/<id>/` are placed in the target — hard
/// links on one filesystem, copies otherwise, each through a temp name and a
/// rename, the manifest last so a merge killed midway is finished by the
/// next — and `manifest.json` and the reports are rebuilt by `ReportJob`.
/// Merge adds and replaces, never deletes: a session already in the target
/// that no input holds stays, as `run` keeps earlier runs' sessions.
package struct MergeJob: Sendable {
    package var inputs: [String]
    package var output: String
    package var formats: Set<ReportFormat>
    package var json: Bool

    package init(inputs: [String], output: String, formats: Set<ReportFormat> = Set(ReportFormat.allCases), json: Bool) {
        self.inputs = inputs
        self.output = output
        self.formats = formats
        self.json = json
    }

    package struct Outcome: Sendable {
        /// One line each for standard error.
        package var messages: [String]
        package var status: ExitStatus
        /// What `--json` prints (`nil` when the merge did not start).
        package var summary: JSONValue?
    }

    struct Malformed: Error {
        var reason: String
    }

    /// A session manifest of an input, and what decides between two of them.
    struct Candidate {
        var input: String
        var path: String
        var sessionID: String
        var collectedAt: String?
        var collectedSeconds: Double

        func isNewer(than other: Candidate) -> Bool { collectedSeconds > other.collectedSeconds }
    }

    struct Counts {
        var written = 0
        var unchanged = 0
        var duplicates = 0
        var malformed = 0
    }

    package func run(output emit: ([UInt8]) -> Void) -> Outcome {
        let inputs: [String]
        let locks: [Int32]
        do throws(Refusal) {
            inputs = try Self.checkInputs(self.inputs, output: output)
            locks = try Self.lockInputs(inputs)
        } catch {
            return Outcome(messages: [error.message], status: error.status, summary: nil)
        }
        defer { locks.forEach { _ = close($0) } }
        let folder = OutputFolder(root: Self.trimmed(output))
        do throws(OutputError) {
            try folder.prepare()
        } catch {
            return Outcome(messages: ["error: cannot use the output folder (\(output)): \(error.message)"], status: .cannotProceed, summary: nil)
        }
        defer { folder.finish() }

        var messages: [String] = []
        var counts = Counts()
        var winners: [String: Candidate] = [:]
        for input in inputs {
            let names: [String]
            do throws(ReportError) {
                names = try ReportJob.manifestNames(in: input + "/sessions")
            } catch {
                return Outcome(messages: ["error: \(error)"], status: .cannotProceed, summary: nil)
            }
            for name in names {
                let path = input + "/sessions/" + name
                let candidate: Candidate
                do throws(Malformed) {
                    candidate = try Self.candidate(path: path, input: input)
                } catch {
                    counts.malformed += 1
                    messages.append("warning: skipped \(path): \(error.reason)")
                    continue
                }
                guard let existing = winners[candidate.sessionID] else {
                    winners[candidate.sessionID] = candidate
                    continue
                }
                counts.duplicates += 1
                let kept = candidate.isNewer(than: existing) ? candidate : existing
                let why = candidate.collectedSeconds == existing.collectedSeconds ? "collected at the same time: the first input given wins" : "collected later"
                messages.append("warning: session \(candidate.sessionID) is in both \(existing.input) and \(candidate.input);"
                    + " kept \(kept.input)'s (\(why), \(kept.collectedAt ?? "no collectedAt"))")
                winners[candidate.sessionID] = kept
            }
        }
        let shardProblems = Self.shardProblems(inputs, output: folder.root)
        messages += shardProblems

        var files = MergeFiles(workFolder: folder.workFolder)
        do throws(OutputError) {
            for id in winners.keys.sorted() {
                guard let candidate = winners[id] else { continue }
                if try Self.place(candidate, in: folder, files: &files) { counts.written += 1 } else { counts.unchanged += 1 }
            }
        } catch {
            messages.append("error: cannot write the merged output (\(folder.root)): \(error.message)")
            return Outcome(messages: messages, status: .cannotProceed, summary: nil)
        }
        let alreadyThere = ((try? ReportJob.manifestNames(in: folder.sessionsFolder)) ?? [])
            .filter { winners[String($0.dropLast(5))] == nil }.count

        var reportText: [UInt8] = []
        let report = ReportJob(directory: folder.root, formats: formats, json: false).run { reportText += $0 }
        messages += report.messages
        var status: ExitStatus = .success
        if counts.malformed > 0 || !shardProblems.isEmpty || report.status == .failures { status = .failures }
        if report.status == .cannotProceed || report.status == .usage { status = .cannotProceed }

        let summary = JSONValue.object([
            ("output", .string(folder.root)),
            ("inputs", .array(inputs.map { .string($0) })),
            ("sessions", .int(Int64(winners.count))),
            ("written", .int(Int64(counts.written))),
            ("unchanged", .int(Int64(counts.unchanged))),
            ("duplicates", .int(Int64(counts.duplicates))),
            ("malformed", .int(Int64(counts.malformed))),
            ("alreadyInTarget", .int(Int64(alreadyThere))),
            ("linkedFiles", .int(Int64(files.linked))),
            ("copiedFiles", .int(Int64(files.copied))),
            ("complete", .bool(shardProblems.isEmpty)),
            ("totals", report.run?["totals"] ?? .null),
            ("exitCode", .int(Int64(status.rawValue))),
        ])
        if json {
            emit(Array(summary.serialized().utf8))
        } else {
            var line = "merged \(inputs.count) folder\(inputs.count == 1 ? "" : "s"): \(winners.count) session\(winners.count == 1 ? "" : "s")"
            line += " (\(counts.written) written, \(counts.unchanged) unchanged), \(counts.duplicates) in two inputs, \(counts.malformed) malformed;"
            line += " \(files.linked) files linked, \(files.copied) copied\n"
            emit(Array(line.utf8) + reportText)
        }
        return Outcome(messages: messages, status: status, summary: summary)
    }
}
