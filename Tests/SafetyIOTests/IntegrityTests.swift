import Foundation
import Testing
@testable import SafetyIO
@testable import SafetyCore

/// Exports that are odd or broken in ways that used to give a silently wrong figure, a silently
/// missing one, or a message that sends the clerk the wrong way.
struct IntegrityTests {
    typealias Z = ZipAndXLSXTests

    /// A department accident export with a title row above the header (the sample's layout).
    static func accidents(_ rows: [String]) -> [UInt8] {
        Array(("事故情况表\n" + Z.header + rows.joined(separator: "\n") + "\n").utf8)
    }

    static func good(_ count: Int, from first: Int = 1) -> [String] {
        (first..<first + count).map { "G\($0),2020-03-\(String(format: "%02d", $0 % 28 + 1)),明光街道,建筑,0,0,1,0.5" }
    }

    static func accepted(_ summary: IngestSummary, out: String) throws -> [String] {
        var ids: [String] = []
        try NormalizedReader(directory: out).forEach { ids.append(RecordSchema.id(of: $0)) }
        #expect(ids.count == summary.accepted)
        return ids
    }

    // MARK: CSV records

    @Test func aQuoteInsideAnUnquotedFieldRejectsTheRecord() throws {
        let rows = Self.good(10) + ["Q1,2020-03-02,\"女山湖\"镇,建筑,0,0,1,0.5", "Q2,2020-03-02,女山湖\"镇\",建筑,0,0,1,0.5"] + Self.good(2, from: 11)
        let (summary, out) = try Z.ingest("yingji-accidents-20201106.csv", Self.accidents(rows)).get()
        #expect(summary.read == 14 && summary.accepted == 12 && summary.rejected == 2)
        let rejects = try String(contentsOfFile: out + "/rejects.csv", encoding: .utf8)
        #expect(rejects.contains("yingji-accidents-20201106.csv,,13,11,乡镇,女山湖镇,stray_quote,"), "\(rejects)")
        #expect(rejects.contains("yingji-accidents-20201106.csv,,14,12,乡镇,\"女山湖\"\"镇\"\"\",stray_quote,"), "\(rejects)")
        #expect(try !Self.accepted(summary, out: out).contains { $0.hasPrefix("Q") })
    }

    @Test func theReaderMarksStrayQuotesAndKeepsWellFormedQuotes() throws {
        var reader = CSVReader()
        let rows = try reader.feed(Array("a,\"b,\"\"c\"\"\",d\nx,y\"z,w\n\"p\"q,r\n".utf8)) + reader.finish()
        #expect(rows.map(\.problem) == [nil, .strayQuote(field: 1), .strayQuote(field: 0)])
        #expect(rows[0].fields[1] == Array("b,\"c\"".utf8))
    }

    @Test func aNULRejectsItsRecordAndNeverReachesAnOutput() throws {
        var bytes = Self.accidents(Self.good(10))
        bytes += Array("N1,2020-03-02,明光".utf8) + [0] + Array("街道,建筑,0,0,1,0.5\n".utf8)
        let (summary, out) = try Z.ingest("yingji-accidents-20201106.csv", bytes).get()
        #expect(summary.read == 11 && summary.rejected == 1)
        let rejects = try String(contentsOfFile: out + "/rejects.csv", encoding: .utf8)
        #expect(rejects.contains("yingji-accidents-20201106.csv,,13,11,乡镇,,invalid_text,"), "\(rejects)")
        for name in try FileManager.default.contentsOfDirectory(atPath: out) {
            #expect(try !Data(contentsOf: URL(fileURLWithPath: out + "/" + name)).contains(0), "\(name) holds a NUL")
        }
    }

    @Test func aRecordOverTheLimitIsRejectedAndReadingGoesOn() throws {
        let long = "L1,2020-03-02,明光街道,\"" + String(repeating: "长", count: 200) + "\n续\",0,0,1,0.5"
        let rows = Self.good(5) + [long] + Self.good(5, from: 6)
        let (summary, out) = try Z.ingest("yingji-accidents-20201106.csv", Self.accidents(rows), limits: "{max_record_bytes: 300}").get()
        #expect(summary.read == 11 && summary.accepted == 10 && summary.rejected == 1)
        let rejects = try String(contentsOfFile: out + "/rejects.csv", encoding: .utf8)
        #expect(rejects.contains("yingji-accidents-20201106.csv,,8,6,,,record_too_large,"), "\(rejects)")
        #expect(try Self.accepted(summary, out: out) == (1...10).map { "G\($0)" })
    }

