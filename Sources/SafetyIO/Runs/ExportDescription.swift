import Foundation
import SafetyCore

/// `safety-ingest --describe EXPORT`: what an export is (gzip, format, encoding, delimiter, header
/// row), its columns with sample values and how many are empty, and a draft mapping
/// (`MappingDraft`) — read from the first `sampleBytes` of the export, with every protection the
/// ingest has (inflation limits; XML without entities).
public enum ExportDescription {
    public static let sampleBytes = 1 << 20
    public static let sampleRows = 200

    public static func describe(path: String) throws -> String {
        let name = (path as NSString).lastPathComponent
        let (opened, _) = try ExportOpener.open(path: path, display: name)
        let magic = try opened.peek(512)
        var lines = ["export: \(name)" + (opened.isGzip ? " (gzip, read decompressed)" : "")]
        if ZipReader.hasMagic(magic) {
            let zip = try ZipReader(path: path, file: name)
            let names = zip.members.map(\.name)
            if names.contains("xl/workbook.xml") {
                lines.append("format: xlsx (a workbook); describe the sheet saved as CSV, or map it with format: xlsx")
            } else {
                lines.append("format: a zip archive; members: " + names.prefix(20).joined(separator: ", "))
                lines.append("map it with members: \"*.csv\" (a glob) and describe a member on its own")
            }
            return lines.joined(separator: "\n") + "\n"
        }
        if TarReader.hasMagic(magic) {
            lines.append("format: a tar archive; map it with members: \"*.csv\" (a glob) and describe a member on its own")
            return lines.joined(separator: "\n") + "\n"
        }
        var sample = try opened.peek(sampleBytes)
        if sample.count == sampleBytes, let lastBreak = sample.lastIndex(of: 0x0A) { sample = Array(sample[...lastBreak]) }
        let start = sample.drop { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 || $0 == 0xEF || $0 == 0xBB || $0 == 0xBF }
        if start.first == UInt8(ascii: "<") {
            return (lines + (try xml(sample, file: name))).joined(separator: "\n") + "\n"
        }
        return (lines + (try csv(sample, file: name))).joined(separator: "\n") + "\n"
    }

