import Dispatch
import OrderedJSON
import Locking

/// Writes the reports of a run into its output folder: `report.html`,
/// `summary.md`, `entries.csv`, `entries.jsonl` (see ``ReportFormat``). The
/// pipeline calls it after writing the run manifest; `export-collector
/// report` after rebuilding it. Each file is written atomically, so a report
/// is either the previous one or the new one, never half of either.
package enum ReportWriter {
    /// - Parameters:
    ///   - run: the run manifest (``RunManifest/build(sessions:generatedAt:)``);
    ///     its totals and `generatedAt` head the reports.
    ///   - sessions: the session manifests, in any order (rows are sorted by
    ///     session id); members may be missing or null.
    ///   - directory: the output folder, which must exist.
    package static func write(run: JSONValue, sessions: [JSONValue], to directory: String, formats: Set<ReportFormat>) throws(ReportError) {
        let sorted = sessions.map { ($0["sessionId"]?.stringValue ?? "", $0) }
            .sorted { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
            .map(\.1)
        let perSession = HTMLData.perSession(sessions: sorted.count)
        let stream = ReportStream(directory: directory, formats: formats, perSession: perSession)
        var summaries: [ReportSession] = []
        summaries.reserveCapacity(sorted.count)
        let selected = formats
        ReportStream.forEach(count: sorted.count, load: { index in
            ReportStream.render(sorted[index], formats: selected, perSession: perSession)
        }) { _, rendered in
            summaries.append(rendered.session)
            stream.add(rendered)
        }
        try stream.finish(run: run, sessions: summaries)
    }
}

/// The reports written while the session manifests are read, one session at
/// a time in session id order, so memory does not grow with the entries:
/// each manifest is parsed (on every core, a chunk at a time) into a compact
/// ``ReportSession`` plus its rendered `entries.csv` and `entries.jsonl`
/// rows and the entries report.html embeds; ``add(_:)`` appends those in
/// order (the page's entries to a spool file), and ``finish(run:sessions:)``
/// writes report.html and summary.md from the summaries and commits all.
///
/// A failure is kept per format and thrown by ``finish(run:sessions:)``, the
/// first in format order; the other formats are still written.
final class ReportStream {
    struct Rendered: Sendable {
        var session: ReportSession
        var csv: [UInt8] = []
        var jsonl: [UInt8] = []
        var entries: [HTMLData.EntryCells] = []
        var more = 0
    }

    /// Sessions parsed and rendered at once; the next chunk is parsed while
    /// one is written.
    static let chunkSize = 128

    let folder: String
    let formats: Set<ReportFormat>
    let perSession: Int
    private var failures: [ReportFormat: ReportError] = [:]
    private var csv: ReportFile?
    private var jsonl: ReportFile?
    private var entries: HTMLData.EntriesBlock?

    init(directory: String, formats: Set<ReportFormat>, perSession: Int) {
        folder = directory.hasSuffix("/") || directory.isEmpty ? directory : directory + "/"
        self.formats = formats
        self.perSession = perSession
        do throws(ReportError) {
            if formats.contains(.csv) {
                let file = try ReportFile(path: folder + ReportFormat.csv.fileName)
                try file.write(bytes: EntryTables.csvHeader)
                csv = file
            }
        } catch { failures[.csv] = error }
        do throws(ReportError) {
            if formats.contains(.jsonl) { jsonl = try ReportFile(path: folder + ReportFormat.jsonl.fileName) }
        } catch { failures[.jsonl] = error }
        do throws(ReportError) {
            if formats.contains(.html) { entries = try HTMLData.EntriesBlock(for: folder + ReportFormat.html.fileName) }
        } catch { failures[.html] = error }
    }

    /// What the reports need of one session manifest (on a worker thread).
    static func render(_ manifest: JSONValue, formats: Set<ReportFormat>, perSession: Int) -> Rendered {
        render(ReportSession(manifest), entries: ReportSession.entries(of: manifest), formats: formats, perSession: perSession)
    }

    static func render(_ session: ReportSession, entries: [JSONValue], formats: Set<ReportFormat>, perSession: Int) -> Rendered {
        var rendered = Rendered(session: session)
        if formats.contains(.csv) { EntryTables.appendCSVRows(session, entries: entries, into: &rendered.csv) }
        if formats.contains(.jsonl) { EntryTables.appendJSONLines(session, entries: entries, into: &rendered.jsonl) }
        if formats.contains(.html) {
            (rendered.entries, rendered.more) = HTMLData.selectEntries(entries, perSession: perSession)
        }
        return rendered
    }

    /// The next session, in session id order.
    func add(_ rendered: Rendered) {
        do throws(ReportError) {
            try csv?.write(bytes: rendered.csv)
        } catch {
            failures[.csv] = error
            csv = nil
        }
        do throws(ReportError) {
            try jsonl?.write(bytes: rendered.jsonl)
        } catch {
            failures[.jsonl] = error
            jsonl = nil
        }
        do throws(ReportError) {
            try entries?.add(rendered.entries, more: rendered.more)
        } catch {
            failures[.html] = error
            entries = nil
        }
    }

    /// Writes report.html and summary.md and commits every report.
    /// - Parameter sessions: the summaries of the sessions added, in that order.
    func finish(run: JSONValue, sessions: [ReportSession]) throws(ReportError) {
        if let entries {
            do throws(ReportError) {
                try HTMLReport.write(run: run, sessions: sessions, entries: entries, to: folder + ReportFormat.html.fileName)
            } catch { failures[.html] = error }
            self.entries = nil
        }
        if formats.contains(.markdown) {
            do throws(ReportError) {
                try ReportFile.write(MarkdownSummary.render(run: run, sessions: sessions), to: folder + ReportFormat.markdown.fileName)
            } catch { failures[.markdown] = error }
        }
        for (format, file) in [(ReportFormat.csv, csv), (.jsonl, jsonl)] {
            guard let file else { continue }
            do throws(ReportError) { try file.commit() } catch { failures[format] = error }
        }
        csv = nil
        jsonl = nil
        if let failure = ReportFormat.allCases.lazy.compactMap({ self.failures[$0] }).first { throw failure }
    }

    /// Calls `body` with `load(0)`, `load(1)`, ... in order on this thread;
    /// `load` runs on every core, a chunk ahead, so at most two chunks of
    /// results are held at once.
    static func forEach<T: Sendable>(count: Int, load: @escaping @Sendable (Int) -> T, body: (Int, T) -> Void) {
        @Sendable func compute(_ start: Int) -> [T] {
            let size = min(count, start + chunkSize) - start
            let slots = Lock([T?](repeating: nil, count: size))
            DispatchQueue.concurrentPerform(iterations: size) { offset in
                let value = load(start + offset)
                slots.withLock { $0[offset] = value }
            }
            return slots.withLock { $0.compactMap { $0 } }
        }
        guard count > 0 else { return }
        var current = compute(0)
        var start = 0
        while start < count {
            let next = start + chunkSize
            let ahead = Ahead<T>()
            let group = DispatchGroup()
            if next < count {
                DispatchQueue.global().async(group: group) {
                    let values = compute(next)
                    ahead.values.withLock { $0 = values }
                }
            }
            for (offset, value) in current.enumerated() { body(start + offset, value) }
            current = []
            group.wait()
            current = ahead.values.withLock { values in
                let taken = values
                values = []
                return taken
            }
            start = next
        }
    }

    /// The chunk parsed ahead, handed from its thread to the writing one.
    private final class Ahead<T: Sendable>: Sendable {
        let values = Lock<[T]>([])
    }
}
