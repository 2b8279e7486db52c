import SafetyCore
#if canImport(Glibc)
import Glibc
#endif

/// What a decoder makes of the bytes: a raw record, a record rejected before mapping
/// (wrong field count, invalid text), or a row skipped on purpose (title, 合计) with a note.
public enum DecodedItem: Sendable {
    case record(RawRecord)
    /// A record whose texts are still bytes: made into strings where it is mapped (on any core),
    /// not on the thread that parses.
    case textRecord(RawTextRecord)
    case rejection(Rejection)
    case skipped(SourcePosition, note: String)

    /// The record as strings, for either kind of record item.
    public var rawRecord: RawRecord? {
        switch self {
        case .record(let raw): raw
        case .textRecord(let text): text.materialized()
        case .rejection, .skipped: nil
        }
    }
}

/// A state machine fed byte chunks that returns the records each chunk completes.
/// It never knows whether its bytes came from a file, gzip or an archive member.
public protocol RecordDecoder: AnyObject {
    func feed(_ chunk: [UInt8]) throws -> [DecodedItem]
    func finish() throws -> [DecodedItem]
}

/// CSV with a header row: delivers, for each data row, the cells under the mapping's columns.
public final class CSVRecordDecoder: RecordDecoder {
    private var reader: CSVReader
    /// The reader's limit, kept apart: rows are handled while the reader is being fed.
    private let maxRecordBytes: Int
    private let layout: DepartmentMapping.CSVLayout
    private let sourceKeys: [String]
    private let optionalKeys: Set<String>
    /// Copied afresh for each chunk (`String.unshared`).
    private var file: String
    private var member: String?
    private var rowNumber = 0
    private var recordNumber = 0
    /// The header's row number (non-blank rows counted from 1): a record's number is its row's less this.
    private var headerRowNumber = 0
    private var header: [String]?
    private var columnOfKey: [Int?] = []
    private let transcoder: FieldTranscoder?
    private var padsShortRows = false
    private var itemsPerChunk = 16
    /// Where UTF-8 rows' cells are kept as bytes until they are mapped.
    private var texts = TextRecordWriter()

    /// `transcoder` decodes each field from a GB-family encoding; without it fields must be UTF-8.
    public init(layout: DepartmentMapping.CSVLayout, sourceKeys: [String], file: String, member: String?,
                maxRecordBytes: Int = 1 << 20, transcoder: FieldTranscoder? = nil, optionalKeys: Set<String> = []) {
        self.optionalKeys = optionalKeys
        self.transcoder = transcoder
        let delimiter = layout.delimiter.utf8.first ?? UInt8(ascii: ",")
        self.reader = CSVReader(delimiter: delimiter, maxRecordBytes: maxRecordBytes, skipsLargeRecords: true)
        self.maxRecordBytes = maxRecordBytes
        self.layout = layout
        self.sourceKeys = sourceKeys
        self.file = file
        self.member = member
    }

    /// A decoder for the rest of the same export from a record boundary further on: the first
    /// byte it is fed lies at byte `offset` on line `line`, after `rowsBefore` non-blank rows. It
    /// reads on with this decoder's header, as this decoder would on reaching that boundary
    /// (`boundary` says whether it did). Nil until this decoder has read the header, or when its
    /// rows are not plain UTF-8 CSV lines.
    func continuation(line: Int, offset: Int, rowsBefore: Int) -> CSVRecordDecoder? {
        guard let header, transcoder == nil, !padsShortRows, rowsBefore >= headerRowNumber else { return nil }
        let next = CSVRecordDecoder(layout: layout, sourceKeys: sourceKeys, file: file, member: member,
                                    maxRecordBytes: maxRecordBytes, optionalKeys: optionalKeys)
        next.reader = CSVReader(delimiter: reader.delimiter, maxRecordBytes: maxRecordBytes, skipsLargeRecords: true,
                                line: line, offset: offset)
        next.header = header
        next.columnOfKey = columnOfKey
        next.caches = Array(repeating: ByteInterner(), count: columnOfKey.count)
        next.headerRowNumber = headerRowNumber
        next.rowNumber = rowsBefore
        next.recordNumber = rowsBefore - headerRowNumber
        return next
    }

