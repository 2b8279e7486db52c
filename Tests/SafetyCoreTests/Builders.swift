@testable import SafetyCore

/// Small record builders for tests: every field has a plain default.
enum Build {
    static func date(_ text: String) -> LocalDate { LocalDate(iso: text)! }

    static func provenance(_ line: Int = 1) -> Provenance {
        Provenance(source: "测试局", exportDate: date("2020-11-05"), position: SourcePosition(file: "t.csv", line: line, record: line))
    }

    static func accident(_ day: String, sector: String = "道路交通运输", region: String = "明光街道", deaths: Int = 0,
                         serious: Int = 0, lossFen: Int64? = 0, minor: Int? = 0, id: String = "A",
                         scope: AccidentScope = .operating) -> NormalizedRecord {
        .accident(AccidentRecord(id: id, provenance: provenance(), date: date(day), region: region, sector: sector,
                                 deaths: deaths, seriousInjuries: serious, minorInjuries: minor, directLossFen: lossFen, scope: scope))
    }

    static func hazard(_ found: String, rectified: String? = nil, major: Bool = false, listed: Bool = false,
                       batch: String = "", sector: String = "建筑") -> NormalizedRecord {
        .hazard(HazardRecord(id: "H", provenance: provenance(), foundDate: date(found), region: "明光街道", sector: sector,
                             enterprise: "某公司", level: major ? .major : .general, rectifiedDate: rectified.map(date),
                             deadline: nil, listed: listed, listingBatch: batch))
    }

    static func enforcement(_ day: String, _ action: EnforcementAction, fineFen: Int64? = 0) -> NormalizedRecord {
        .enforcement(EnforcementRecord(id: "E", provenance: provenance(), date: date(day), region: "明光街道",
                                       sector: "商贸制造", enterprise: "某公司", action: action, fineFen: fineFen))
    }

    static let sectors = CodeList([.init(name: "道路交通运输", label: "道路交通运输业", shortLabel: "道路交通"),
                                   .init(name: "建筑", label: "建筑业"), .init(name: "商贸制造", label: "商贸制造业"),
                                   .init(name: "其他", label: "其他行业领域")])
    static let regions = CodeList([.init(name: "明光街道"), .init(name: "女山湖镇", aliases: ["女山湖"])])
}
