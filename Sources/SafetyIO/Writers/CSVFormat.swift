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
public struct CSVLineSink: RowSink {
    public var bytes: [UInt8] = []
    private var atLineStart = true

    public init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    public mutating func text(_ value: String) {
        separate()
        var value = value
        value.withUTF8 { field in
            if !field.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) {
                bytes.append(contentsOf: field)
                return
            }
            bytes.append(0x22)
            for byte in field {
                if byte == 0x22 { bytes.append(0x22) }
                bytes.append(byte)
            }
            bytes.append(0x22)
        }
    }

    public mutating func integer(_ value: Int) {
        separate()
        if value < 0 { bytes.append(0x2D) }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes for up to 20 digits, written backwards
        var count = 0
        withUnsafeMutableBytes(of: &digits) { raw in
            repeat {
                raw[23 - count] = UInt8(48 + magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            bytes.append(contentsOf: raw[(24 - count)..<24])
        }
    }

    public mutating func date(_ value: LocalDate?) {
        separate()
        guard let d = value else { return }
        let (y, m, day) = (d.year, d.month, d.day)
        bytes.append(UInt8(48 + y / 1000 % 10)); bytes.append(UInt8(48 + y / 100 % 10))
        bytes.append(UInt8(48 + y / 10 % 10)); bytes.append(UInt8(48 + y % 10)); bytes.append(45)
        bytes.append(UInt8(48 + m / 10)); bytes.append(UInt8(48 + m % 10)); bytes.append(45)
        bytes.append(UInt8(48 + day / 10)); bytes.append(UInt8(48 + day % 10))
    }

    /// Ends the line.
    public mutating func endLine() {
        bytes.append(0x0A)
        atLineStart = true
    }

    private mutating func separate() {
        if atLineStart { atLineStart = false } else { bytes.append(0x2C) }
    }
}
