import Foundation
import SafetyCore

/// Reads one worksheet of an .xlsx workbook (as Excel and WPS save them) row by row: the first
/// sheet, or the one the mapping names. Cells come out as text: shared strings, inline strings,
/// numbers as stored, booleans as TRUE / FALSE, and numbers in a date format as ISO dates
/// (Excel serials, with the 1900 leap-year quirk: serial 60 comes out as the impossible
/// 1900-02-29 and is rejected downstream). Rows are numbered as Excel numbers them.
///
/// Every part goes through the zip reader's limits and libxml2 with the usual protections (no
/// network, no entities); the sheet itself is streamed, never held whole.
public final class XLSXReader {
    let zip: ZipReader
    public let sheetName: String
    let sheetPart: ZipReader.Member
    let sharedStrings: [String]
    let dateStyles: Set<Int>
    /// Small parts (workbook, relationships, styles) are read whole up to this size.
    static let partLimit = 16 << 20
    /// The shared-string table is held in memory (cells refer to it by index): at most this much text.
    public static let maxSharedStringBytes = 32 << 20

    public init(zip: ZipReader, sheet wanted: String?, maxSharedStringBytes: Int) throws {
        self.zip = zip
        func member(_ path: String) -> ZipReader.Member? { zip.members.first { $0.name == path } }
        guard let workbook = member("xl/workbook.xml") else {
            throw IngestFailure.corruptArchive(file: zip.file, byteOffset: 0, reason: "not an .xlsx workbook (no xl/workbook.xml)")
        }
        let sheets = try XLSXReader.collect(zip, workbook, element: "sheet") { ($0["name"] ?? "", $0["id"] ?? "") }
        let chosen = wanted == nil ? sheets.first : sheets.first { $0.0 == wanted }
        guard let (name, id) = chosen else {
            throw IngestFailure.configuration(file: zip.file, problems: [
                "worksheet \"\(wanted ?? "")\" not found; the workbook has: " + sheets.map(\.0).joined(separator: ", ")])
        }
        sheetName = name
        var target = "xl/worksheets/sheet1.xml"
        if let rels = member("xl/_rels/workbook.xml.rels") {
            let links = try XLSXReader.collect(zip, rels, element: "Relationship") { ($0["Id"] ?? "", $0["Target"] ?? "") }
            if let link = links.first(where: { $0.0 == id })?.1 {
                target = link.hasPrefix("/") ? String(link.dropFirst()) : "xl/" + link
            }
        }
        guard let part = member(target) else {
            throw IngestFailure.corruptArchive(file: zip.file, byteOffset: 0, reason: "worksheet part \(target) missing")
        }
        sheetPart = part
        sharedStrings = try member("xl/sharedStrings.xml").map { try XLSXReader.sharedStrings(zip, $0, limit: maxSharedStringBytes) } ?? []
        dateStyles = try member("xl/styles.xml").map { try XLSXReader.dateStyles(zip, $0) } ?? []
    }

    /// The attributes of every element with this local name in a small part, in order.
    static func collect<T>(_ zip: ZipReader, _ part: ZipReader.Member, element: String,
                           _ make: ([String: String]) -> T) throws -> [T] {
        let collector = PartCollector(element: element)
        let parser = try XMLEventParser(file: zip.file, member: part.name, handler: collector)
        try parser.feed(try zip.contents(of: part, limit: partLimit))
        try parser.finish()
        return collector.found.map(make)
    }

    static func sharedStrings(_ zip: ZipReader, _ part: ZipReader.Member, limit: Int) throws -> [String] {
        let reader = SharedStringsHandler(limit: limit)
        let parser = try XMLEventParser(file: zip.file, member: part.name, handler: reader)
        reader.parser = parser
        try parser.parse(try zip.source(for: part))
        return reader.strings
    }

    /// Style indexes (cellXfs order) whose number format shows a date.
    static func dateStyles(_ zip: ZipReader, _ part: ZipReader.Member) throws -> Set<Int> {
        let styles = StylesHandler()
        let parser = try XMLEventParser(file: zip.file, member: part.name, handler: styles)
        try parser.feed(try zip.contents(of: part, limit: partLimit))
        try parser.finish()
        var dates = Set<Int>()
        for (index, format) in styles.cellFormats.enumerated() {
            if (14...22).contains(format) || (27...36).contains(format) || (45...47).contains(format) || (50...58).contains(format) {
                dates.insert(index)
            } else if let code = styles.customFormats[format], XLSXReader.looksLikeDate(code) {
                dates.insert(index)
            }
        }
        return dates
    }

