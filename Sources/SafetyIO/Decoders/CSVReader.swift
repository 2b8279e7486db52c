/// One CSV record as bytes: fields split, quotes removed, with where it began.
public struct CSVRow: Sendable, Equatable {
    public var fields: [[UInt8]]
    /// 1-based line where the record begins.
    public var line: Int
    /// Byte offset of the record's first byte in the stream.
    public var byteOffset: Int
    /// True when the row is a blank line (one empty unquoted field).
    public var isBlank: Bool
}

/// A byte-level RFC 4180 reader fed in chunks: quoted fields with delimiters, doubled quotes
/// and line breaks; LF, CRLF and bare CR line ends. It returns the rows each chunk completes
/// and keeps at most one unfinished row, bounded by `maxRecordBytes`.
public struct CSVReader {
    private enum State { case fieldStart, unquoted, quoted, quoteInQuoted }

    public let delimiter: UInt8
    public let maxRecordBytes: Int
    private var state = State.fieldStart
    private var field: [UInt8] = []
    private var fields: [[UInt8]] = []
    private var recordBytes = 0
    private var sawQuote = false
    private var pendingCR = false
    private var line = 1
    private var recordLine = 1
    private var offset = 0
    private var recordOffset = 0
    private var inRecord = false

    public init(delimiter: UInt8 = UInt8(ascii: ","), maxRecordBytes: Int = 1 << 20) {
        self.delimiter = delimiter
        self.maxRecordBytes = maxRecordBytes
    }

    public enum Problem: Error, Equatable {
        case recordTooLarge(line: Int)
        case unclosedQuote(line: Int)
    }

    private mutating func beginIfNeeded() {
        if !inRecord {
            inRecord = true
            recordLine = line
            recordOffset = offset
        }
    }

    private mutating func endField() {
        fields.append(field)
        field.removeAll(keepingCapacity: true)
        state = .fieldStart
    }

    private mutating func endRecord(into rows: inout [CSVRow]) {
        endField()
        let blank = fields.count == 1 && fields[0].isEmpty && !sawQuote
        rows.append(CSVRow(fields: fields, line: recordLine, byteOffset: recordOffset, isBlank: blank))
        fields.removeAll(keepingCapacity: true)
        recordBytes = 0
        sawQuote = false
        inRecord = false
    }

    /// Feeds the next chunk; returns the rows it completes.
    public mutating func feed(_ chunk: some Collection<UInt8>) throws(Problem) -> [CSVRow] {
        var rows: [CSVRow] = []
        for byte in chunk {
            if pendingCR {
                pendingCR = false
                if byte == 0x0A {
                    // The LF of a CRLF: one line end, kept verbatim inside a quoted field.
                    if state == .quoted { field.append(byte); recordBytes += 1 }
                    offset += 1
                    continue
                }
            }
            beginIfNeeded()
            recordBytes += 1
            if recordBytes > maxRecordBytes { throw .recordTooLarge(line: recordLine) }
            switch state {
            case .fieldStart, .unquoted:
                if byte == delimiter {
                    endField()
                } else if byte == 0x0A || byte == 0x0D {
                    line += 1
                    if byte == 0x0D { pendingCR = true }
                    offset += 1
                    endRecord(into: &rows)
                    continue
                } else if byte == 0x22 && state == .fieldStart {
                    state = .quoted
                    sawQuote = true
                } else {
                    field.append(byte)
                    state = .unquoted
                }
            case .quoted:
                if byte == 0x22 {
                    state = .quoteInQuoted
                } else {
                    if byte == 0x0A { line += 1 } else if byte == 0x0D { line += 1; pendingCR = true }
                    field.append(byte)
                }
            case .quoteInQuoted:
                if byte == 0x22 {
                    field.append(0x22)
                    state = .quoted
                } else if byte == delimiter {
                    endField()
                } else if byte == 0x0A || byte == 0x0D {
                    line += 1
                    if byte == 0x0D { pendingCR = true }
                    offset += 1
                    endRecord(into: &rows)
                    continue
                } else {
                    // Text after a closing quote: keep it, as spreadsheets do.
                    field.append(byte)
                    state = .unquoted
                }
            }
            offset += 1
        }
        return rows
    }

    /// Ends the stream: returns the last row if the input did not end with a line break.
    public mutating func finish() throws(Problem) -> [CSVRow] {
        if state == .quoted { throw .unclosedQuote(line: recordLine) }
        guard inRecord else { return [] }
        var rows: [CSVRow] = []
        endRecord(into: &rows)
        return rows
    }
}
