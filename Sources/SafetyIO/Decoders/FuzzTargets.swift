import SafetyCore

/// Entry points for coverage-guided fuzzing (`make fuzz`): each feeds arbitrary bytes through one
/// reader, in two chunks so chunk boundaries are exercised, and must never trap. Errors thrown
/// for bad input are the expected outcome; only crashes, hangs and runaway memory are findings.
public enum FuzzTargets {
    public static let names = ["csv", "xml", "archive", "zip"]

    public static func run(_ target: String, _ bytes: [UInt8]) {
        let cut = bytes.count / 3
        let chunks = [Array(bytes[..<cut]), Array(bytes[cut...])]
        switch target {
        case "csv" where (bytes.first ?? 0) & 3 == 2: utf16(bytes)
        case "csv": csv(chunks, gb18030: (bytes.first ?? 0) & 1 == 1)
        case "xml": xml(chunks)
        case "zip": zip(bytes)
        default: archive(bytes)
        }
    }

    static func csv(_ chunks: [[UInt8]], gb18030: Bool) {
        var reader = CSVReader(maxRecordBytes: 1 << 16)
        let transcoder = gb18030 ? try? FieldTranscoder(encoding: "gb18030", file: "fuzz.csv") : nil
        let decoder = CSVRecordDecoder(layout: DepartmentMapping.CSVLayout(), sourceKeys: ["a", "b"], file: "fuzz.csv",
                                       member: nil, maxRecordBytes: 1 << 16, transcoder: transcoder)
        for chunk in chunks {
            _ = try? reader.feed(chunk)
            _ = try? decoder.feed(chunk)
        }
        _ = try? reader.finish()
        _ = try? decoder.finish()
    }

    /// UTF-16 text whose bad code units mark their record (the Excel "Unicode Text" path).
    static func utf16(_ bytes: [UInt8]) {
        guard let source = try? TranscodingSource(MemoryByteSource(bytes, chunkSize: 7), from: "UTF-16LE", file: "fuzz.txt",
                                                  member: nil, markInvalid: true) else { return }
        let decoder = CSVRecordDecoder(layout: DepartmentMapping.CSVLayout(), sourceKeys: ["a", "b"], file: "fuzz.txt",
                                       member: nil, maxRecordBytes: 1 << 16)
        while let chunk = try? source.read() { _ = try? decoder.feed(chunk) }
        _ = try? decoder.finish()
    }

    static func xml(_ chunks: [[UInt8]]) {
        let layout = DepartmentMapping.XMLLayout(namespaces: ["j": "urn:j"], record: "/j:E/j:A")
        guard let decoder = try? XMLRecordDecoder(layout: layout, sourceKeys: ["@id", "j:D", "j:P/@t", "."], file: "fuzz.xml",
                                                  member: nil, maxTextBytes: 1 << 16) else { return }
        for chunk in chunks { _ = try? decoder.feed(chunk) }
        _ = try? decoder.finish()
    }

    /// Zip members read in full (sizes and CRC checked), then the bytes as an .xlsx workbook.
    static func zip(_ bytes: [UInt8]) {
        guard let archive = try? ZipReader(bytes: bytes, file: "fuzz.zip", maxMembers: 100, maxInflatedBytes: 1 << 22) else { return }
        for member in archive.members {
            guard let source = try? archive.source(for: member) else { continue }
            while let chunk = try? source.read(), chunk.count > 0 {}
        }
        guard let workbook = try? XLSXReader(zip: archive, sheet: nil, maxSharedStringBytes: 1 << 20) else { return }
        try? workbook.forEachRow(maxRowBytes: 1 << 16) { _ in }
    }

    static func archive(_ bytes: [UInt8]) {
        var source: ByteSource = MemoryByteSource(bytes, chunkSize: 4096)
        if GzipByteSource.hasMagic(bytes), let gzip = try? GzipByteSource(source, file: "fuzz.gz", maxOutputBytes: 1 << 22) {
            source = gzip
        }
        let tar = TarReader(source, file: "fuzz.tar", maxMembers: 100)
        while let member = try? tar.nextMember() {
            _ = member
            while let chunk = try? tar.readMemberData(), chunk.count > 0 {}
        }
    }
}
