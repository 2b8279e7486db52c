import CZlibSystem
import Foundation
import Testing
@testable import SafetyIO
@testable import SafetyCore

/// Zip bundles and .xlsx workbooks through `IngestRun`, with a pipeline that adds two export
/// rules to the sample's: `bundle-accidents-*.zip` (CSV members) and `sheet-accidents-*.xlsx`.
struct ZipAndXLSXTests {
    struct Entry {
        var name: String
        var data: [UInt8]
        var deflate = true
        var flags: UInt16 = 0
        var method: UInt16? = nil
        var unixMode: UInt32? = nil
        var declaredSize: Int? = nil
        var crc: UInt32? = nil
        /// Raw name bytes without the UTF-8 flag (as Windows zip tools write GBK names).
        var rawName: [UInt8]? = nil
    }

    static func deflateRaw(_ bytes: [UInt8]) -> [UInt8] {
        var stream = z_stream()
        precondition(czlib_deflate_init2(&stream, 6, -15) == Z_OK)
        var input = bytes
        var output = [UInt8](repeating: 0, count: bytes.count + 1024)
        input.withUnsafeMutableBufferPointer { i in
            output.withUnsafeMutableBufferPointer { o in
                stream.next_in = i.baseAddress; stream.avail_in = uInt(i.count)
                stream.next_out = o.baseAddress; stream.avail_out = uInt(o.count)
                precondition(deflate(&stream, Z_FINISH) == Z_STREAM_END)
            }
        }
        let produced = output.count - Int(stream.avail_out)
        deflateEnd(&stream)
        return Array(output[..<produced])
    }