    /// The header row has been read.
    var hasHeader: Bool { header != nil }

    /// Where the bytes fed so far end, when they end at a record boundary after the header: the
    /// line the next byte is on and the non-blank rows read (a `continuation` made with these
    /// reads on exactly as this decoder would). Nil when they end inside a record.
    var boundary: (line: Int, rows: Int)? {
        guard header != nil, reader.isAtRecordStart else { return nil }
        return (reader.currentLine, rowNumber)
    }

    public func feed(_ chunk: [UInt8]) throws -> [DecodedItem] {
        (file, member) = (file.unshared, member?.unshared)
        var items: [DecodedItem] = []
        items.reserveCapacity(itemsPerChunk)  // as many as the last chunk gave: no regrowing
        defer { itemsPerChunk = max(16, items.count) }
        var failure: Error?
        do {
            // Each row is handled as it ends, so the reader reuses its buffers; after a failure
            // (which ends the run) the rest of the chunk is only split.
            try reader.feed(chunk) { row in
                guard failure == nil else { return }
                do { try handle(row, into: &items) } catch { failure = error }
            }
        } catch { throw translate(error) }
        if let failure { throw failure }
        return items
    }

    public func finish() throws -> [DecodedItem] {
        let rows: [CSVRow]
        do { rows = try reader.finish() } catch { throw translate(error) }
        let items = try handle(rows)
        try finishRows()
        return items
    }

    /// Rows that arrive already split (worksheet rows), with the same header, title and
    /// summary-row handling as CSV lines.
    /// A worksheet row ends at its last non-empty cell, so shorter rows are padded with empty cells.
    public func feed(rows: [CSVRow]) throws -> [DecodedItem] {
        padsShortRows = true
        (file, member) = (file.unshared, member?.unshared)
        return try handle(rows)
    }

    /// The end of pre-split rows: a sheet without the header row is a configuration problem.
    public func finishRows() throws {
        guard header == nil else { return }
        if rowNumber == 0 {
            throw IngestFailure.emptyExport(file: file, member: member, what: padsShortRows ? "the sheet has no rows" : "no rows, not even a header")
        }
        throw IngestFailure.missingColumn(file: file, member: member, column: sourceKeys.first ?? "", header: [])
    }

    private func translate(_ problem: CSVReader.Problem) -> IngestFailure {
        switch problem {
        case .recordTooLarge(let line): .recordTooLarge(file: file, member: member, line: line, limitBytes: maxRecordBytes)
        case .unclosedQuote(let line): .unclosedQuote(file: file, member: member, line: line)
        }
    }

    /// A field's text, or the offset within it of the first byte that is not valid text.
    private func text(_ bytes: ArraySlice<UInt8>) -> Result<String, FieldTranscoderError> {
        // A NUL is no text in any encoding a department uses, and must never reach an output.
        if let nul = CSVRecordDecoder.firstNUL(bytes) { return .failure(FieldTranscoderError(offset: nul)) }
        if let transcoder { return transcoder.decode(Array(bytes)) }
        if let text = UTF8Text.string(bytes) { return .success(text) }
        return .failure(FieldTranscoderError(offset: CSVRecordDecoder.firstInvalidUTF8(Array(bytes))))
    }

    /// Values that repeat down a column (regions, sectors, levels, enterprises) are decoded once:
    /// each column keeps up to `cacheLimit` distinct values, then stops caching.
    private var caches: [ByteInterner] = []
    private static let cacheLimit = 1024

    private func cachedText(_ bytes: ArraySlice<UInt8>, column k: Int) -> Result<String, FieldTranscoderError> {
        if bytes.count <= 15 && transcoder == nil {
            // Short texts are stored inline in the String: nothing to save.
            return trimmedText(bytes)
        }
        if caches[k].count >= CSVRecordDecoder.cacheLimit { return trimmedText(bytes) }
        return bytes.withUnsafeBufferPointer { raw in
            if let known = caches[k].lookup(raw) { return .success(known) }
            let result = trimmedText(bytes)
            if case .success(let value) = result { caches[k].insert(raw, value) }
            return result
        }
    }

