import Foundation
import SafetyCore

/// Reads the common format's CSV files back into typed records, streaming. Any row that does
/// not parse is a failure: normalized data was written by us and must read back exactly.
public struct NormalizedReader {
    /// A normalized folder (every kind file in it), or one kind file (`hazard.csv`).
    public let path: String

    public init(directory: String) { self.path = directory }
    public init(path: String) { self.path = path }

    public static func path(of kind: RecordKind, in directory: String) -> String {
        directory + "/\(kind.rawValue).csv"
    }

    /// Calls `body` with every record of every kind present, kind by kind in schema order.
    public func forEach(_ body: (NormalizedRecord) throws -> Void) throws {
        try forEachInterned { record, _, _, _ in try body(record) }
    }

    /// Calls `body` with every record and small ids for its region, sector and source: equal
    /// texts have equal ids (from 0), so a counter can key cells without hashing text.
    public func forEachInterned(_ body: (NormalizedRecord, _ region: Int, _ sector: Int, _ source: Int) throws -> Void) throws {
        var interned = Interned()
        for (kind, file) in try kindFiles() {
            try read(kind, path: file, interned: &interned, body)
        }
    }

    /// Texts that repeat from row to row (regions, sectors, sources, file names), made once.
    struct Interned {
        var region = ByteInterner(), sector = ByteInterner(), source = ByteInterner(), file = ByteInterner()
    }

    /// The kind files this reader covers, in schema order.
    public func kindFiles() throws -> [(kind: RecordKind, path: String)] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw IngestFailure.unreadable(file: path, reason: "no such file or folder")
        }
        if !isDirectory.boolValue {
            let name = (path as NSString).lastPathComponent
            guard let kind = RecordKind.allCases.first(where: { name == "\($0.rawValue).csv" }) else {
                throw IngestFailure.unreadable(file: path, reason: "not a normalized kind file (accident.csv, hazard.csv, …)")
            }
            return [(kind, path)]
        }
        return RecordKind.allCases.map { ($0, NormalizedReader.path(of: $0, in: path)) }
            .filter { FileManager.default.fileExists(atPath: $0.1) }
    }

    /// Byte ranges of one kind file that start at record boundaries, for reading on several cores.
    public static func shards(of file: String, count: Int, minBytes: Int = 8 << 20) throws -> [Range<Int>] {
        try CSVRecordScanner.shards(of: file, count: count, minBytes: minBytes)
    }

    /// Like `forEachInterned`, for the records of one kind file that start in `range` (one of
    /// `shards`); ids are those of this call alone. A range after the first has no header.
    ///
    /// `forCounting`: the records go to a counter (`CellCounter`), which reads neither a
    /// hazard's id and enterprise nor any record's position: read the usual hazard row without
    /// making those texts (they are checked as always; the record holds "" and line 0 for them).
    public static func forEachInterned(_ kind: RecordKind, path: String, range: Range<Int>, forCounting: Bool = false,
                                       _ body: (NormalizedRecord, _ region: Int, _ sector: Int, _ source: Int) throws -> Void) throws {
        var interned = Interned()
        try NormalizedReader(path: path).read(kind, path: path, range: range, forCounting: forCounting, interned: &interned, body)
    }

    /// The position a record read for counting holds.
    static let uncounted = SourcePosition(file: "", line: 0, record: 0)

    /// `fastPaths: false` reads every row through the general path (tests compare the two).
    func read(_ kind: RecordKind, path: String, range: Range<Int> = 0..<Int.max, fastPaths: Bool = true, forCounting: Bool = false,
              interned: inout Interned, _ body: (NormalizedRecord, Int, Int, Int) throws -> Void) throws {
        let expected = RecordSchema.fields(of: kind).map(\.name)
        let lengths = expected.map(\.utf8.count)
        let columns = Dictionary(uniqueKeysWithValues: expected.enumerated().map { ($1, $0) })
        let regionColumn = columns["region"]!, sectorColumn = columns["sector"] ?? -1, sourceColumn = columns["source"]!
        let fileColumn = columns["source_file"]!, memberColumn = columns["source_member"]!
        let lineColumn = columns["source_line"]!, recordColumn = columns["source_record"]!
        var split = CSVFieldSplitter()
        try CSVRecordScanner(path: path, range: range, firstIndex: range.lowerBound == 0 ? 0 : 1).forEach { record, index in
            split.split(record)
            guard index > 0 else {
                guard split.strings(in: record) == expected else {
                    throw IngestFailure.corruptNormalizedData(message: "\(path):1: header is not the \(kind.rawValue) schema")
                }
                return
            }
            guard split.count == expected.count else {
                throw IngestFailure.corruptNormalizedData(message: "\(path): record \(index): \(split.count) fields, expected \(expected.count)")
            }
            let region = interned.region.intern(split.raw(regionColumn, in: record))
            let sector = sectorColumn < 0 ? (id: 0, text: "", clean: false) : interned.sector.intern(split.raw(sectorColumn, in: record))
            let source = interned.source.intern(split.raw(sourceColumn, in: record))
            func position() -> SourcePosition {
                let file = interned.file.intern(split.raw(fileColumn, in: record)).text
                let member = split.string(memberColumn, in: record)
                return SourcePosition(file: file, member: member.isEmpty ? nil : member,
                                      line: NormalizedReader.integer(split.raw(lineColumn, in: record)) ?? 0,
                                      record: NormalizedReader.integer(split.raw(recordColumn, in: record)) ?? 0)
            }
            if fastPaths, kind == .hazard, source.clean, region.clean, sector.clean,
               let hazard = NormalizedReader.fastHazard(split, record, source: source.text, region: region.text, sector: sector.text,
                                                        position: forCounting ? NormalizedReader.uncounted : position(),
                                                        texts: !forCounting) {
                // The common shape, read straight from the bytes; anything else takes the general path.
                try body(.hazard(hazard), region.id, sector.id, source.id)
                return
            }
            let position = position()
            let fields = split
            var fieldReader = FieldReader(position: position) { name in
                // A scan of short ASCII names is cheaper than hashing one; names of another
                // length are ruled out without comparing text.
                let length = name.utf8.count
                guard let column = expected.indices.first(where: { lengths[$0] == length && expected[$0] == name }) else { return nil }
                switch column {
                case regionColumn: return region.text
                case sectorColumn: return sector.text
                case sourceColumn: return source.text
                default: return fields.string(column, in: record)
                }
            }
            switch RecordSchema.read(kind, from: &fieldReader, position: position) {
            case .success(let value): try body(value, region.id, sector.id, source.id)
            case .failure(let rejection):
                throw IngestFailure.corruptNormalizedData(message: "\(path): record \(index): \(rejection.message)")
            }
        }
    }
}