    /// A zip archive built byte by byte, so headers can lie on purpose.
    static func zip(_ entries: [Entry]) -> [UInt8] {
        var out: [UInt8] = [], directory: [UInt8] = []
        func u16(_ v: Int, _ into: inout [UInt8]) { into += [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func u32(_ v: Int, _ into: inout [UInt8]) { u16(v & 0xFFFF, &into); u16(v >> 16 & 0xFFFF, &into) }
        for e in entries {
            let body = e.deflate ? deflateRaw(e.data) : e.data
            let method = Int(e.method ?? (e.deflate ? 8 : 0))
            let crc = Int(e.crc ?? UInt32(e.data.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }))
            let name = e.rawName ?? Array(e.name.utf8)
            let utf8Flag = e.rawName == nil ? 0x800 : 0
            let offset = out.count
            u32(0x0403_4B50, &out); u16(20, &out); u16(Int(e.flags) | utf8Flag, &out); u16(method, &out); u16(0, &out); u16(0x21, &out)
            u32(crc, &out); u32(body.count, &out); u32(e.declaredSize ?? e.data.count, &out); u16(name.count, &out); u16(0, &out)
            out += name + body
            u32(0x0201_4B50, &directory); u16(e.unixMode == nil ? 20 : 0x314, &directory); u16(20, &directory)
            u16(Int(e.flags) | utf8Flag, &directory); u16(method, &directory); u16(0, &directory); u16(0x21, &directory)
            u32(crc, &directory); u32(body.count, &directory); u32(e.declaredSize ?? e.data.count, &directory)
            u16(name.count, &directory); u16(0, &directory); u16(0, &directory); u16(0, &directory); u16(0, &directory)
            u32(Int(e.unixMode ?? 0) << 16, &directory); u32(offset, &directory)
            directory += name
        }
        let start = out.count
        out += directory
        u32(0x0605_4B50, &out); u16(0, &out); u16(0, &out); u16(entries.count, &out); u16(entries.count, &out)
        u32(directory.count, &out); u32(start, &out); u16(0, &out)
        return out
    }

    static let header = "事故编号,发生日期,乡镇,行业领域,死亡人数,重伤人数,轻伤人数,直接经济损失(万元)\n"

    /// The sample pipeline plus the zip and xlsx rules, in a temporary folder, accepting up to half
    /// the records rejected; `limits` (YAML flow mapping) replaces the sample's limits.
    static func pipeline(limits: String = "") throws -> LoadedPipeline {
        let folder = try Fixture.temporaryDirectory() + "/pipeline"
        try FileManager.default.copyItem(atPath: Fixture.repositoryRoot.path + "/Pipelines/mingguang", toPath: folder)
        let yaml = try Fixture.samplePipelineYAML(limits: limits.isEmpty ? nil : limits).replacingOccurrences(of: "exports:\n", with: """
            exports:
              - files: "bundle-accidents-*.zip"
                mapping: mappings/bundle-accidents.yaml
              - files: "sheet-accidents-*.xlsx"
                mapping: mappings/sheet-accidents.yaml

            """).replacingOccurrences(of: "max_reject_rate: 0.2", with: "max_reject_rate: 0.5")
        try yaml.write(toFile: folder + "/pipeline.yaml", atomically: true, encoding: .utf8)
        let csvMapping = try String(contentsOfFile: folder + "/mappings/yingji-accidents.yaml", encoding: .utf8)
        try csvMapping.replacingOccurrences(of: "csv:\n  header_row: 2", with: "members: \"*.csv\"\ncsv:\n  header_row: 1")
            .replacingOccurrences(of: "-(\\\\d{8})\\\\.csv", with: "-(\\\\d{8})\\\\.zip")
            .write(toFile: folder + "/mappings/bundle-accidents.yaml", atomically: true, encoding: .utf8)
        try csvMapping.replacingOccurrences(of: "format: csv", with: "format: xlsx\nsheet: 事故")
            .replacingOccurrences(of: "-(\\\\d{8})\\\\.csv", with: "-(\\\\d{8})\\\\.xlsx")
            .replacingOccurrences(of: "  date: 发生日期", with: "  date: 发生日期")
            .write(toFile: folder + "/mappings/sheet-accidents.yaml", atomically: true, encoding: .utf8)
        return try PipelineLoader.load(folder + "/pipeline.yaml")
    }

    static func ingest(_ name: String, _ bytes: [UInt8], limits: String = "") throws -> Result<(IngestSummary, String), IngestFailure> {
        let pipeline = try pipeline(limits: limits)
        let directory = try Fixture.temporaryDirectory()
        FileManager.default.createFile(atPath: directory + "/" + name, contents: Data(bytes))
        do {
            return .success((try IngestRun(pipeline: pipeline, exportPath: directory + "/" + name, outputDirectory: directory + "/out").run(),
                             directory + "/out"))
        } catch let failure as IngestFailure {
            return .failure(failure)
        }
    }

    static func failure(_ name: String, _ bytes: [UInt8], limits: String = "") throws -> IngestFailure? {
        if case .failure(let failure) = try ingest(name, bytes, limits: limits) { return failure }
        return nil
    }

    static func csv(_ rows: String) -> [UInt8] { Array((header + rows).utf8) }

    @Test func bundleReadsMatchingMembersStoredAndDeflated() throws {
        let bytes = Self.zip([
            Entry(name: "2020-01.csv", data: Self.csv("Z1,2020-01-05,明光街道,建筑,1,0,0,2.5\n"), deflate: false),
            Entry(name: "月报/2020-02.csv", data: Self.csv("Z2,2020-02-05,女山湖,建筑,0,1,0,0.07万\n")),
            Entry(name: "__MACOSX/._2020-01.csv", data: [0, 1, 2]),
            Entry(name: "说明.txt", data: Array("readme".utf8)),
        ])
        let (summary, out) = try Self.ingest("bundle-accidents-20201106.zip", bytes).get()
        #expect(summary.members == ["2020-01.csv", "月报/2020-02.csv"])
        #expect(summary.read == 2 && summary.accepted == 2 && summary.rejected == 0)
        #expect(summary.notes.contains { $0.contains("__MACOSX/._2020-01.csv: skipped (operating-system metadata") })
        #expect(summary.notes.contains { $0.contains("说明.txt: skipped (does not match *.csv)") })
        let accidents = try String(contentsOfFile: out + "/accident.csv", encoding: .utf8)
        #expect(accidents.contains("Z2,应急管理局,2020-11-06,2020-02-05,,女山湖镇,建筑,,,0,,1,,0,0.07,"))
        #expect(accidents.contains(",bundle-accidents-20201106.zip,月报/2020-02.csv,2,1\n"))
    }

    @Test func gbkMemberNamesAreDecoded() throws {
        // 检查.csv in GBK: 检 = BC EC, 查 = B2 E9.
        let bytes = Self.zip([Entry(name: "", data: Self.csv("G1,2020-03-05,明光街道,建筑,0,0,0,0\n"),
                                    rawName: [0xBC, 0xEC, 0xB2, 0xE9] + Array(".csv".utf8))])
        let (summary, _) = try Self.ingest("bundle-accidents-20201106.zip", bytes).get()
        #expect(summary.members == ["检查.csv"] && summary.accepted == 1)
    }

    @Test func encryptedMembersAreRefusedByName() throws {
        let bytes = Self.zip([Entry(name: "secret.csv", data: Self.csv(""), flags: 1)])
        let failure = try Self.failure("bundle-accidents-20201106.zip", bytes)
        #expect(failure == .unsupportedArchive(file: "bundle-accidents-20201106.zip", member: "secret.csv",
                                               reason: "encrypted (password-protected) member"))
        #expect(failure?.exitStatus == .inputNotTrustworthy)
    }

    @Test(arguments: [(UInt16(12), "bzip2"), (14, "LZMA"), (99, "AES encryption"), (9, "deflate64")])
    func unsupportedMethodsAreRefusedByName(method: UInt16, name: String) throws {
        let bytes = Self.zip([Entry(name: "a.csv", data: Self.csv(""), deflate: false, method: method)])
        let failure = try #require(try Self.failure("bundle-accidents-20201106.zip", bytes))
        #expect("\(failure)".contains("bundle-accidents-20201106.zip:a.csv: not read: compression method \(method) (\(name))"))
    }

    @Test func lyingSizesAreCaught() throws {
        let data = Self.csv(String(repeating: "L1,2020-01-05,明光街道,建筑,1,0,0,2.5\n", count: 50))
        let small = try #require(try Self.failure("bundle-accidents-20201106.zip", Self.zip([Entry(name: "a.csv", data: data, declaredSize: 100)])))
        #expect("\(small)".contains("a.csv: inflates beyond its declared size (declares 100 bytes)"))
        let large = try #require(try Self.failure("bundle-accidents-20201106.zip",
                                                   Self.zip([Entry(name: "a.csv", data: data, declaredSize: data.count + 7)])))
        #expect("\(large)".contains("a.csv: holds \(data.count) bytes (declares \(data.count + 7) bytes)"))
        let crc = try #require(try Self.failure("bundle-accidents-20201106.zip", Self.zip([Entry(name: "a.csv", data: data, crc: 1234)])))
        #expect("\(crc)".contains("a.csv: CRC-32 mismatch"))
    }

    @Test func aZipBombHitsTheInflationLimit() throws {
        let zeros = [UInt8](repeating: 0x30, count: 8 << 20)
        let bytes = Self.zip([Entry(name: "bomb.csv", data: Self.csv("") + zeros)])
        #expect(bytes.count < 64 << 10, "a real bomb: \(bytes.count) bytes compressed")
        let failure = try Self.failure("bundle-accidents-20201106.zip", bytes,
                                       limits: "{max_inflated_bytes: 1048576, max_record_bytes: 16777216}")
        #expect(failure == .inflationLimit(file: "bundle-accidents-20201106.zip", limitBytes: 1 << 20))
    }

    @Test func tooManyMembersHitTheLimit() throws {
        let bytes = Self.zip((1...5).map { Entry(name: "m\($0).csv", data: Self.csv("")) })
        let failure = try Self.failure("bundle-accidents-20201106.zip", bytes, limits: "{max_archive_members: 3}")
        #expect(failure == .tooManyMembers(file: "bundle-accidents-20201106.zip", limit: 3))
    }

    @Test(arguments: [("../escape.csv", nil as UInt32?, "parent-directory (..) component"), ("/etc/passwd", nil, "absolute path"),
                      ("a\\..\\b.csv", nil, "backslash in path"), ("link.csv", 0o120777, "symbolic link"),
                      ("fifo.csv", 0o010644, "FIFO"), ("dev.csv", 0o020644, "device file")])
    func unsafeMembersAreRefusedByName(name: String, mode: UInt32?, reason: String) throws {
        let bytes = Self.zip([Entry(name: "ok.csv", data: Self.csv("")), Entry(name: name, data: Array("/etc/passwd".utf8), unixMode: mode)])
        let failure = try Self.failure("bundle-accidents-20201106.zip", bytes)
        #expect(failure == .unsafeArchiveMember(file: "bundle-accidents-20201106.zip", member: name, reason: reason))
    }

    @Test func aZipWithoutMembersInTheMappingIsAConfigurationError() throws {
        let bytes = Self.zip([Entry(name: "a.csv", data: Self.csv(""))])
        let failure = try Self.failure("yingji-accidents-20201106.csv", bytes)
        #expect(failure?.exitStatus == .configuration)
    }

    // MARK: xlsx

    static let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

    /// A workbook as Excel writes one: two sheets (the second is named in the mapping), shared
    /// strings with a rich-text run and phonetic text, inline strings, date styles (built-in 14
    /// and a custom 年月日 format), a title row, a 合计 row and gaps between cells.
    static func workbook(sheetXML: String) -> [UInt8] {
        let shared = ["事故编号", "发生日期", "乡镇", "行业领域", "死亡人数", "重伤人数", "轻伤人数", "直接经济损失(万元)", "建筑", "女山湖", "合计"]
        let sst = "<sst xmlns=\"\(main)\" count=\"12\" uniqueCount=\"12\">" + shared.map { "<si><t>\($0)</t></si>" }.joined()
            + "<si><r><t>明光</t></r><r><rPr><b/></rPr><t>街道</t></r><rPh sb=\"0\" eb=\"2\"><t>MINGGUANG</t></rPh></si></sst>"
        let styles = "<styleSheet xmlns=\"\(main)\"><numFmts count=\"2\"><numFmt numFmtId=\"164\" formatCode=\"yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;\"/>"
            + "<numFmt numFmtId=\"165\" formatCode=\"0.00&quot;万元&quot;\"/></numFmts>"
            + "<cellStyleXfs count=\"1\"><xf numFmtId=\"0\"/></cellStyleXfs>"
            + "<cellXfs count=\"4\"><xf numFmtId=\"0\"/><xf numFmtId=\"14\"/><xf numFmtId=\"164\"/><xf numFmtId=\"165\"/></cellXfs></styleSheet>"
        let workbook = "<workbook xmlns=\"\(main)\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
            + "<sheets><sheet name=\"说明\" sheetId=\"1\" r:id=\"rId1\"/><sheet name=\"事故\" sheetId=\"2\" r:id=\"rId2\"/></sheets></workbook>"
        let rels = "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
            + "<Relationship Id=\"rId1\" Type=\"ws\" Target=\"worksheets/sheet1.xml\"/>"
            + "<Relationship Id=\"rId2\" Type=\"ws\" Target=\"/xl/worksheets/data.xml\"/></Relationships>"
        let notes = "<worksheet xmlns=\"\(main)\"><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>不是数据</t></is></c></row></sheetData></worksheet>"
        return zip([Entry(name: "[Content_Types].xml", data: Array("<Types/>".utf8)),
                    Entry(name: "xl/workbook.xml", data: Array(workbook.utf8)),
                    Entry(name: "xl/_rels/workbook.xml.rels", data: Array(rels.utf8)),
                    Entry(name: "xl/sharedStrings.xml", data: Array(sst.utf8)),
                    Entry(name: "xl/styles.xml", data: Array(styles.utf8)),
                    Entry(name: "xl/worksheets/sheet1.xml", data: Array(notes.utf8)),
                    Entry(name: "xl/worksheets/data.xml", data: Array(sheetXML.utf8))])
    }

    static func sheet(_ rows: String) -> String {
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\"\(main)\"><sheetData>" + rows + "</sheetData></worksheet>"
    }

    static let headerRow = "<row r=\"2\">" + (0..<8).map { "<c r=\"\(Character(UnicodeScalar(65 + $0)!))2\" t=\"s\"><v>\($0)</v></c>" }.joined() + "</row>"

    @Test func xlsxSheetIsReadWithSharedStringsInlineStringsAndDates() throws {
        let rows = "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>明光市应急管理局事故统计表</t></is></c></row>" + Self.headerRow
            // Serial 44105 = 2020-10-01 under the built-in date style; 明光街道 from a rich-text shared string.
            + "<row r=\"3\"><c r=\"A3\" t=\"str\"><v>X1</v></c><c r=\"B3\" s=\"1\"><v>44105</v></c><c r=\"C3\" t=\"s\"><v>11</v></c>"
            + "<c r=\"D3\" t=\"s\"><v>8</v></c><c r=\"E3\"><v>1</v></c><c r=\"F3\"><v>0</v></c><c r=\"G3\"><v>2</v></c><c r=\"H3\" s=\"3\"><v>12.5</v></c></row>"
            // The custom 年月日 date format, a gap (no F, G cells: empty counts are rejected as missing).
            + "<row r=\"5\"><c r=\"A5\" t=\"inlineStr\"><is><t>X2</t></is></c><c r=\"B5\" s=\"2\"><v>44106.75</v></c><c r=\"C5\" t=\"s\"><v>9</v></c>"
            + "<c r=\"D5\" t=\"s\"><v>8</v></c><c r=\"E5\"><v>0</v></c><c r=\"F5\"><v>0</v></c><c r=\"G5\"><v>0</v></c><c r=\"H5\"><v>0</v></c></row>"
            // Serial 60 is Excel's non-existent 1900-02-29: rejected, with the Excel row.
            + "<row r=\"6\"><c r=\"A6\" t=\"str\"><v>X3</v></c><c r=\"B6\" s=\"1\"><v>60</v></c><c r=\"C6\" t=\"s\"><v>9</v></c>"
            + "<c r=\"D6\" t=\"s\"><v>8</v></c><c r=\"E6\"><v>0</v></c><c r=\"F6\"><v>0</v></c><c r=\"G6\"><v>0</v></c><c r=\"H6\"><v>0</v></c></row>"
            + "<row r=\"7\"><c r=\"A7\" t=\"s\"><v>10</v></c><c r=\"E7\"><v>1</v></c></row>"
            // A strict-OOXML ISO date cell.
            + "<row r=\"8\"><c r=\"A8\" t=\"str\"><v>X4</v></c><c r=\"B8\" t=\"d\"><v>2020-10-03T00:00:00</v></c><c r=\"C8\" t=\"s\"><v>9</v></c>"
            + "<c r=\"D8\" t=\"s\"><v>8</v></c><c r=\"E8\"><v>0</v></c><c r=\"F8\"><v>0</v></c><c r=\"G8\"><v>0</v></c><c r=\"H8\"><v>0</v></c></row>"
        let bytes = Self.workbook(sheetXML: Self.sheet(rows))
        let (summary, out) = try Self.ingest("sheet-accidents-20201106.xlsx", bytes).get()
        #expect(summary.members == ["sheet:事故"])
        #expect(summary.read == 4 && summary.accepted == 3 && summary.rejected == 1, "\(summary.notes)")
        #expect(summary.skipped == 2, "title row and 合计 row")
        let accidents = try String(contentsOfFile: out + "/accident.csv", encoding: .utf8)
        #expect(accidents.contains("X1,应急管理局,2020-11-06,2020-10-01,,明光街道,建筑,,,1,,0,,2,12.5,"))
        #expect(accidents.contains("X2,应急管理局,2020-11-06,2020-10-02,,女山湖镇,建筑,,,0,,0,,0,0,"))
        #expect(accidents.contains("X4,应急管理局,2020-11-06,2020-10-03,,女山湖镇,建筑,,,0,,0,,0,0,"))
        #expect(accidents.contains(",sheet-accidents-20201106.xlsx,sheet:事故,3,1\n"))
        let rejects = try String(contentsOfFile: out + "/rejects.csv", encoding: .utf8)
        #expect(rejects.contains("sheet-accidents-20201106.xlsx,sheet:事故,6,3,date,1900-02-29,impossible_date,"))
    }

    @Test func xlsxWithAnEntityDeclarationIsRefused() throws {
        let sheet = "<?xml version=\"1.0\"?><!DOCTYPE w [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><worksheet xmlns=\"\(Self.main)\"><sheetData>"
            + Self.headerRow + "<row r=\"3\"><c r=\"A3\" t=\"inlineStr\"><is><t>&x;</t></is></c></row></sheetData></worksheet>"
        let failure = try Self.failure("sheet-accidents-20201106.xlsx", Self.workbook(sheetXML: sheet))
        guard case .entityDeclared(_, let member, _, let name) = failure else {
            Issue.record("expected an entity refusal, got \(String(describing: failure))"); return
        }
        #expect(member == "xl/worksheets/data.xml" && name == "x")
    }

    @Test func xlsxWithoutTheNamedSheetListsTheSheets() throws {
        let bytes = Self.zip([Entry(name: "xl/workbook.xml", data: Array(("<workbook xmlns=\"\(Self.main)\"><sheets><sheet name=\"Sheet1\" sheetId=\"1\" "
            + "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\" r:id=\"rId1\"/></sheets></workbook>").utf8))])
        let failure = try #require(try Self.failure("sheet-accidents-20201106.xlsx", bytes))
        #expect("\(failure)".contains("worksheet \"事故\" not found; the workbook has: Sheet1"))
    }

    @Test func aPasswordProtectedWorkbookIsRefusedByName() throws {
        let ole: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] + [UInt8](repeating: 0, count: 504)
        let failure = try #require(try Self.failure("sheet-accidents-20201106.xlsx", ole))
        #expect("\(failure)".contains("a password-protected workbook or an old .xls"))
        #expect(failure.exitStatus == .inputNotTrustworthy)
    }

    @Test func anXlsxThatIsNotAZipIsRefused() throws {
        let failure = try #require(try Self.failure("sheet-accidents-20201106.xlsx", Array("事故编号,发生日期\n".utf8)))
        #expect("\(failure)".contains("not an .xlsx workbook"))
    }

    @Test func numbersReadAsExcelShowsThem() {
        #expect(XLSXReader.excelNumber("118.30000000000001") == "118.3")
        #expect(XLSXReader.excelNumber("0.30000000000000004") == "0.3")
        #expect(XLSXReader.excelNumber("1.5E-3") == "0.0015")
        #expect(XLSXReader.excelNumber("44105") == "44105" && XLSXReader.excelNumber("12.5") == "12.5")
        #expect(XLSXReader.excelNumber("1E+300") == "1E+300", "left for the readers to refuse")
    }

    @Test func columnReferences() {
        #expect(XLSXReader.reference("A1")! == (0, 1) && XLSXReader.reference("AB12")! == (27, 12))
        #expect(XLSXReader.reference("1A") == nil && XLSXReader.reference("ABCD1") == nil && XLSXReader.reference("A") == nil)
        #expect(XLSXReader.looksLikeDate("yyyy\"年\"m\"月\"d\"日\"") && XLSXReader.looksLikeDate("[$-F800]dddd")
                && !XLSXReader.looksLikeDate("0.00\"万元\"") && !XLSXReader.looksLikeDate("#,##0"))
    }
}
