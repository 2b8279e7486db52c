import SafetyCore

/// Ids seen in one export: the same (id, export date) again with the same values is an exact
/// repeat (kept once, noted); with different values, both records are rejected, naming each
/// other. Keeps one key per record of the export; off when the pipeline's limits say so.
struct DuplicateIDs {
    enum Outcome { case first, exactRepeat(firstLine: Int), conflict(firstLine: Int) }

    struct Seen { var line: Int; var position: SourcePosition; var contentHash: Int }
    struct Conflict { var first: SourcePosition; var laterLine: Int }

    let enabled: Bool
    let kind: RecordKind
    private var seen: [String: Seen] = [:]
    private(set) var conflicts: [String: Conflict] = [:]

    init(enabled: Bool, kind: RecordKind) {
        self.enabled = enabled
        self.kind = kind
    }

    static func key(_ row: [String]) -> String { row[0] + "\u{1F}" + row[2] }

    mutating func check(_ row: [String], at position: SourcePosition) -> Outcome {
        guard enabled else { return .first }
        var hasher = Hasher()
        for field in row[RecordSchema.contentColumns(of: kind)] { hasher.combine(field) }
        let hash = hasher.finalize()
        let key = DuplicateIDs.key(row)
        guard let first = seen[key] else {
            seen[key] = Seen(line: position.line, position: position, contentHash: hash)
            return .first
        }
        if first.contentHash == hash { return .exactRepeat(firstLine: first.line) }
        if conflicts[key] == nil { conflicts[key] = Conflict(first: first.position, laterLine: position.line) }
        return .conflict(firstLine: first.line)
    }
}
