import ArgumentParser
import Collector

#if canImport(Glibc)
import CMalloc
import Glibc
#endif

/// The command line: parses options and hands the work to `Collector`.
struct ExportCollector: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-collector",
        abstract: "Collect, verify and index the files Amazon GameLift Streams exports after stream sessions.",
        subcommands: [RunCommand.self, ListCommand.self, FetchCommand.self, PresignCommand.self, IndexCommand.self, ReportCommand.self,
                      MergeCommand.self]
    )
}

@main
enum Main {
    static func main() async {
        #if canImport(Glibc)
        // Buffers of 256 KiB and more (chunk pools, download blocks) are mapped
        // and unmapped, so freed ones go back to the system. By default glibc
        // raises this threshold to the largest block freed so far (1 MiB), and
        // from then on carves such blocks from per-thread arenas that keep the
        // memory: `run` at concurrency 8 peaked at 154 MiB instead of 95.
        _ = mallopt(M_MMAP_THRESHOLD, 256 << 10)
        #endif
        do {
            var command = try ExportCollector.parseAsRoot()
            if var asynchronous = command as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch {
            let code = ExportCollector.exitCode(for: error)
            // Help and version requests exit 0; every usage problem exits 2 as
            // CONTRACTS.md says (argument-parser's own code for them is 64).
            if code == .success {
                ExportCollector.exit(withError: error)
            }
            if error is ExitCode {
                exit(code.rawValue)
            }
            // One line, as every error of the tool: the parser's message may span lines.
            let message = ExportCollector.message(for: error)
                .split(whereSeparator: \.isNewline)
                .map { $0.trimmingCharacters(in: " -") }
                .filter { !$0.isEmpty }
                .joined(separator: " ")
            Console.error("error: \(message) (see 'export-collector --help')")
            exit(ExitStatus.usage.rawValue)
        }
    }
}

extension Substring {
    func trimmingCharacters(in characters: String) -> String {
        var text = self[...]
        while let first = text.first, characters.contains(first) { text.removeFirst() }
        while let last = text.last, characters.contains(last) { text.removeLast() }
        return String(text)
    }
}