    @Test func readerResumesAfterALargeRecordButNotAfterAnUnclosedQuote() throws {
        for chunks in Fixture.chunkings(80) {
            var reader = CSVReader(maxRecordBytes: 16, skipsLargeRecords: true)
            let bytes = Array("a,b\n\(String(repeating: "x", count: 40)),\"q\nq\"\nc,d\n".utf8)
            var rows: [CSVRow] = []
            for piece in Fixture.split(bytes, chunks) { rows += try reader.feed(piece) }
            rows += try reader.finish()
            #expect(rows.map(\.line) == [1, 2, 4])
            #expect(rows.map(\.problem) == [nil, .tooLarge, nil])
            #expect(rows[2].fields == [Array("c".utf8), Array("d".utf8)])
            #expect(rows[1].bytes.isEmpty, "a dropped record keeps none of its bytes")
        }
        var unclosed = CSVReader(maxRecordBytes: 16, skipsLargeRecords: true)
        #expect(throws: CSVReader.Problem.unclosedQuote(line: 2)) {
            _ = try unclosed.feed(Array("a,b\n\"never closed,".utf8) + [UInt8](repeating: 65, count: 100) + Array("\nc,d\n".utf8))
            _ = try unclosed.finish()
        }
    }

    // MARK: Headers and empty exports

    @Test func aColumnNamedTwiceIsAConfigurationErrorNamingBoth() throws {
        let header = "事故编号,发生日期,乡镇,行业领域,死亡人数,重伤人数,轻伤人数,直接经济损失(万元),死亡人数\n"
        let bytes = Array(("标题\n" + header + "D1,2020-03-02,明光街道,建筑,0,0,1,0.5,2\n").utf8)
        let failure = try Z.failure("yingji-accidents-20201106.csv", bytes)
        #expect(failure == .ambiguousColumn(file: "yingji-accidents-20201106.csv", member: nil, column: "死亡人数", positions: [5, 9]))
        #expect(failure?.exitStatus == .configuration)
        #expect(failure?.description.contains("\"死亡人数#2\" (column 9)") == true)
    }

    @Test func aMappingSaysWhichOfTwoColumnsItMeans() throws {
        let pipeline = try Z.pipeline()
        let folder = (pipeline.path as NSString).deletingLastPathComponent
        let mapping = folder + "/mappings/yingji-accidents.yaml"
        try String(contentsOfFile: mapping, encoding: .utf8).replacingOccurrences(of: "deaths: 死亡人数", with: "deaths: 死亡人数#2")
            .write(toFile: mapping, atomically: true, encoding: .utf8)
        let header = "事故编号,发生日期,乡镇,行业领域,死亡人数,重伤人数,轻伤人数,直接经济损失(万元),死亡人数\n"
        let directory = try Fixture.temporaryDirectory()
        try ("标题\n" + header + "D1,2020-03-02,明光街道,建筑,0,0,1,0.5,2\n").write(toFile: directory + "/yingji-accidents-20201106.csv", atomically: true, encoding: .utf8)
        let reloaded = try PipelineLoader.load(pipeline.path)
        let summary = try IngestRun(pipeline: reloaded, exportPath: directory + "/yingji-accidents-20201106.csv", outputDirectory: directory + "/out").run()
        #expect(summary.accepted == 1)
        var deaths: [Int] = []
        try NormalizedReader(directory: directory + "/out").forEach { if case .accident(let a) = $0 { deaths.append(a.deaths) } }
        #expect(deaths == [2])
    }

    @Test(arguments: [("yingji-accidents-20201106.csv", [UInt8]()), ("yingji-accidents-20201106.csv", Array("\n\n".utf8)),
                      ("jiaojing-accidents-2020-20201106.xml.gz", []), ("jiaojing-accidents-2020-20201106.xml.gz", Fixture.gzip([])),
                      ("shichang-enforcement-2099.tar.gz", Fixture.gzip([]))])
    func anEmptyExportIsSaidToBeEmpty(name: String, bytes: [UInt8]) throws {
        let failure = try Z.failure(name, bytes)
        guard case .emptyExport(let file, _, _) = failure else { Issue.record("got \(String(describing: failure))"); return }
        #expect(file == name)
        #expect(failure?.exitStatus == .inputNotTrustworthy)
        #expect(failure?.description.contains("the export is empty") == true)
    }

    @Test func aHeaderWithoutRowsIsAnExportOfNothing() throws {
        let (summary, _) = try Z.ingest("yingji-accidents-20201106.csv", Self.accidents([])).get()
        #expect(summary.read == 0 && summary.accepted == 0)
    }

    // MARK: XML

    static let jj = "xmlns:jj=\"urn:mingguang:jiaojing:accident:1\""

    static func accidentXML(id: String, loss: String = "1000") -> String {
        """
        <jj:Accident id="\(id)"><jj:OccurredAt>2020-03-02</jj:OccurredAt><jj:Location town="明光街道"/>
        <jj:Casualties><jj:Deaths>0</jj:Deaths><jj:SeriousInjuries>0</jj:SeriousInjuries><jj:MinorInjuries>1</jj:MinorInjuries></jj:Casualties>
        <jj:Loss>\(loss)</jj:Loss><jj:Nature>营运</jj:Nature></jj:Accident>
        """
    }

    @Test func anXMLRootOtherThanTheMappingsFailsNamingBoth() throws {
        let html = Array("<html><head><title>500 Internal Server Error</title></head><body/></html>".utf8)
        let failure = try Z.failure("jiaojing-accidents-2020-20201106.xml.gz", Fixture.gzip(html))
        #expect(failure == .unexpectedRoot(file: "jiaojing-accidents-2020-20201106.xml.gz", member: nil, found: "html",
                                           expected: "{urn:mingguang:jiaojing:accident:1}AccidentExport"))
        #expect(failure?.exitStatus == .inputNotTrustworthy)
    }

    @Test func xmlNestedBeyondTheLimitIsRefused() throws {
        let depth = 100_000
        let xml = "<jj:AccidentExport \(Self.jj)>" + String(repeating: "<a>", count: depth) + String(repeating: "</a>", count: depth) + "</jj:AccidentExport>"
        let failure = try Z.failure("jiaojing-accidents-2020-20201106.xml.gz", Fixture.gzip(Array(xml.utf8)))
        guard case .tooDeep(_, _, _, let limit) = failure else { Issue.record("got \(String(describing: failure))"); return }
        #expect(limit == XMLEventParser.maxDepth)
    }

    @Test func anXMLRecordOverTheLimitIsRejectedAndReadingGoesOn() throws {
        var xml = "<jj:AccidentExport \(Self.jj)>"
        for i in 1...5 { xml += Self.accidentXML(id: "X\(i)") }
        xml += Self.accidentXML(id: "BIG", loss: String(repeating: "9", count: 500))
        for i in 6...10 { xml += Self.accidentXML(id: "X\(i)") }
        xml += "</jj:AccidentExport>"
        let (summary, out) = try Z.ingest("jiaojing-accidents-2020-20201106.xml.gz", Fixture.gzip(Array(xml.utf8)),
                                          limits: "{max_record_bytes: 300}").get()
        #expect(summary.read == 11 && summary.accepted == 10 && summary.rejected == 1)
        let rejects = try String(contentsOfFile: out + "/rejects.csv", encoding: .utf8)
        #expect(rejects.contains(",6,,,record_too_large,"), "\(rejects)")
        #expect(try Self.accepted(summary, out: out) == (1...10).map { "X\($0)" })
    }

    // MARK: Archives and names

    @Test func anArchiveOfArchivesNamesThemAndSaysTheyAreNotRead() throws {
        let inner = Fixture.tar([("shichang/enforcement.csv", Character("0"), Array("a\n".utf8))])
        let archive = Fixture.gzip(Fixture.tar([("2020/enforcement-2020.tar", Character("0"), inner)]))
        let failure = try Z.failure("shichang-enforcement-2099.tar.gz", archive)
        #expect(failure == .nestedArchivesOnly(file: "shichang-enforcement-2099.tar.gz", members: ["2020/enforcement-2020.tar"]))
        #expect(failure?.description.contains("nested archives are not read") == true)
    }

    @Test func twoMembersOfOneNameAreNoted() throws {
        let bytes = Z.zip([Z.Entry(name: "2020.csv", data: Z.csv("A1,2020-01-05,明光街道,建筑,1,0,0,2.5\n")),
                           Z.Entry(name: "2020.csv", data: Z.csv("A2,2020-02-05,明光街道,建筑,1,0,0,2.5\n"))])
        let (summary, _) = try Z.ingest("bundle-accidents-20201106.zip", bytes).get()
        #expect(summary.accepted == 2)
        #expect(summary.notes.contains { $0.contains("2020.csv: the archive holds more than one member of this name") }, "\(summary.notes)")
    }

    @Test func gzipDataUnderANameWithoutGzIsNoted() throws {
        let (summary, _) = try Z.ingest("yingji-accidents-20201106.csv", Fixture.gzip(Self.accidents(Self.good(3)))).get()
        #expect(summary.accepted == 3)
        #expect(summary.notes.contains("yingji-accidents-20201106.csv: gzip data under a name without .gz; read decompressed"))
        let (plain, _) = try Z.ingest("yingji-accidents-20201106.csv", Self.accidents(Self.good(3))).get()
        #expect(!plain.notes.contains { $0.contains("gzip") })
    }
}
