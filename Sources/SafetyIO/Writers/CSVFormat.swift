import SafetyCore

/// Writes CSV lines per RFC 4180: a field is quoted when it holds the delimiter, a quote,
/// CR or LF, with quotes doubled; lines end in LF.
public enum CSVFormat {
    /// One line of fields. With `neutralizeFormulas`, a cell a spreadsheet would run as a
    /// formula (starting with = + - @, tab or CR) gets a leading apostrophe (OWASP advice);
    /// use it only for files people open in Excel, never for data other systems load.
    public static func line(_ fields: [String], neutralizeFormulas: Bool = false) -> String {
        var out = ""
        for (i, raw) in fields.enumerated() {
            if i > 0 { out.append(",") }
            let field = neutralizeFormulas ? neutralized(raw) : raw
            if field.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) {
                out.append("\"")
                for scalar in field.unicodeScalars {
                    if scalar == "\"" { out.append("\"\"") } else { out.unicodeScalars.append(scalar) }
                }
                out.append("\"")
            } else {
                out.append(field)
            }
        }
        out.append("\n")
        return out
    }

    /// Appends one line of fields to `buffer` as UTF-8 bytes: the bytes of `line(fields)`
    /// without building a string (the hot path of the normalized files).
    public static func append(_ fields: [String], to buffer: inout [UInt8]) {
        for (i, field) in fields.enumerated() {
            if i > 0 { buffer.append(0x2C) }
            var field = field
            field.withUTF8 { bytes in
                if !bytes.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) {
                    buffer.append(contentsOf: bytes)
                    return
                }
                buffer.append(0x22)
                for byte in bytes {
                    if byte == 0x22 { buffer.append(0x22) }
                    buffer.append(byte)
                }
                buffer.append(0x22)
            }
        }
        buffer.append(0x0A)
    }

    /// A cell a spreadsheet would run as a formula (starting with = + - @, tab, CR or LF) with a
    /// leading apostrophe (OWASP advice); other text, and numbers such as -3, unchanged.
    public static func neutralized(_ field: String) -> String {
        guard let first = field.unicodeScalars.first, ["=", "+", "-", "@", "\t", "\r", "\n"].contains(first),
              !isPlainNumber(field) else { return field }
        return "'" + field
    }

    /// A negative number such as -3 or -2.5 is data, not a formula.
    static func isPlainNumber(_ text: String) -> Bool {
        var body = Substring(text)
        if body.first == "-" || body.first == "+" { body = body.dropFirst() }
        return !body.isEmpty && body.allSatisfy { $0.isASCII && ($0.isNumber || $0 == ".") } && body.filter { $0 == "." }.count <= 1
    }
}

/// Minimal JSON text writing with stable key order, so the same inputs give the same bytes.
public enum JSONText {
    public static func string(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// An object from ordered key/value pairs whose values are already JSON text.
    public static func object(_ pairs: [(String, String)], indent: String = "") -> String {
        if pairs.isEmpty { return "{}" }
        let inner = indent + "  "
        return "{\n" + pairs.map { "\(inner)\(string($0.0)): \($0.1)" }.joined(separator: ",\n") + "\n\(indent)}"
    }

    public static func array(_ items: [String], indent: String = "") -> String {
        if items.isEmpty { return "[]" }
        let inner = indent + "  "
        return "[\n" + items.map { inner + $0 }.joined(separator: ",\n") + "\n\(indent)]"
    }
}

/// Formats a row's values (`RecordSchema.write`) straight into CSV bytes: the bytes of
/// `CSVFormat.line(RecordSchema.row(record))` without a string per value.
///
/// The bytes go into memory the sink allocates and grows itself, so a short value costs a few
/// stores rather than an array append. A writer, not a value: a copy shares the buffer, so it
/// is meant to be kept in one place and written through `inout`.
public struct CSVLineSink: RowSink {
    /// Owns the memory (freed with the last reference); the sink writes through `base`.
    private final class Buffer {
        let pointer: UnsafeMutablePointer<UInt8>
        init(capacity: Int) { pointer = .allocate(capacity: capacity) }
        deinit { pointer.deallocate() }
    }

