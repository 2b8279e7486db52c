import Foundation
import Testing
@testable import SafetyIO
@testable import SafetyCore

/// A large plain CSV export read on several cores in pieces gives exactly the outputs of one
/// core, or is read on one core: line and record numbers, rejects, quoted line breaks and all.
struct IngestPiecesTests {
    static let header = "隐患编号,发现日期,乡镇,行业领域,企业名称,隐患等级,整改状态,整改完成日期,整改期限,是否挂牌督办,挂牌批次"

    /// `rows` hazard rows of the sample's layout, with quoted commas and line breaks, CRLF line
    /// ends, blank lines and rejects (a bad date, a wrong field count, bytes that are no UTF-8).
    static func export(rows: Int) -> [UInt8] {
        var bytes = Array((header + "\n").utf8)
        for i in 1...rows {
            let id = "YH-\(i)"
            let line: String
            switch i % 11 {
            case 1: line = "\(id),2020/01/04,苏巷镇,商贸制造,\"明光市凯盛机械（\"\"一号\"\",\n二期）\",一般,已整改,2020/01/21,2020/02/03,否,\n"
            case 3: line = "\(id),2020/01/05,潘村镇,农林渔牧,明光市金桥商贸有限公司,一般,已整改,2020/02/01,2020/02/03,否,\r\n"
            case 5: line = "\(id),2020/13/05,女山湖镇,其他,明光市宏图建设有限公司,一般,已整改,2020/01/21,2020/02/04,否,\n"
            case 7: line = "\(id),2020/01/06,古沛镇,建筑,明光市永安纺织有限公司,一般\n\n"
            case 9: line = "\(id),2020/01/07,管店镇,采矿,明光市\u{1}矿业,重大,整改中,,2020/03/01,是,2020-1\n"
            default: line = "\(id),2020/02/0\(i % 9 + 1),张八岭镇,道路交通运输,明光市运输公司,一般,已整改,2020/02/11,2020/03/01,否,\n"
            }
            bytes += Array(line.utf8)
            if i == rows / 2 { bytes += [0xE6, 0x98] }  // a cut-off character: that record is rejected
        }
        return bytes
    }

    func setUp() throws -> (LoadedPipeline, String) {
        try ConfiguredLimitsTests().pipeline(limits: "{check_duplicate_ids: false}")
    }

