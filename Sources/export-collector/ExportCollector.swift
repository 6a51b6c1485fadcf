import ArgumentParser
import Collector

#if canImport(Glibc)
import Glibc
#endif

/// The command line: parses options and hands the work to `Collector`.
struct ExportCollector: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-collector",
        abstract: "Collect, verify and index the files Amazon GameLift Streams exports after stream sessions.",
        subcommands: [IndexCommand.self]
    )
}

@main
enum Main {
    static func main() {
        do {
            var command = try ExportCollector.parseAsRoot()
            try command.run()
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
            let message = ExportCollector.message(for: error)
            Console.error("error: \(message)")
            Console.error(ExportCollector.usageString(for: error))
            exit(ExitStatus.usage.rawValue)
        }
    }
}

extension ExportCollector {
    static func usageString(for error: any Error) -> String {
        let full = fullMessage(for: error)
        guard let usage = full.firstRange(of: "Usage:") else { return "" }
        return String(full[usage.lowerBound...]).trimmingTrailingNewlines()
    }
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var result = self
        while result.hasSuffix("\n") { result.removeLast() }
        return result
    }
}