    /// A custom format code shows a date when, outside quotes and brackets, it has y, m or d
    /// (年 月 日 included) — `yyyy"年"m"月"d"日"`, `yyyy-mm-dd`; `0.00"万元"` does not.
    static func looksLikeDate(_ code: String) -> Bool {
        var quoted = false, bracket = false
        for c in code.lowercased() {
            if c == "\"" { quoted.toggle(); continue }
            if quoted { continue }
            if c == "[" || c == "]" { bracket = c == "["; continue }
            if !bracket && (c == "y" || c == "d" || c == "m") { return true }
        }
        return false
    }

    /// Streams the sheet's rows to `body` as CSV-like rows (UTF-8 fields, `line` = Excel row).
    public func forEachRow(maxRowBytes: Int, _ body: ([CSVRow]) throws -> Void) throws {
        let handler = SheetHandler(sharedStrings: sharedStrings, dateStyles: dateStyles, maxRowBytes: maxRowBytes)
        let parser = try XMLEventParser(file: zip.file, member: sheetPart.name, handler: handler)
        handler.parser = parser
        let source = try zip.source(for: sheetPart)
        while let chunk = try source.read() {
            try parser.feed(chunk)
            if !handler.rows.isEmpty { try body(handler.rows); handler.rows.removeAll(keepingCapacity: true) }
        }
        try parser.finish()
        if !handler.rows.isEmpty { try body(handler.rows) }
    }

    /// A number cell as Excel shows it: stored binary doubles such as 118.30000000000001 or
    /// 1.5E-3 become the 15 significant digits Excel displays (118.3, 0.0015), so the exact
    /// decimal readers see what the clerk saw. Anything else is left as stored.
    static func excelNumber(_ raw: String) -> String {
        let digits = raw.utf8.filter { $0 >= 0x30 && $0 <= 0x39 }.count
        guard digits > 15 || raw.contains("E") || raw.contains("e"), let value = Double(raw), value.isFinite else { return raw }
        let text = String(format: "%.15g", value)
        return text.contains("e") ? raw : text
    }

    /// `B12` → (column 1, row 12); nil for anything else.
    static func reference(_ text: String) -> (column: Int, row: Int)? {
        var column = 0, row = 0, letters = 0
        for b in text.utf8 {
            if b >= 0x41 && b <= 0x5A && row == 0 { column = column * 26 + Int(b - 0x40); letters += 1 } else if b >= 0x30 && b <= 0x39 {
                row = row * 10 + Int(b - 0x30)
                guard row < 10_000_000 else { return nil }
            } else { return nil }
            guard letters <= 3 else { return nil }
        }
        return letters > 0 && row > 0 ? (column - 1, row) : nil
    }
}

private let spreadsheetML = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

/// Attributes of matching elements, by local name (namespaces differ between Excel versions).
private final class PartCollector: XMLEventHandler {
    let element: String
    var found: [[String: String]] = []
    init(element: String) { self.element = element }
    override func startElement(_ start: XMLElementStart) {
        guard start.name.local == element else { return }
        var map: [String: String] = [:]
        for (key, value) in start.attributes { map[key.local] = value }
        found.append(map)
    }
    override func endElement() {}
    override func characters(_ bytes: UnsafeBufferPointer<UInt8>) {}
}

/// `<si>` items: the text of their `<t>` runs, phonetic (`<rPh>`) runs left out.
private final class SharedStringsHandler: XMLEventHandler {
    var strings: [String] = []
    var current: [UInt8] = []
    var inText = false, inPhonetic = false
    var stack: [String] = []
    var total = 0
    let limit: Int
    weak var parser: XMLEventParser?
    init(limit: Int) { self.limit = limit }

    override func startElement(_ element: XMLElementStart) {
        let name = element.name
        stack.append(name.local)
        switch name.local {
        case "si": current.removeAll(keepingCapacity: true)
        case "t": inText = true
        case "rPh": inPhonetic = true
        default: break
        }
    }
    override func endElement() {
        switch stack.removeLast() {
        case "si": strings.append(String(decoding: current, as: UTF8.self))
        case "t": inText = false
        case "rPh": inPhonetic = false
        default: break
        }
    }
    override func characters(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard inText, !inPhonetic else { return }
        total += bytes.count
        if total > limit, let parser {
            parser.fail(.inflationLimit(file: parser.file + ":" + (parser.member ?? ""), limitBytes: limit))
            return
        }
        current.append(contentsOf: bytes)
    }
}

