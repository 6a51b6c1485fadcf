import Foundation
import Locking

#if canImport(Glibc)
import Glibc
#endif

/// Counters of a run, and the progress line people watch: on a terminal one
/// live line rewritten in place; otherwise (cron, CI logs) a plain line every
/// few seconds, never a carriage return.
package final class RunProgress: Sendable {
    struct Counts {
        var listed = 0
        var resolved = 0
        var unchanged = 0
        var fetched = 0
        var indexed = 0
        var collected = 0
        var failed = 0
        var other = 0
        var bytesPlanned: UInt64 = 0
        var bytesFetched: UInt64 = 0
    }

    private let counts = Lock(Counts())
    private let started = monotonicSeconds()
    private let ticker = Lock<Task<Void, Never>?>(nil)
    private let interactive: Bool

    /// - Parameter enabled: `false` for `--no-progress`; nothing is printed then.
    package init(enabled: Bool) {
        interactive = isatty(2) == 1
        guard enabled else { return }
        let interval: Duration = interactive ? .milliseconds(250) : .seconds(5)
        let task = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard let self, !Task.isCancelled else { return }
                self.draw(final: false)
            }
        }
        ticker.withLock { $0 = task }
    }

    func listed() { counts.withLock { $0.listed += 1 } }
    func resolved(bytes: UInt64) { counts.withLock { $0.resolved += 1; $0.bytesPlanned += bytes } }
    func unchanged(bytes: UInt64) { counts.withLock { $0.unchanged += 1; $0.bytesPlanned -= min(bytes, $0.bytesPlanned) } }
    func fetched(bytes: UInt64) { counts.withLock { $0.fetched += 1; $0.bytesFetched += bytes } }
    func indexed() { counts.withLock { $0.indexed += 1 } }

    func finished(_ status: SessionStatus) {
        counts.withLock {
            switch status {
            case .collected: $0.collected += 1
            case .failed: $0.failed += 1
            case .skipped, .exportFailed: $0.other += 1
            }
        }
    }

    /// Stops the ticker and, on a terminal, ends the live line.
    package func stop() {
        let task = ticker.withLock { task -> Task<Void, Never>? in
            defer { task = nil }
            return task
        }
        guard let task else { return }
        task.cancel()
        draw(final: true)
    }

    var elapsed: Double { monotonicSeconds() - started }

    func line() -> String {
        let c = counts.withLock { $0 }
        let seconds = max(0.001, elapsed)
        let rate = Double(c.bytesFetched) / seconds
        var text = "sessions: \(c.listed) listed, \(c.fetched) fetched, \(c.indexed) indexed, \(c.unchanged) unchanged, \(c.failed) failed"
        text += "; \(Self.bytes(c.bytesFetched)) at \(Self.bytes(UInt64(rate)))/s"
        let remaining = c.bytesPlanned > c.bytesFetched ? c.bytesPlanned - c.bytesFetched : 0
        if rate > 0, remaining > 0 { text += ", ETA \(Int((Double(remaining) / rate).rounded(.up))) s" }
        return text
    }

    private func draw(final: Bool) {
        let text = line()
        if interactive {
            Console.errorRaw("\r\u{1B}[2K" + text + (final ? "\n" : ""))
        } else if !final {
            Console.error(text)
        }
    }

    static func bytes(_ count: UInt64) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var value = Double(count)
        var unit = 0
        while value >= 1000, unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
    }
}