    private var buffer: Buffer
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    public private(set) var count = 0
    private var atLineStart = true

    public init(capacity: Int = 0) {
        self.capacity = max(capacity, 64)
        buffer = Buffer(capacity: self.capacity)
        base = buffer.pointer
    }

    /// A copy of the bytes written.
    public var bytes: [UInt8] { withBytes { Array($0) } }

    /// The bytes written, valid only inside `body`.
    public func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: base, count: count))
    }

    /// Forgets the bytes written, keeping the buffer.
    public mutating func removeAll() {
        count = 0
        atLineStart = true
    }

    @inline(__always) private mutating func reserve(_ extra: Int) {
        guard count + extra > capacity else { return }
        var grown = capacity * 2
        while grown < count + extra { grown *= 2 }
        let moved = Buffer(capacity: grown)
        moved.pointer.update(from: base, count: count)
        buffer = moved
        base = moved.pointer
        capacity = grown
    }

    @inline(__always) private mutating func append(_ source: UnsafePointer<UInt8>, _ n: Int) {
        reserve(n)
        ByteText.copy(source, to: base + count, count: n)
        count += n
    }

    @inline(__always) private mutating func append(_ byte: UInt8) {
        reserve(1)
        base[count] = byte
        count += 1
    }

    public mutating func text(_ value: String) {
        separate()
        if value.isEmpty { return }
        // A native string's bytes are read where they are (no copy of the string to make them so).
        if value.utf8.withContiguousStorageIfAvailable({ field($0) }) == nil {
            var value = value
            value.withUTF8 { field($0) }
        }
    }

    /// A field's bytes, quoted when they need it.
    @inline(__always) private mutating func field(_ field: UnsafeBufferPointer<UInt8>) {
        guard let start = field.baseAddress else { return }
        if !CSVLineSink.needsQuotes(field) {
            append(start, field.count)
            return
        }
        reserve(field.count * 2 + 2)
        append(0x22)
        for byte in field {
            if byte == 0x22 { append(0x22) }
            append(byte)
        }
        append(0x22)
    }

    /// True when the field holds a comma, quote, LF or CR; eight bytes a step.
    @inline(__always) static func needsQuotes(_ field: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = field.count
        var i = 0
        if let base = field.baseAddress {
            let raw = UnsafeRawPointer(base)
            while i + 8 <= n {
                let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                if CSVFieldSplitter.bytes(0x2C, in: w) | CSVFieldSplitter.bytes(0x22, in: w)
                    | CSVFieldSplitter.bytes(0x0A, in: w) | CSVFieldSplitter.bytes(0x0D, in: w) != 0 { return true }
                i += 8
            }
        }
        // Comma, quote, LF and CR are all below 0x40: one comparison rules out most bytes.
        let special: UInt64 = 1 << 0x2C | 1 << 0x22 | 1 << 0x0A | 1 << 0x0D
        while i < n {
            let b = field[i]
            if b < 0x40 && special >> b & 1 != 0 { return true }
            i += 1
        }
        return false
    }

    public mutating func integer(_ value: Int) {
        separate()
        if value < 0 { append(0x2D) }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes for up to 20 digits, written backwards
        var count = 0
        withUnsafeMutableBytes(of: &digits) { raw in
            let text = raw.bindMemory(to: UInt8.self)
            repeat {
                text[23 - count] = UInt8(48 + magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            append(text.baseAddress! + (24 - count), count)
        }
    }

    public mutating func date(_ value: LocalDate?) {
        separate()
        value?.withISOBytes { append($0.baseAddress!, $0.count) }
    }

    /// Goes on with a line begun elsewhere: the next value is preceded by a comma.
    public mutating func continueLine() { atLineStart = false }

    /// Ends a line's values without ending the line: what follows starts a new line's values.
    public mutating func endValues() { atLineStart = true }

    /// Ends the line.
    public mutating func endLine() {
        append(0x0A)
        atLineStart = true
    }

    @inline(__always) private mutating func separate() {
        if atLineStart { atLineStart = false } else { append(0x2C) }
    }
}
