/// One CSV record as bytes: fields split, quotes removed, with where it began. The fields'
/// bytes lie end to end in one array (one allocation per record, not per field).
public struct CSVRow: Sendable, Equatable {
    /// The fields' bytes, concatenated.
    public var bytes: [UInt8]
    /// Where each field ends in `bytes`.
    public var ends: [Int]
    /// 1-based line where the record begins.
    public var line: Int
    /// Byte offset of the record's first byte in the stream.
    public var byteOffset: Int
    /// True when the row is a blank line (one empty unquoted field).
    public var isBlank: Bool
    /// Why the row is not a well-formed record, if it is not.
    public var problem: RowProblem?

    /// What RFC 4180 does not allow in a row, found while splitting it.
    public enum RowProblem: Sendable, Equatable {
        /// A quote inside a field that did not start with one, or text after a closing quote:
        /// the field's bytes are kept as they stood, for the reject's value.
        case strayQuote(field: Int)
        /// The record is longer than `maxRecordBytes`: its bytes were dropped, reading resumed
        /// at its end.
        case tooLarge
    }

    public init(bytes: [UInt8], ends: [Int], line: Int, byteOffset: Int, isBlank: Bool, problem: RowProblem? = nil) {
        self.bytes = bytes; self.ends = ends; self.line = line; self.byteOffset = byteOffset; self.isBlank = isBlank
        self.problem = problem
    }

    public init(fields: [[UInt8]], line: Int, byteOffset: Int, isBlank: Bool) {
        var bytes: [UInt8] = [], ends: [Int] = []
        for field in fields { bytes += field; ends.append(bytes.count) }
        self.init(bytes: bytes, ends: ends, line: line, byteOffset: byteOffset, isBlank: isBlank)
    }

    public var count: Int { ends.count }

    /// The bytes of field `index`.
    public func field(_ index: Int) -> ArraySlice<UInt8> {
        bytes[(index == 0 ? 0 : ends[index - 1])..<ends[index]]
    }

    public var fields: [[UInt8]] { (0..<count).map { Array(field($0)) } }
}

/// A byte-level RFC 4180 reader fed in chunks: quoted fields with delimiters, doubled quotes
/// and line breaks; LF, CRLF and bare CR line ends. It returns the rows each chunk completes
/// and keeps at most one unfinished row, bounded by `maxRecordBytes`.
///
/// A quote where RFC 4180 allows none marks its row (`RowProblem.strayQuote`). A record over
/// `maxRecordBytes` fails the stream, or, with `skipsLargeRecords`, is delivered as an empty row
/// marked `tooLarge` and reading resumes at its end; only a quoted field never closed (no
/// record boundary to resume at) still fails.
public struct CSVReader {
    private enum State { case fieldStart, unquoted, quoted, quoteInQuoted }

    public let delimiter: UInt8
    public let maxRecordBytes: Int
    public let skipsLargeRecords: Bool
    private var problem: CSVRow.RowProblem?
    private var state = State.fieldStart
    private var record: [UInt8] = []
    private var ends: [Int] = []
    private var recordBytes = 0
    private var sawQuote = false
    private var pendingCR = false
    private var line = 1
    private var recordLine = 1
    private var offset = 0
    private var recordOffset = 0
    private var inRecord = false

    /// `line` and `offset`: where the first byte fed lies in the stream (a reader of one piece of
    /// a file, cut at a record boundary, numbers lines and offsets as a reader of the whole would).
    public init(delimiter: UInt8 = UInt8(ascii: ","), maxRecordBytes: Int = 1 << 20, skipsLargeRecords: Bool = false,
                line: Int = 1, offset: Int = 0) {
        self.delimiter = delimiter
        self.maxRecordBytes = maxRecordBytes
        self.skipsLargeRecords = skipsLargeRecords
        self.line = line
        self.offset = offset
    }

    /// The line the next byte fed is on.
    public var currentLine: Int { line }