    /// Ingests `bytes` as a 应急管理局 hazard export; returns the published files' bytes.
    func ingest(_ bytes: [UInt8], pipeline: LoadedPipeline, directory: String, cores: Int, minBytes: Int) throws -> [String: [UInt8]] {
        let path = directory + "/yingji-hazards-2020-20201105.csv"
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        let out = directory + "/out-\(cores)-\(minBytes)"
        var run = IngestRun(pipeline: pipeline, exportPath: path, outputDirectory: out)
        run.cores = cores
        run.minShardBytes = minBytes
        _ = try run.run()
        var files: [String: [UInt8]] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: out) {
            files[name] = [UInt8](try Data(contentsOf: URL(fileURLWithPath: out + "/" + name)))
        }
        return files
    }

    /// Reads the export in pieces directly: nil when it was read on one core instead.
    func pieces(_ bytes: [UInt8], pipeline: LoadedPipeline, directory: String, cores: Int) throws -> IngestSummary? {
        let path = directory + "/yingji-hazards-2020-20201105.csv"
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        let (_, mapping) = try pipeline.mapping(forExport: path, name: nil)
        let mapper = RecordMapper(mapping: mapping, regions: pipeline.config.regionList, sectors: pipeline.config.sectorList,
                                  categories: pipeline.config.categoryList)
        let out = directory + "/pieces"
        let records = try AtomicFile(path: out + "/hazard.csv"), rejects = try AtomicFile(path: out + "/rejects.csv")
        defer { records.abandon(); rejects.abandon() }
        let run = PieceIngest(path: path, mapping: mapping, mapper: mapper, fileName: "yingji-hazards-2020-20201105.csv",
                              fileExportDate: LocalDate(year: 2020, month: 11, day: 5), maxRecordBytes: 1 << 20,
                              outputDirectory: out, counts: IngestSummary(file: "", department: "", kind: .hazard, mapping: ""),
                              progress: nil)
        return try run.run(records: records, rejects: rejects, cores: cores, minBytes: 1024)
    }

    @Test func piecesGiveTheOutputsOfOneCore() throws {
        let (pipeline, directory) = try setUp()
        let bytes = Self.export(rows: 3000)
        let one = try ingest(bytes, pipeline: pipeline, directory: directory, cores: 1, minBytes: 1024)
        #expect(one.keys.sorted() == ["hazard.csv", "rejects.csv", "summary.json"])
        let rejects = String(decoding: one["rejects.csv"]!, as: UTF8.self)
        #expect(rejects.contains("wrong_field_count") && rejects.contains("invalid_text") && rejects.contains("impossible_date"), "\(rejects.prefix(600))")
        for cores in [2, 3, 4] {
            let many = try ingest(bytes, pipeline: pipeline, directory: directory, cores: cores, minBytes: 1024)
            for (name, bytes) in one {
                let same = many[name] == bytes  // (compared as a flag: the files are too long to print)
                #expect(same, "\(name) differs on \(cores) cores")
            }
            #expect(many.keys.sorted() == one.keys.sorted())
        }
        // They were read in pieces (not on one core after all), and counted alike.
        let summary = try #require(try pieces(bytes, pipeline: pipeline, directory: directory, cores: 3))
        #expect(summary.read == 3000 && summary.rejected >= 3000 / 11 * 2)
    }

    /// What misleads the cut (a stray quote makes the rest of the file look quoted; a bare CR
    /// ends a line the cut does not count) sends the file to one core, with the same outputs.
    @Test(arguments: ["stray quote", "bare CR"])
    func aMisleadingFileIsReadOnOneCore(what: String) throws {
        let (pipeline, directory) = try setUp()
        var bytes = Self.export(rows: 3000)
        let at = bytes.count / 8
        let lineEnd = bytes[at...].firstIndex(of: 0x0A)! + 1
        bytes.insert(contentsOf: Array((what == "stray quote" ? "YH-X,2020/01/04,苏巷镇,商贸制造,明光\"市,一般,已整改,2020/01/21,2020/02/03,否,\n"
                                                              : "YH-X,2020/01/04,苏巷镇,商贸制造,明光市,一般,已整改,2020/01/21,2020/02/03,否,\r").utf8),
                     at: lineEnd)
        #expect(try pieces(bytes, pipeline: pipeline, directory: directory, cores: 2) == nil)
        let one = try ingest(bytes, pipeline: pipeline, directory: directory, cores: 1, minBytes: 1024)
        let two = try ingest(bytes, pipeline: pipeline, directory: directory, cores: 2, minBytes: 1024)
        let same = two == one
        #expect(same)
    }

    /// A quote never closed in the last piece fails the run on the line one core names.
    @Test func anUnclosedQuoteInALaterPieceFailsAsOnOneCore() throws {
        let (pipeline, directory) = try setUp()
        let bytes = Self.export(rows: 3000) + Array("YH-Z,2020/01/04,苏巷镇,商贸制造,\"明光市,一般\n".utf8)
        var failures: [IngestFailure] = []
        for cores in [1, 2] {
            do { _ = try ingest(bytes, pipeline: pipeline, directory: directory, cores: cores, minBytes: 1024) } catch let failure as IngestFailure {
                failures.append(failure)
            }
        }
        #expect(failures.count == 2 && failures[0] == failures[1], "\(failures)")
        if case .unclosedQuote? = failures.first {} else { Issue.record("not an unclosed quote: \(failures)") }
    }

    /// The cut's line count: LFs before an offset (CRLF counted once).
    @Test func lineFeedsCountsEveryLF() throws {
        let directory = try Fixture.temporaryDirectory()
        var bytes: [UInt8] = []
        for i in 0..<5000 { bytes += Array("row \(i)\(i % 3 == 0 ? "\r\n" : "\n")".utf8) }
        FileManager.default.createFile(atPath: directory + "/f.csv", contents: Data(bytes))
        for end in [0, 1, 7, 4096, bytes.count / 2, bytes.count] {
            #expect(try CSVRecordScanner.lineFeeds(in: directory + "/f.csv", before: end) == bytes[..<end].filter { $0 == 0x0A }.count)
        }
    }
}