    /// A value's text as the mapper reads it: without surrounding spaces (`TextCleaning.trimmed`),
    /// judged from its end bytes when they are UTF-8.
    private func trimmedText(_ bytes: ArraySlice<UInt8>) -> Result<String, FieldTranscoderError> {
        let result = text(bytes)
        guard let first = bytes.first, let last = bytes.last else { return result }
        if transcoder == nil && !TextCleaning.mayNeedTrimming(first: first, last: last) { return result }
        return result.map(TextCleaning.trimmed)
    }

    /// Header cells lose a BOM and surrounding ASCII or full-width spaces.
    private func headerName(_ bytes: ArraySlice<UInt8>) -> String {
        TextCleaning.trimmed((try? text(bytes).get()) ?? String(decoding: bytes, as: UTF8.self))
    }

    private func handle(_ rows: [CSVRow]) throws -> [DecodedItem] {
        var items: [DecodedItem] = []
        for row in rows { try handle(row, into: &items) }
        return items
    }

    private func handle(_ row: CSVRow, into items: inout [DecodedItem]) throws {
        if row.isBlank { return }
        rowNumber += 1
        guard let header else {
            if rowNumber < layout.headerRow {
                items.append(.skipped(SourcePosition(file: file, member: member, line: row.line, record: 0),
                                      note: "title row above the header"))
                return
            }
            if row.problem == .tooLarge {
                throw IngestFailure.recordTooLarge(file: file, member: member, line: row.line, limitBytes: maxRecordBytes)
            }
            let names = row.fields.map { headerName($0[...]) }
            let columns: [Int?] = try sourceKeys.map { key in
                do { return try column(of: key, in: names) } catch {
                    // An optional column the export lacks: its field is unknown for every record.
                    if case IngestFailure.missingColumn? = error as? IngestFailure, optionalKeys.contains(key) { return nil }
                    throw error
                }
            }
            self.header = names
            self.headerRowNumber = rowNumber
            self.columnOfKey = columns
            self.caches = Array(repeating: ByteInterner(), count: columns.count)
            return
        }
        recordNumber += 1
        let position = SourcePosition(file: file, member: member, line: row.line, record: recordNumber)
        if row.problem == .tooLarge {
            items.append(.rejection(Rejection(position: position, field: "", value: "",
                                              reason: .recordTooLarge(limitBytes: maxRecordBytes))))
            return
        }
        if !layout.skipRowsWhereFirstCell.isEmpty {
            let firstCell = row.count > 0 ? TextCleaning.trimmed((try? text(row.field(0)).get()) ?? "") : ""
            if layout.skipRowsWhereFirstCell.contains(firstCell) {
                items.append(.skipped(position, note: "row starting \"\(firstCell)\" skipped (summary row, not a record)"))
                return
            }
        }
        var fieldCount = row.count
        while fieldCount > header.count, row.field(fieldCount - 1).isEmpty { fieldCount -= 1 }
        if padsShortRows && fieldCount < header.count { fieldCount = header.count }  // padded with empty cells
        if fieldCount != header.count {
            items.append(.rejection(Rejection(position: position, field: "", value: "",
                                              reason: .wrongFieldCount(expected: header.count, found: fieldCount))))
            return
        }
        if case .strayQuote(let column) = row.problem {
            let value = column < row.count ? (try? text(row.field(column)).get()) ?? "" : ""
            items.append(.rejection(Rejection(position: position, field: column < header.count ? header[column] : "",
                                              value: value, reason: .strayQuote)))
            return
        }
        if transcoder == nil && !padsShortRows {
            items.append(textRecord(row, position: position))
            return
        }
        var values: [String?] = []
        values.reserveCapacity(columnOfKey.count)
        var invalid: (String, Int)?
        for (k, column) in columnOfKey.enumerated() {
            guard let column else { values.append(nil); continue }
            // Trimmed here, once per distinct cached value, not again by the mapper.
            switch column < row.count ? cachedText(row.field(column), column: k) : .success("") {
            case .success(let value):
                values.append(value)
            case .failure(let error):
                // The offset is approximate: the record's start plus the offset within the field.
                invalid = invalid ?? (sourceKeys[k], row.byteOffset + error.offset)
                values.append(nil)
            }
        }
        if let (key, offset) = invalid {
            items.append(.rejection(Rejection(position: position, field: key, value: "",
                                              reason: .invalidText(byteOffset: offset))))
            return
        }
        items.append(.record(RawRecord(position: position, values: values, valuesTrimmed: true)))
    }

