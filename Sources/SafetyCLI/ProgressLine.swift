import Foundation

/// A progress line on a terminal (records, bytes, records per second), redrawn at most twice a
/// second; silent when stderr is not a terminal (cron, make in CI) or with --quiet.
public final class ProgressLine {
    private let label: String
    private let enabled: Bool
    private let started = Date()
    private var lastDraw = Date.distantPast
    private var drawn = false

    public init(label: String, enabled: Bool) {
        self.label = label
        self.enabled = enabled && isatty(2) == 1
    }

    public func update(records: Int, bytes: Int) {
        guard enabled, Date().timeIntervalSince(lastDraw) >= 0.5 else { return }
        lastDraw = Date()
        let seconds = max(Date().timeIntervalSince(started), 0.001)
        let text = String(format: "\r%@: %d records, %.1f MB, %.0f records/s", label, records, Double(bytes) / 1_000_000,
                          Double(records) / seconds)
        FileHandle.standardError.write(Data(text.utf8))
        drawn = true
    }

    /// Clears the line before the summary is printed.
    public func finish() {
        if drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