extension NormalizedReader {
    /// A non-negative integer written as ASCII digits (as the ingest writes line and record
    /// numbers); nil for anything else, as `Int(String)` would give for these columns.
    static func integer(_ raw: UnsafeBufferPointer<UInt8>) -> Int? {
        var n = 0
        for byte in raw {
            // Anything but up to 18 digits (a sign, an overflow) is left to `Int(String)`.
            guard byte >= 0x30 && byte <= 0x39, raw.count <= 18 else { return Int(String(decoding: raw, as: UTF8.self)) }
            n = n * 10 + Int(byte - 0x30)
        }
        return raw.isEmpty ? nil : n
    }

    private static let generalLevel = Array(HazardLevel.general.rawValue.utf8), majorLevel = Array(HazardLevel.major.rawValue.utf8)
    private static let trueText = Array("true".utf8), falseText = Array("false".utf8)

    /// A hazard row as the ingest writes it, read from its bytes without a field reader: the
    /// columns in schema order, ISO dates, no surrounding spaces, a known level and `true`/`false`.
    /// Nil for any other shape, which the general path then reads (and rejects, if it must).
    /// The source, region and sector given must be clean (`ByteInterner.isClean`).
    /// Without `texts`, the id and enterprise are checked the same way but not made ("").
    static func fastHazard(_ split: CSVFieldSplitter, _ record: UnsafeBufferPointer<UInt8>, source: String, region: String,
                           sector: String, position: SourcePosition, texts: Bool = true) -> HazardRecord? {
        // id source export_date found_date region sector enterprise level rectified_date deadline listed listing_batch …
        func date(_ field: Int) -> LocalDate?? {
            let raw = split.raw(field, in: record)
            if raw.isEmpty { return .some(nil) }
            guard case .success(let day)? = DateText.fastISO(raw) else { return nil }
            return .some(day)
        }
        func text(_ field: Int, keep: Bool = true) -> String? {
            let raw = split.raw(field, in: record)
            // Unquoted, with end bytes that cannot be spaces: clean without a look at the text.
            if let first = raw.first, let last = raw.last, first != 0x22, !TextCleaning.mayNeedTrimming(first: first, last: last) {
                return keep ? split.string(field, in: record) : ""
            }
            let value = split.string(field, in: record)
            return ByteInterner.isClean(value) ? (keep ? value : "") : nil
        }
        guard let id = text(0, keep: texts), let exported = date(2) ?? nil, let found = date(3) ?? nil,
              let enterprise = text(6, keep: texts), let rectified = date(8), let deadline = date(9) else { return nil }
        if let rectified, rectified < found { return nil }
        let levelBytes = split.raw(7, in: record), listedBytes = split.raw(10, in: record)
        let level: HazardLevel
        func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ text: [UInt8]) -> Bool { text.withUnsafeBufferPointer { ByteText.equal(bytes, $0) } }
        if equal(levelBytes, generalLevel) { level = .general }
        else if equal(levelBytes, majorLevel) { level = .major }
        else { return nil }
        let listed: Bool
        if equal(listedBytes, trueText) { listed = true }
        else if equal(listedBytes, falseText) { listed = false }
        else { return nil }
        let batchBytes = split.raw(11, in: record)
        let batch: String
        if batchBytes.isEmpty { batch = "" } else if let text = text(11) { batch = text } else { return nil }
        return HazardRecord(id: id, provenance: Provenance(source: source, exportDate: exported, position: position), foundDate: found,
                            region: region, sector: sector, enterprise: enterprise, level: level, rectifiedDate: rectified,
                            deadline: deadline, listed: listed, listingBatch: batch)
    }
}

