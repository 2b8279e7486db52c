import Foundation
import Testing
@testable import SafetyIO
@testable import SafetyCore

/// A second office, set up as a county would: its own pipeline file (no templates), a landing
/// folder with a subfolder per department, traffic police XML whose export date sits on the root
/// and whose losses carry their own unit, a hazard ledger, and a summary kept by department.
/// Everything through `make`, as the clerk runs it.
@Suite(.serialized)
struct SecondCountyTests {
    static let pipeline = """
    name: laian
    title: 来安县
    report_period: 2022-YTD-09
    focus_sector: 道路交通运输
    exports:
      - files: "交警大队/*.xml"
        mapping: mappings/traffic.yaml
      - files: "应急局/hazards-*.csv"
        mapping: mappings/hazards.yaml
        covers: {year: "-(\\\\d{4})\\\\d{4}\\\\.csv"}
      - files: "安委办/*.csv"
        mapping: mappings/summary.yaml
    sectors:
      - {name: 道路交通运输, label: 道路交通运输业, short_label: 道路交通}
      - {name: 建筑, label: 建筑业}
      - {name: 其他, label: 其他行业领域}
    regions:
      - {name: 新安镇}
      - {name: 水口镇}
    """

    static let traffic = """
    department: 交警大队
    kind: accident
    format: xml
    xml: {namespaces: {jj: "urn:laian:jj"}, record: /jj:Export/jj:Accident}
    export_date: {column: "/jj:Export/@generated"}
    fields:
      id: "@id"
      date: jj:Date
      region: jj:Town
      sector: {constant: 道路交通运输}
      deaths: jj:Deaths
      serious_injuries: jj:Serious
      minor_injuries: {not_exported: true}
      direct_loss_wan_yuan: {from: jj:Loss, unit: 元, unit_from: jj:Loss/@unit}
      scope: {constant: operating}
    """

    static let hazards = """
    department: 应急管理局
    kind: hazard
    format: csv
    export_date: {file_name_pattern: "-(\\\\d{8})\\\\.csv"}
    fields:
      id: 隐患编号
      found_date: 排查日期
      region: 乡镇
      sector: {constant: 建筑}
      enterprise: 企业名称
      level: {from: 隐患级别, values: {一般隐患: 一般, 重大隐患: 重大}}
      rectified_date: 整改日期
      deadline: 整改期限
      listed: {constant: 否}
    """

    static let summary = """
    department: 安委办
    kind: hazard_summary
    format: csv
    export_date: {constant: 2022-10-08}
    fields:
      id: 序号
      period_start: {constant: 2022-01-01}
      period_end: {constant: 2022-09-30}
      department: 部门
      identified: 排查数
      rectified: 整改数
      stated_rate: 整改率
    """

    /// Two traffic exports, each dated on its root: last year's and this year's.
    static func trafficXML(generated: String, _ accidents: [(id: String, date: String, town: String, deaths: Int, loss: String)]) -> String {
        "<jj:Export xmlns:jj=\"urn:laian:jj\" generated=\"\(generated)\">\n" + accidents.map {
            "<jj:Accident id=\"\($0.id)\"><jj:Date>\($0.date)</jj:Date><jj:Town>\($0.town)</jj:Town><jj:Deaths>\($0.deaths)</jj:Deaths>"
                + "<jj:Serious>0</jj:Serious>\($0.loss)</jj:Accident>\n"
        }.joined() + "</jj:Export>\n"
    }