/// `cellXfs/xf@numFmtId` in order, and the custom `numFmt` codes.
private final class StylesHandler: XMLEventHandler {
    var cellFormats: [Int] = []
    var customFormats: [Int: String] = [:]
    var stack: [String] = []
    override func startElement(_ element: XMLElementStart) {
        let name = element.name, attributes = element.attributes
        func attribute(_ key: String) -> String? { attributes.first { $0.0.local == key }?.1 }
        if name.local == "numFmt", let id = attribute("numFmtId").flatMap({ Int($0) }) {
            customFormats[id] = attribute("formatCode") ?? ""
        } else if name.local == "xf", stack.last == "cellXfs" {
            cellFormats.append(attribute("numFmtId").flatMap { Int($0) } ?? 0)
        }
        stack.append(name.local)
    }
    override func endElement() { stack.removeLast() }
    override func characters(_ bytes: UnsafeBufferPointer<UInt8>) {}
}

/// Rows of `<sheetData>`: cells placed by their reference, gaps left empty.
private final class SheetHandler: XMLEventHandler {
    let sharedStrings: [String]
    let dateStyles: Set<Int>
    let maxRowBytes: Int
    weak var parser: XMLEventParser?
    var rows: [CSVRow] = []
    var cells: [[UInt8]] = []
    var rowNumber = 0
    var rowBytes = 0
    var cellColumn = 0, cellType = "n", cellStyle = 0
    var text: [UInt8] = []
    var capturing = false, inInline = false
    var depth: [String] = []

    init(sharedStrings: [String], dateStyles: Set<Int>, maxRowBytes: Int) {
        self.sharedStrings = sharedStrings
        self.dateStyles = dateStyles
        self.maxRowBytes = maxRowBytes
    }

    func fail(_ reason: String) {
        guard let parser else { return }
        parser.fail(.corruptArchive(file: parser.file, byteOffset: 0, reason: "\(parser.member ?? ""): row \(rowNumber): \(reason)"))
    }

    override func startElement(_ element: XMLElementStart) {
        let name = element.name
        depth.append(name.local)
        let attributes = name.local == "row" || name.local == "c" ? element.attributes : []
        func attribute(_ key: String) -> String? { attributes.first { $0.0.local == key && $0.0.uri.isEmpty }?.1 }
        switch name.local {
        case "row":
            let next = attribute("r").flatMap { Int($0) } ?? rowNumber + 1
            guard next > rowNumber, next < 10_000_000 else { return fail("rows out of order") }
            rowNumber = next
            cells.removeAll(keepingCapacity: true)
            rowBytes = 0
        case "c":
            if let ref = attribute("r") {
                guard let (column, row) = XLSXReader.reference(ref), row == rowNumber, column >= cells.count, column < 16_384 else {
                    return fail("cell reference \(ref) out of place")
                }
                cellColumn = column
            } else {
                cellColumn = cells.count
            }
            cellType = attribute("t") ?? "n"
            cellStyle = attribute("s").flatMap { Int($0) } ?? 0
            text.removeAll(keepingCapacity: true)
        case "v": capturing = true
        case "is": inInline = true
        case "t" where inInline: capturing = true
        default: break
        }
    }

    override func endElement() {
        switch depth.removeLast() {
        case "v", "t": capturing = false
        case "is": inInline = false
        case "c":
            let value = self.value()
            while cells.count < cellColumn { cells.append([]) }
            cells.append(Array(value.utf8))
        case "row":
            while cells.last?.isEmpty == true { cells.removeLast() }
            rows.append(CSVRow(fields: cells.isEmpty ? [[]] : cells, line: rowNumber, byteOffset: 0, isBlank: cells.isEmpty))
        default: break
        }
    }

    func value() -> String {
        let raw = String(decoding: text, as: UTF8.self)
        switch cellType {
        case "s":
            guard let index = Int(raw), sharedStrings.indices.contains(index) else {
                fail("shared string \(raw) does not exist")
                return ""
            }
            return sharedStrings[index]
        case "b": return raw == "1" ? "TRUE" : "FALSE"
        case "n" where dateStyles.contains(cellStyle) && !raw.isEmpty:
            if let serial = DateText.excelSerial(raw) { return (try? serial.get())?.description ?? "1900-02-29" }
            return raw
        case "n": return XLSXReader.excelNumber(raw)
        case "d": return String(raw.prefix { $0 != "T" })  // an ISO 8601 date cell; the time of day is dropped
        default: return raw  // str, inlineStr, e (#DIV/0!)
        }
    }

    override func characters(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard capturing else { return }
        rowBytes += bytes.count
        if rowBytes > maxRowBytes, let parser {
            parser.fail(.recordTooLarge(file: parser.file, member: parser.member, line: rowNumber, limitBytes: maxRowBytes))
            return
        }
        text.append(contentsOf: bytes)
    }
}
