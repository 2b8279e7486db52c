import Foundation
import SafetyCore

/// `safety-ingest --check`: runs a mapping over an export exactly as the ingest does, into a
/// temporary folder removed afterwards, and reports the counts and the rejects by reason — so a
/// clerk drafting a mapping iterates in seconds without touching the outputs.
public struct IngestCheck {
    public struct Reason: Sendable, Equatable {
        public var code: String
        public var count: Int
        /// The first few rejects of this reason, as rejects.csv words them.
        public var examples: [String]
    }

    public var summary: IngestSummary?
    public var reasons: [Reason] = []
    /// The failure that stopped the run, if one did (the counts are then those written so far).
    public var failure: IngestFailure?

    public static let examplesPerReason = 3

    public static func run(pipeline: LoadedPipeline, exportPath: String, name: String? = nil) throws -> IngestCheck {
        let folder = NSTemporaryDirectory() + "safety-check-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var check = IngestCheck()
        do {
            check.summary = try IngestRun(pipeline: pipeline, exportPath: exportPath, outputDirectory: folder, name: name).run()
        } catch let failure as IngestFailure {
            check.failure = failure
        }
        let rejects = folder + "/rejects.csv"
        guard FileManager.default.fileExists(atPath: rejects) else { return check }
        var header = true
        var order: [String] = [], byCode: [String: Reason] = [:]
        try CSVFile.forEachRow(path: rejects) { fields, _ in
            defer { header = false }
            guard !header, fields.count == RejectsFile.columns.count else { return }
            let code = fields[6]
            if byCode[code] == nil { order.append(code); byCode[code] = Reason(code: code, count: 0, examples: []) }
            byCode[code]!.count += 1
            if byCode[code]!.examples.count < examplesPerReason { byCode[code]!.examples.append(fields[7]) }
        }
        check.reasons = order.map { byCode[$0]! }.sorted { $0.count > $1.count }
        return check
    }

    /// What `--check` prints.
    public var report: String {
        var lines: [String] = []
        if let s = summary {
            lines.append("\(s.file) → \(s.mapping) (\(s.department), \(s.kind.rawValue))")
            lines.append("read \(s.read), accepted \(s.accepted), rejected \(s.rejected), skipped \(s.skipped), duplicates \(s.duplicates)")
            lines += s.notes.prefix(5).map { "note: " + $0 }
        }
        if let failure { lines.append("the run would fail: " + failure.description) }
        if reasons.isEmpty {
            if failure == nil { lines.append("no rejects") }
        } else {
            lines.append("rejects by reason:")
            for reason in reasons {
                lines.append("  \(reason.code)  \(reason.count)")
                lines += reason.examples.map { "    " + $0 }
            }
        }
        lines.append("nothing written (--check)")
        return lines.joined(separator: "\n") + "\n"
    }
}