    /// Encoding, delimiter, header row, columns and the draft, for delimited text.
    static func csv(_ raw: [UInt8], file: String) throws -> [String] {
        var bytes = raw
        let encoding: String
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            encoding = "utf-8"; bytes.removeFirst(3)
        } else if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            encoding = "utf-16"
        } else if String(validating: bytes, as: UTF8.self) != nil {
            encoding = "utf-8"
        } else {
            encoding = "gb18030"
        }
        if encoding != "utf-8" {
            let source = try TranscodingSource(MemoryByteSource(bytes), from: encoding == "utf-16" ? "UTF-16" : "GB18030", file: file,
                                               member: nil, markInvalid: true)
            bytes = []
            while let chunk = try source.read() { bytes += chunk }
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        }
        let delimiter = guessDelimiter(bytes)
        var reader = CSVReader(delimiter: delimiter, skipsLargeRecords: true)
        let rows = Array(((try? reader.feed(bytes)) ?? []).filter { !$0.isBlank }.prefix(sampleRows))
            .map { $0.fields.map { String(decoding: $0, as: UTF8.self) } }
        guard !rows.isEmpty else { return ["format: csv, but no rows in the first \(sampleBytes) bytes"] }
        let headerIndex = headerRow(rows)
        let header = rows[headerIndex].map(TextCleaning.trimmed)
        let data = rows.dropFirst(headerIndex + 1)
        let delimiterName = delimiter == 9 ? "tab" : "\"\(String(UnicodeScalar(delimiter)))\""
        var lines = ["format: csv, encoding: \(encoding), delimiter: \(delimiterName), header row: \(headerIndex + 1)"
                     + (headerIndex > 0 ? " (rows above it are titles)" : ""),
                     "columns (\(data.count) sample rows):"]
        for (index, name) in header.enumerated() {
            let values = data.map { index < $0.count ? TextCleaning.trimmed($0[index]) : "" }
            var seen: [String] = []
            for value in values where !value.isEmpty && !seen.contains(value) && seen.count < 3 { seen.append(value) }
            let empty = values.filter(\.isEmpty).count
            lines.append("  \(index + 1). \(name.isEmpty ? "(no name)" : name)  e.g. \(seen.isEmpty ? "—" : seen.joined(separator: " | "))  (\(empty) empty)")
        }
        lines.append("")
        if let draft = MappingDraft.draft(headers: header) {
            lines.append("draft mapping (\(draft.kind.rawValue); save as mappings/<department>-\(draft.kind.rawValue).yaml):")
            lines.append(draft.yaml(format: "csv", encoding: encoding, delimiter: String(UnicodeScalar(delimiter)),
                                    headerRow: headerIndex + 1, exportDatePattern: dateInName(file)))
        } else {
            lines.append("no draft: the headers name no record kind's fields (see README, Adding a department)")
        }
        return lines
    }

    /// The delimiter whose count is steadiest and highest over the first lines: , ; tab |.
    static func guessDelimiter(_ bytes: [UInt8]) -> UInt8 {
        let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: true).prefix(20)
        var best: (UInt8, Int) = (UInt8(ascii: ","), 0)
        for candidate in [UInt8(ascii: ","), UInt8(ascii: ";"), 9, UInt8(ascii: "|")] {
            let counts = lines.map { line in line.filter { $0 == candidate }.count }.sorted()
            let steady = counts.isEmpty ? 0 : counts[counts.count / 2]  // the median line's count
            if steady > best.1 { best = (candidate, steady) }
        }
        return best.0
    }

    /// The first of the first ten rows that is as wide as most rows and holds names, not numbers.
    static func headerRow(_ rows: [[String]]) -> Int {
        var widths: [Int: Int] = [:]
        for row in rows { widths[row.count, default: 0] += 1 }
        let common = widths.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }?.key ?? 0
        for (index, row) in rows.prefix(10).enumerated() where row.count == common {
            let named = row.filter { cell in
                let t = TextCleaning.trimmed(cell)
                if t.isEmpty || Double(t) != nil { return false }
                if case .success = DateText.parse(t) { return false }
                return true
            }
            if named.count * 2 > row.count { return index }
        }
        return 0
    }

    /// `(\d{8})` when the file name holds a date like 20201105 (the export date departments write).
    static func dateInName(_ name: String) -> String? {
        var run = 0
        for c in name.unicodeScalars {
            run = ("0"..."9").contains(c) ? run + 1 : 0
            if run == 8 { return "(\\\\d{8})" }
        }
        return nil
    }

    /// Root, the element that repeats (the record), and its children with sample text.
    static func xml(_ bytes: [UInt8], file: String) throws -> [String] {
        final class Census: XMLEventHandler {
            var stack: [XMLName] = []
            var counts: [[XMLName]: Int] = [:]
            var order: [[XMLName]] = []
            var samples: [[XMLName]: [String]] = [:]
            var text: [UInt8] = []
            override func startElement(_ element: XMLElementStart) {
                stack.append(element.name)
                if counts[stack] == nil { order.append(stack) }
                counts[stack, default: 0] += 1
                for (attribute, value) in element.attributes where !value.isEmpty {
                    let key = stack + [XMLName(uri: attribute.uri, local: "@" + attribute.local)]
                    if counts[key] == nil { order.append(key) }
                    counts[key, default: 0] += 1
                    if samples[key, default: []].count < 3, !samples[key, default: []].contains(value) { samples[key, default: []].append(value) }
                }
                text.removeAll(keepingCapacity: true)
            }
            override func endElement() {
                let value = TextCleaning.trimmed(String(decoding: text, as: UTF8.self))
                if !value.isEmpty, samples[stack, default: []].count < 3, !samples[stack, default: []].contains(value) {
                    samples[stack, default: []].append(value)
                }
                text.removeAll(keepingCapacity: true)
                stack.removeLast()
            }
            override func characters(_ bytes: UnsafeBufferPointer<UInt8>) { if text.count < 200 { text.append(contentsOf: bytes) } }
        }
        let census = Census()
        let parser = try XMLEventParser(file: file, member: nil, handler: census)
        do { try parser.feed(bytes) } catch let failure as IngestFailure {
            if case .notWellFormed = failure {} else { throw failure }  // a cut sample ends mid-document
        }
        func show(_ path: [XMLName]) -> String {
            path.map { $0.uri.isEmpty ? $0.local : "{\($0.uri)}\($0.local)" }.joined(separator: "/")
        }
        guard let root = census.order.first else { return ["format: xml, but no element in the sample"] }
        // The record: the element below the root that repeats most.
        let record = census.order.filter { $0.count == 2 && !($0.last!.local.hasPrefix("@")) }.max { census.counts[$0]! < census.counts[$1]! }
        var lines = ["format: xml, root: \(show(root))"]
        guard let record else { return lines + ["no repeated element below the root: which element is a record?"] }
        lines.append("record: /\(show(record))  (\(census.counts[record]!) in the sample)")
        lines.append("paths below the record (relative, as a mapping writes them; namespaces need a prefix in xml: namespaces):")
        for path in census.order where path.count > record.count && Array(path.prefix(record.count)) == record {
            let recordURI = record.last!.uri
            let relative = path.dropFirst(record.count).map { $0.uri.isEmpty || $0.uri == recordURI ? $0.local : "{\($0.uri)}\($0.local)" }
                .joined(separator: "/")
            lines.append("  \(relative)  e.g. \((census.samples[path] ?? []).joined(separator: " | "))")
        }
        for path in census.order where path.count == 2 && path.last!.local.hasPrefix("@") {
            lines.append("  /\(show(path))  (an attribute of the root: an absolute path reaches it)")
        }
        return lines
    }
}