    /// A UTF-8 row as bytes (`RawTextRecord`), each mapped cell checked as `text` checks it;
    /// the mapper trims them and makes the strings. The first cell that is not text rejects the row.
    private func textRecord(_ row: CSVRow, position: SourcePosition) -> DecodedItem {
        let keys = columnOfKey.count
        return row.bytes.withUnsafeBufferPointer { all -> DecodedItem in
            // The row's bytes in one copy (every cell, mapped or not); each key names its cell.
            texts.begin(keys: keys, bytes: all.count)
            let base = texts.append(all)
            let hasNUL = all.baseAddress.map { memchr($0, 0, all.count) != nil } ?? false
            for (k, column) in columnOfKey.enumerated() {
                guard let column else { continue }
                guard column < row.count else {  // an empty cell
                    texts.span(k, base, base)
                    continue
                }
                let start = column == 0 ? 0 : row.ends[column - 1], end = row.ends[column]
                let field = UnsafeBufferPointer(rebasing: all[start..<end])
                var invalid: Int?
                if hasNUL, let nul = field.firstIndex(of: 0) {
                    invalid = nul
                } else if !UTF8Text.isWellFormed(field) {
                    invalid = CSVRecordDecoder.firstInvalidUTF8(Array(field))
                }
                if let offset = invalid {
                    // The offset is approximate: the record's start plus the offset within the field.
                    return .rejection(Rejection(position: position, field: sourceKeys[k], value: "",
                                                reason: .invalidText(byteOffset: row.byteOffset + offset)))
                }
                texts.span(k, base + start, base + end)
            }
            return .textRecord(texts.finish(position: position, trims: true))
        }
    }

    /// The column a source key names. A name the header holds twice is ambiguous unless the key
    /// says which occurrence (`死亡人数#2`, the second column so named).
    private func column(of key: String, in names: [String]) throws -> Int {
        let exact = names.indices.filter { names[$0] == key }
        if exact.count == 1 { return exact[0] }
        if exact.count > 1 {
            throw IngestFailure.ambiguousColumn(file: file, member: member, column: key, positions: exact.map { $0 + 1 })
        }
        if let hash = key.lastIndex(of: "#"), let occurrence = Int(key[key.index(after: hash)...]), occurrence >= 1 {
            let named = names.indices.filter { names[$0] == key[..<hash] }
            if occurrence <= named.count { return named[occurrence - 1] }
        }
        throw IngestFailure.missingColumn(file: file, member: member, column: key, header: names)
    }

    /// Offset of the first NUL byte in `bytes`, if any.
    static func firstNUL(_ bytes: ArraySlice<UInt8>) -> Int? {
        bytes.withUnsafeBufferPointer { raw -> Int? in
            guard let base = raw.baseAddress, !raw.isEmpty, let found = memchr(base, 0, raw.count) else { return nil }
            return UnsafeRawPointer(found) - UnsafeRawPointer(base)
        }
    }

    /// Index of the first byte that does not begin a valid UTF-8 sequence (approximate offset).
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int {
        var index = 0
        while index < bytes.count {
            let lead = bytes[index]
            let length = lead < 0x80 ? 1 : lead >> 5 == 0x6 ? 2 : lead >> 4 == 0xE ? 3 : lead >> 3 == 0x1E ? 4 : 0
            if length == 0 || index + length > bytes.count || String(validating: bytes[index..<index + length], as: UTF8.self) == nil {
                return index
            }
            index += length
        }
        return index
    }
}
