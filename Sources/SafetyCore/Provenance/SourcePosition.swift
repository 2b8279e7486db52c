/// Where a record came from: file, archive member, line where it begins, and its ordinal.
///
/// Travels with every raw record into the typed record or its rejection, so a clerk can
/// jump to `交警-2020.xml.gz:17`.
public struct SourcePosition: Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var member: String?
    /// 1-based physical line where the record begins (CSV line or XML line).
    public var line: Int
    /// 1-based ordinal of the record within the file or member (header rows not counted).
    public var record: Int

    public init(file: String, member: String? = nil, line: Int, record: Int) {
        self.file = file
        self.member = member
        self.line = line
        self.record = record
    }

    /// `file[:member]:line`, the prefix of every message about this record.
    public var description: String {
        if let member { return "\(file):\(member):\(line)" }
        return "\(file):\(line)"
    }
}

extension String {
    /// The same text in storage of its own (a short text has none: it is kept inline).
    ///
    /// A decoder gives its records a fresh copy of the file name for each chunk it reads: every
    /// record holds the name, and records of one file sharing one copy made its reference count a
    /// cache line that the decoding, mapping and commit threads all wrote, ~20 times per record
    /// (perf, a `swift_retain` uprobe). Per chunk, each thread mostly works on a copy of its own.
    public var unshared: String {
        let count = utf8.count
        return String(unsafeUninitializedCapacity: count) { buffer in buffer.initialize(fromContentsOf: utf8) }
    }
}

/// Who exported a record and when, plus where it sits in that export.
public struct Provenance: Hashable, Sendable {
    /// The exporting department, as its mapping names it (`交警大队`).
    public var source: String
    /// The date the department produced the export; later exports supersede earlier ones.
    public var exportDate: LocalDate
    public var position: SourcePosition

    public init(source: String, exportDate: LocalDate, position: SourcePosition) {
        self.source = source
        self.exportDate = exportDate
        self.position = position
    }
}