    static func write(_ text: String, _ path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test func aCountyFromALandingFolderWithoutTemplates() throws {
        let work = NSTemporaryDirectory() + "safety-county-" + UUID().uuidString
        let (pipelineDir, landing, out) = (work + "/Pipelines/laian", work + "/landing", work + "/out")
        try Self.write(Self.pipeline, pipelineDir + "/pipeline.yaml")
        try Self.write(Self.traffic, pipelineDir + "/mappings/traffic.yaml")
        try Self.write(Self.hazards, pipelineDir + "/mappings/hazards.yaml")
        try Self.write(Self.summary, pipelineDir + "/mappings/summary.yaml")
        // 2021: two road accidents, 3 deaths; 2022 to September: three, 2 deaths, losses in 元 and 万元.
        try Self.write(Self.trafficXML(generated: "2022-01-05", [("J21-1", "2021-03-02", "新安镇", 2, "<jj:Loss>10000</jj:Loss>"),
                                                                  ("J21-2", "2021-08-09", "水口镇", 1, "<jj:Loss>5000</jj:Loss>")]),
                       landing + "/交警大队/事故-2021.xml")
        try Self.write(Self.trafficXML(generated: "2022-10-08", [("J22-1", "2022-02-11", "新安镇", 1, "<jj:Loss unit=\"万元\">1.5</jj:Loss>"),
                                                                  ("J22-2", "2022-05-20", "水口镇", 1, "<jj:Loss unit=\"元\">5000</jj:Loss>"),
                                                                  ("J22-3", "2022-09-30", "新安镇", 0, "<jj:Loss>2000</jj:Loss>")]),
                       landing + "/交警大队/事故-2022.xml")
        var ledger = "隐患编号,排查日期,乡镇,企业名称,隐患级别,整改日期,整改期限\n"
        for i in 1...40 {
            ledger += "H\(i),2022-0\(1 + i % 8)-10,\(i % 2 == 0 ? "新安镇" : "水口镇"),企业\(i),\(i % 10 == 0 ? "重大隐患" : "一般隐患"),"
                + (i <= 29 ? "2022-09-1\(i % 9)" : "") + ",2022-12-31\n"
        }
        ledger += "H41,2022-03-10,新安镇,企业41,一般隐患,2022-13-01,2022-12-31\n"  // one bad date of 41: not a failed run
        try Self.write(ledger, landing + "/应急局/hazards-20221008.csv")
        try Self.write("序号,部门,排查数,整改数,整改率\n1,住建局,30,24,80.0%\n2,市场监管局,10,5,50.0%\n", landing + "/安委办/汇总.csv")

        let root = SamplePipelineTests.root
        let (status, output) = try CommandLine.run(["make", "-C", root, "-j2", "BUILD=no", "BIN=\(SamplePipelineTests.bin)",
                                                    "PIPELINE=laian", "PIPELINE_FILE=\(pipelineDir)/pipeline.yaml",
                                                    "DATA=\(landing)", "OUT=\(out)", "PERIOD=", "all"])
        #expect(status == 0, "make failed:\n\(output)")
        let table = try IndicatorRun.readTable(csvPath: out + "/indicators.csv")
        func v(_ code: IndicatorCode, _ breakdown: Breakdown = .all) -> (ExactDecimal?, ExactDecimal?) {
            let row = table.row(code, period: "2022-YTD-09", breakdown: breakdown)
            return (row?.value, row?.previousValue)
        }
        #expect(v(.accidents) == (ExactDecimal(integer: 3), ExactDecimal(integer: 2)))
        #expect(v(.deaths) == (ExactDecimal(integer: 2), ExactDecimal(integer: 3)))
        #expect(v(.directLossWanYuan).0 == ExactDecimal(units: 22, scale: 1), "1.5万 + 5000元 + 2000元 = 2.2万元")
        #expect(v(.minorInjuries).0 == nil, "not exported: unknown, not 0")
        #expect(v(.hazardsIdentified) == (ExactDecimal(integer: 40), nil), "应急局 exported 2022 only: no last year")
        #expect(v(.hazardsRectified).0 == ExactDecimal(integer: 29))
        #expect(v(.rectificationRate).0 == ExactDecimal(units: 725, scale: 1))

        let bulletin = try String(contentsOfFile: out + "/bulletin.md", encoding: .utf8)
        #expect(bulletin.hasPrefix("# 来安县安全生产形势通报（截至9月底）"))
        #expect(bulletin.contains("截至9月底，全县共发生道路交通运输业事故3起，造成2人死亡、0人重伤，较上年同期，事故起数增加1起、死亡人数减少1人"))
        #expect(bulletin.contains("（一）截至9月底全县安全生产工作。期间，全县各行各业共排查各类事故隐患40个、治理整顿各类事故隐患29个，整改率72.5%（29/40）"))
        #expect(!bulletin.contains("全市"))

        let rejects = try String(contentsOfFile: out + "/rejects.csv", encoding: .utf8)
        #expect(rejects.contains("应急局/hazards-20221008.csv,,42,41,rectified_date,2022-13-01,"))
        let summaries = try String(contentsOfFile: out + "/normalized/hazard_summary.csv", encoding: .utf8)
        #expect(summaries.contains(",住建局,") && summaries.contains(",市场监管局,"))
        let accidents = try String(contentsOfFile: out + "/normalized/accident.csv", encoding: .utf8)
        #expect(accidents.contains("J22-1,交警大队,2022-10-08,") && accidents.contains("J21-1,交警大队,2022-01-05,"))
    }
}
