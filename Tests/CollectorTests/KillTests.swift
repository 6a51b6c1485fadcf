import Foundation
import OrderedJSON
import Testing

/// SIGKILL at random moments of a run over demo-sized data, then a run
/// again: complete and consistent every time.
@Suite("crashes: SIGKILL at random moments of run, then run again (local stack)", .serialized)
struct KillTests {
    /// Session manifests written at or after `since`.
    static func rewritten(_ output: URL, since: Date) -> Int {
        let folder = output.appendingPathComponent("sessions").path
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { name in
            guard name.hasSuffix(".json"),
                  let modified = (try? FileManager.default.attributesOfItem(atPath: folder + "/" + name))?[.modificationDate] as? Date
            else { return false }
            return modified >= since
        }.count
    }

    @Test("10 kills at random moments (listing, mid-transfer, mid-index, mid-publish): every next run complete, no leftovers, no duplicated rows")
    func randomKills() async throws {
        let seed = ProcessInfo.processInfo.environment["EC_KILL_SEED"].flatMap(UInt64.init) ?? UInt64(Date().timeIntervalSince1970 * 1000)
        print("kill trials: seed \(seed) (EC_KILL_SEED=\(seed) replays them)")
        var random = SplitMix(seed: seed)  // PerfStatsTests: replayable with EC_KILL_SEED
        // The demo's data: 30 sessions in 2 stream groups.
        let stack = try PipelineStack(sessions: 30, groups: 2, seed: 47)
        defer { stack.stop() }
        let output = stack.folder.appendingPathComponent("collected")
        let config = try stack.config(output: output)
        let listed = try #require(stack.expected["totals"]?["listed"]?.intValue)
        let started = Date()
        let first = try stack.run(["--config", config, "--json"])
        let cleanSeconds = Date().timeIntervalSince(started)
        #expect(first.status == 1, "\(first.stderr)")
        try RunTests.checkOutcomes(output, expected: stack.expected)

        // Forced runs redo everything, two sessions at a time. One is timed;
        // trial i is killed at a random moment in the i-th tenth of that time,
        // so the moments cover the listing, the transfers and indexing, and
        // the reports at the end. A run that finishes before its moment (the
        // machine was faster than in the timed run) is drawn again, earlier.
        let forced = try stack.config(output: output, download: [("concurrency", .int(2))])
        let timed = Date()
        let forcedRun = try stack.run(["--config", forced, "--force"])
        let forcedSeconds = Date().timeIntervalSince(timed)
        #expect(forcedRun.status == 1, "\(forcedRun.stderr)")
        var killed = 0
        var trials: [String] = []
        for trial in 1 ... 10 {
            var shrink = 1.0
            for _ in 0 ..< 4 {
                let unit = Double(random.next() % 1_000_000) / 1_000_000
                let moment = (Double(trial - 1) + unit) / 10 * forcedSeconds * shrink
                let (wasKilled, line) = try Self.killAndResume(stack, forced: forced, config: config, output: output,
                                                               at: moment, listed: listed)
                trials.append("\(trial): \(line)")
                if wasKilled {
                    killed += 1
                    break
                }
                shrink *= 0.7
            }
        }
        print("kill trials (seed \(seed), clean run \(String(format: "%.2f", cleanSeconds)) s, forced run \(String(format: "%.2f", forcedSeconds)) s):\n  "
            + trials.joined(separator: "\n  "))
        #expect(killed == 10, "only \(killed) of 10 trials killed a run before it finished")
    }

    /// Starts a forced run, SIGKILLs it `moment` seconds later, checks that
    /// nothing is half-written, runs again and checks that the output is whole.
    static func killAndResume(_ stack: PipelineStack, forced: String, config: String, output: URL, at moment: Double,
                              listed: Int) throws -> (killed: Bool, line: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLineTests.binary)
        process.arguments = ["run", "--config", forced, "--force", "--no-progress"]
        process.environment = stack.environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let start = Date()
        try process.run()
        while process.isRunning, Date().timeIntervalSince(start) < moment { usleep(1000) }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let killed = process.terminationReason == .uncaughtSignal
        let written = rewritten(output, since: start)
        let phase = written == 0 ? "listing or first transfers" : written < listed ? "transfers and indexing" : "publishing the reports"
        let line = "\(String(format: "%.3f", moment)) s, \(written) of \(listed) manifests rewritten: "
            + (killed ? "killed while \(phase)" : "finished first (status \(process.terminationStatus)); drawn again")

        // Nothing half-written, even before the next run.
        _ = FaultTests.manifests(output)
        let resumed = try stack.run(["--config", config, "--json"])
        #expect(resumed.status == 1, "\(line): \(resumed.stderr)")
        try RunTests.checkOutcomes(output, expected: stack.expected)
        RunTests.noLeftovers(output)
        let runManifest = try JSONParser.parse(Array(try Data(contentsOf: output.appendingPathComponent("manifest.json"))))
        let ids = runManifest["sessions"]?.arrayValue?.compactMap { $0["sessionId"]?.stringValue } ?? []
        #expect(ids.count == Set(ids).count, "\(line): duplicated session rows")
        #expect(ids.count == listed, "\(line): \(ids.count) rows for \(listed) sessions")
        #expect(try JSONParser.parse(resumed.stdout)["listed"]?.intValue == listed, "\(line)")
        return (killed, line)
    }
}
