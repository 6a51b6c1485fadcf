import Foundation
import Testing

/// Locations the tests read from. The peer corpus lives in `../shared` beside the
/// clone (CI lays it there); `EC_SHARED_DIR` overrides. A missing corpus fails
/// the test run loudly rather than skipping.
enum TestPaths {
    static let repositoryRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0 ..< 3 { url.deleteLastPathComponent() }
        return url
    }()

    static var shared: URL {
        if let override = ProcessInfo.processInfo.environment["EC_SHARED_DIR"] {
            return URL(fileURLWithPath: override)
        }
        return repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared")
    }

    static var zipCorpus: URL { shared.appendingPathComponent("corpus/zip") }
}

/// A fresh folder under the system temp dir, removed by the caller's `defer`.
func makeTemporaryDirectory(_ label: String = "ec-test") throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("\(label)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

struct CommandFailure: Error, CustomStringConvertible {
    var description: String
}

/// Runs a program to completion and returns its standard output.
@discardableResult
func runProgram(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw CommandFailure(description: "\(executable) \(arguments.joined(separator: " ")) exited \(process.terminationStatus): \(String(decoding: errorData, as: UTF8.self))")
    }
    return String(decoding: data, as: UTF8.self)
}

/// Runs a Python 3 script given as text (test fixtures are made with the
/// standard library's zipfile, a writer independent of ours).
@discardableResult
func runPython(_ script: String, _ arguments: [String] = []) throws -> String {
    try runProgram("/usr/bin/env", ["python3", "-c", script] + arguments)
}

func loadJSON(_ url: URL) throws -> Any {
    try JSONSerialization.jsonObject(with: Data(contentsOf: url))
}