/// Texts met as bytes again and again (a region, a sector), each made into a `String` once and
/// numbered from 0 in order of first appearance. Values are unquoted CSV fields.
struct ByteInterner {
    private var slots = [Int32](repeating: -1, count: 64)
    private var keys: [[UInt8]] = []
    private var hashes: [UInt64] = []
    private(set) var texts: [String] = []
    /// Per text: `isClean`.
    private var cleanTexts: [Bool] = []

    /// The text's number, the text, and whether it is clean (judged once per distinct text).
    mutating func intern(_ raw: UnsafeBufferPointer<UInt8>) -> (id: Int, text: String, clean: Bool) {
        let h = ByteInterner.hash(raw)
        var slot = Int(truncatingIfNeeded: h) & (slots.count - 1)
        while true {
            let id = Int(slots[slot])
            if id < 0 { break }
            if hashes[id] == h && keys[id].withUnsafeBufferPointer({ ByteText.equal($0, raw) }) { return (id, texts[id], cleanTexts[id]) }
            slot = (slot + 1) & (slots.count - 1)
        }
        let id = texts.count
        keys.append(Array(raw))
        hashes.append(h)
        let text = String(decoding: raw.first == 0x22 ? CSVFieldSplitter.value(raw) : Array(raw), as: UTF8.self)
        texts.append(text)
        cleanTexts.append(ByteInterner.isClean(text))
        slots[slot] = Int32(id)
        if texts.count * 2 > slots.count { rehash() }
        return (id, texts[id], cleanTexts[id])
    }

    var count: Int { texts.count }

    /// The text already made for these bytes, if any.
    func lookup(_ raw: UnsafeBufferPointer<UInt8>) -> String? {
        let h = ByteInterner.hash(raw)
        var slot = Int(truncatingIfNeeded: h) & (slots.count - 1)
        while true {
            let id = Int(slots[slot])
            if id < 0 { return nil }
            if hashes[id] == h && keys[id].withUnsafeBufferPointer({ ByteText.equal($0, raw) }) { return texts[id] }
            slot = (slot + 1) & (slots.count - 1)
        }
    }

    /// Remembers `text` for these bytes (which `lookup` did not know).
    mutating func insert(_ raw: UnsafeBufferPointer<UInt8>, _ text: String) {
        let h = ByteInterner.hash(raw)
        var slot = Int(truncatingIfNeeded: h) & (slots.count - 1)
        while slots[slot] >= 0 { slot = (slot + 1) & (slots.count - 1) }
        keys.append(Array(raw))
        hashes.append(h)
        texts.append(text)
        cleanTexts.append(ByteInterner.isClean(text))
        slots[slot] = Int32(texts.count - 1)
        if texts.count * 2 > slots.count { rehash() }
    }

    /// Not empty, and nothing `TextCleaning.trimmed` would take off.
    static func isClean(_ text: String) -> Bool { !text.isEmpty && TextCleaning.trimmed(text).utf8.count == text.utf8.count }

    /// FNV-1a over eight bytes a step (then the rest byte by byte), mixed at the end.
    private static func hash(_ raw: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf29ce484222325
        var i = 0
        if let base = raw.baseAddress {
            while i + 8 <= raw.count {
                h = (h ^ UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)) &* 0x100000001b3
                i += 8
            }
        }
        while i < raw.count { h = (h ^ UInt64(raw[i])) &* 0x100000001b3; i += 1 }
        return h ^ (h >> 29)
    }

    private mutating func rehash() {
        slots = [Int32](repeating: -1, count: slots.count * 2)
        for (i, hash) in hashes.enumerated() {
            var s = Int(truncatingIfNeeded: hash) & (slots.count - 1)
            while slots[s] >= 0 { s = (s + 1) & (slots.count - 1) }
            slots[s] = Int32(i)
        }
    }
}
