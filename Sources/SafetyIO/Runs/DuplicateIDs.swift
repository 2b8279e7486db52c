import SafetyCore

/// Ids seen in one export: the same (id, export date) again with the same values is an exact
/// repeat (kept once, noted); with different values, both records are rejected, naming each
/// other. Keeps one key per record of the export; off when the pipeline's limits say so.
struct DuplicateIDs {
    /// A repeat and a conflict give back the later record's position (and id) for the note or reject.
    enum Outcome { case first, exactRepeat(firstLine: Int, position: SourcePosition), conflict(firstLine: Int, position: SourcePosition, id: String) }

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

    /// What the check needs of a normalized row: its id, its key, a hash of its content columns.
    /// Made where the row is made (on any thread), so the row itself need not travel.
    struct Identity: Sendable { var id: String; var key: String; var contentHash: Int }

    static func identity(of row: [String], kind: RecordKind) -> Identity {
        var hasher = Hasher()
        for field in row[RecordSchema.contentColumns(of: kind)] { hasher.combine(field) }
        return Identity(id: row[0], key: key(row), contentHash: hasher.finalize())
    }

    /// `identity` and `position` are nil when ids are not checked.
    mutating func check(_ identity: Identity?, at position: SourcePosition?) -> Outcome {
        guard enabled, let identity, let position else { return .first }
        let (key, hash) = (identity.key, identity.contentHash)
        guard let first = seen[key] else {
            seen[key] = Seen(line: position.line, position: position, contentHash: hash)
            return .first
        }
        if first.contentHash == hash { return .exactRepeat(firstLine: first.line, position: position) }
        if conflicts[key] == nil { conflicts[key] = Conflict(first: first.position, laterLine: position.line) }
        return .conflict(firstLine: first.line, position: position, id: identity.id)
    }
}