    /// True when the bytes fed so far end exactly at a record boundary: nothing of a record
    /// held, outside quotes, no CR waiting for its LF. A reader of the whole stream would then
    /// read on exactly as a fresh reader started here does.
    public var isAtRecordStart: Bool { !inRecord && state == .fieldStart && !pendingCR }

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
        if problem != .tooLarge { ends.append(record.count) }  // a dropped record keeps no field ends either
        state = .fieldStart
    }

    private mutating func endRecord(_ deliver: (CSVRow) -> Void) {
        endField()
        let blank = ends.count == 1 && record.isEmpty && !sawQuote && problem == nil
        deliver(CSVRow(bytes: record, ends: ends, line: recordLine, byteOffset: recordOffset, isBlank: blank, problem: problem))
        // Unless the receiver kept the row, its buffers are this reader's alone again: reused.
        record.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        recordBytes = 0
        sawQuote = false
        inRecord = false
        problem = nil
    }

    /// The record has grown past the limit: fail, or drop its bytes and read on to its end.
    private mutating func overflow() throws(Problem) {
        guard skipsLargeRecords else { throw .recordTooLarge(line: recordLine) }
        if problem != .tooLarge {
            problem = .tooLarge
            record = []
            ends = []
        }
    }

    /// A quote where RFC 4180 allows none; the first one in a record is the one reported.
    private mutating func strayQuote() {
        if problem == nil { problem = .strayQuote(field: ends.count) }
    }

    /// Feeds the next chunk; returns the rows it completes.
    public mutating func feed(_ chunk: some Collection<UInt8>) throws(Problem) -> [CSVRow] {
        var rows: [CSVRow] = []
        try feed(chunk) { rows.append($0) }
        return rows
    }

    /// Feeds the next chunk, handing each row it completes to `deliver` as it ends. A row not
    /// kept by `deliver` costs no allocation: its buffers are reused for the next one.
    public mutating func feed(_ chunk: some Collection<UInt8>, deliver: (CSVRow) -> Void) throws(Problem) {
        var problem: Problem?
        let done: Void? = chunk.withContiguousStorageIfAvailable { bytes in
            do throws(Problem) { try feedContiguous(bytes, deliver) } catch { problem = error }
        }
        if let problem { throw problem }
        if done != nil { return }
        let copy = Array(chunk)
        try copy.withUnsafeBufferPointer { (bytes) throws(Problem) in try feedContiguous(bytes, deliver) }
    }

    /// Feeds the next chunk. Runs of plain bytes inside a field are copied at once; the state
    /// machine looks only at delimiters, quotes and line ends.
    mutating func feedContiguous(_ chunk: UnsafeBufferPointer<UInt8>, _ deliver: (CSVRow) -> Void) throws(Problem) {
        let n = chunk.count
        var i = 0
        while i < n {
            let byte = chunk[i]
            // A run of bytes that only extend the current field.
            if !pendingCR && (state == .unquoted || state == .quoted || (state == .fieldStart && byte != 0x22)) {
                var j = CSVReader.firstSpecial(in: chunk, from: i, delimiter: state == .quoted ? 0x22 : delimiter)
                if j > i {
                    beginIfNeeded()
                    let run = j - i
                    if recordBytes + run > maxRecordBytes { try overflow() }
                    recordBytes += run
                    if problem != .tooLarge { record.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[i..<j])) }
                    if state == .fieldStart { state = .unquoted }
                    offset += run
                    i = j
                    continue
                }
            }
            i += 1
            if pendingCR {
                pendingCR = false
                if byte == 0x0A {
                    // The LF of a CRLF: one line end, kept verbatim inside a quoted field.
                    if state == .quoted { keep(byte); recordBytes += 1 }
                    offset += 1
                    continue
                }
            }
            beginIfNeeded()
            recordBytes += 1
            if recordBytes > maxRecordBytes { try overflow() }
            switch state {
            case .fieldStart, .unquoted:
                if byte == delimiter {
                    endField()
                } else if byte == 0x0A || byte == 0x0D {
                    line += 1
                    if byte == 0x0D { pendingCR = true }
                    offset += 1
                    endRecord(deliver)
                    continue
                } else if byte == 0x22 && state == .fieldStart {
                    state = .quoted
                    sawQuote = true
                } else {
                    if byte == 0x22 { strayQuote() }  // a quote inside a field that did not start with one
                    keep(byte)
                    state = .unquoted
                }
            case .quoted:
                if byte == 0x22 {
                    state = .quoteInQuoted
                } else {
                    if byte == 0x0A { line += 1 } else if byte == 0x0D { line += 1; pendingCR = true }
                    keep(byte)
                }
            case .quoteInQuoted:
                if byte == 0x22 {
                    keep(0x22)
                    state = .quoted
                } else if byte == delimiter {
                    endField()
                } else if byte == 0x0A || byte == 0x0D {
                    line += 1
                    if byte == 0x0D { pendingCR = true }
                    offset += 1
                    endRecord(deliver)
                    continue
                } else {
                    // Text after a closing quote: kept for the reject's value, the row marked.
                    strayQuote()
                    keep(byte)
                    state = .unquoted
                }
            }
            offset += 1
        }
    }

    /// The index of the first byte from `start` that is `delimiter`, a quote, LF or CR (or the
    /// end): eight bytes a step, each compared exactly (`CSVFieldSplitter.bytes`).
    @inline(__always) static func firstSpecial(in chunk: UnsafeBufferPointer<UInt8>, from start: Int, delimiter: UInt8) -> Int {
        let n = chunk.count
        var j = start
        if let base = chunk.baseAddress {
            let raw = UnsafeRawPointer(base)
            while j + 8 <= n {
                let word = raw.loadUnaligned(fromByteOffset: j, as: UInt64.self)
                let found = CSVFieldSplitter.bytes(delimiter, in: word) | CSVFieldSplitter.bytes(0x22, in: word)
                    | CSVFieldSplitter.bytes(0x0A, in: word) | CSVFieldSplitter.bytes(0x0D, in: word)
                if found != 0 { return j + found.trailingZeroBitCount >> 3 }
                j += 8
            }
        }
        while j < n, chunk[j] != delimiter, chunk[j] != 0x22, chunk[j] != 0x0A, chunk[j] != 0x0D { j += 1 }
        return j
    }

    @inline(__always) private mutating func keep(_ byte: UInt8) {
        if problem != .tooLarge { record.append(byte) }
    }

    /// Ends the stream: returns the last row if the input did not end with a line break.
    public mutating func finish() throws(Problem) -> [CSVRow] {
        if state == .quoted { throw .unclosedQuote(line: recordLine) }
        guard inRecord else { return [] }
        var rows: [CSVRow] = []
        endRecord { rows.append($0) }
        return rows
    }
}
