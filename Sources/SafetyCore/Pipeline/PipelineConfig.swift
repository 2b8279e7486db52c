/// A pipeline file (`Pipelines/<name>/pipeline.yaml`): the city's code lists, which mapping reads
/// which export, the reporting periods, and limits. Paths are relative to the pipeline folder.
///
/// Example: `report_period: 2020-YTD-10`, a campaign `{name: 百日除患铸安, start: 2020-07-20, days: 100}`,
/// and `exports: [{files: "jiaojing-accidents-*.xml.gz", mapping: mappings/jiaojing-accidents.yaml}]`.
public struct PipelineConfig: Sendable, Decodable {
    /// A named campaign period (专项行动), given by start and either end or a number of days.
    public struct Campaign: Sendable, Decodable, Hashable {
        public var name: String
        public var start: String
        public var end: String?
        public var days: Int?

        public init(name: String, start: String, end: String? = nil, days: Int? = nil) {
            self.name = name; self.start = start; self.end = end; self.days = days
        }
    }

    /// Export files matching a glob are read with one mapping.
    public struct ExportRule: Sendable, Decodable, Hashable {
        public var files: String
        public var mapping: String
        /// What each export of this rule covers, up to its export date: `{year: "-(\\d{4})-"}` (the
        /// calendar year the file name names) or `{from: 2019-01-01}`. Without it, an export covers
        /// everything up to its export date.
        public var covers: CoverageRule?
    }

    public struct CoverageRule: Sendable, Decodable, Hashable {
        /// A regular expression whose first group captures the year from the file name.
        public var year: String?
        public var from: String?

        /// The days an export named `fileName` covers, before its export date is applied.
        public func span(fileName: String) throws(MappingProblem) -> (start: LocalDate?, end: LocalDate?) {
            if let from {
                guard case .success(let date) = DateText.parse(from) else { throw MappingProblem("covers: from \"\(from)\" is not a date") }
                return (date, nil)
            }
            guard let year else { throw MappingProblem("covers needs year (a pattern on the file name) or from (a date)") }
            guard let text = try FileNamePattern.firstCapture(year, in: fileName, option: "covers: year"), let y = Int(text),
                  (1900...2999).contains(y) else {
                throw MappingProblem("file name \"\(fileName)\" does not name a year matching covers: year \(year)")
            }
            return (LocalDate(year: y, month: 1, day: 1), LocalDate(year: y, month: 12, day: 31))
        }
    }

    /// A named set of sectors counted together (工矿商贸).
    public struct SectorGroup: Sendable, Decodable, Hashable {
        public var name: String
        public var sectors: [String]
        public init(name: String, sectors: [String]) { self.name = name; self.sectors = sectors }
    }

    /// Limits that stop hostile or broken files with a clear failure instead of unbounded work.
    public struct Limits: Sendable, Decodable, Hashable {
        /// Largest CSV record or XML text node, in bytes (an unclosed quote hits this).
        public var maxRecordBytes: Int = 1 << 20
        /// Most members an archive may have.
        public var maxArchiveMembers: Int = 10_000
        /// Most bytes a gzip stream may inflate to (decompression bombs hit this).
        public var maxInflatedBytes: Int = 16 << 30
        /// Check ids within each export (duplicates kept once, conflicts rejected). Keeps one key
        /// per record of the export in memory; a pipeline whose exports are known unique may turn it off.
        public var checkDuplicateIDs = true

        enum CodingKeys: String, CodingKey {
            case maxRecordBytes = "max_record_bytes", maxArchiveMembers = "max_archive_members", maxInflatedBytes = "max_inflated_bytes"
            case checkDuplicateIDs = "check_duplicate_ids"
        }

        public init() {}

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            maxRecordBytes = try c.decodeIfPresent(Int.self, forKey: .maxRecordBytes) ?? maxRecordBytes
            maxArchiveMembers = try c.decodeIfPresent(Int.self, forKey: .maxArchiveMembers) ?? maxArchiveMembers
            maxInflatedBytes = try c.decodeIfPresent(Int.self, forKey: .maxInflatedBytes) ?? maxInflatedBytes
            checkDuplicateIDs = try c.decodeIfPresent(Bool.self, forKey: .checkDuplicateIDs) ?? checkDuplicateIDs
        }
    }

    public var name: String
    /// The place name used in sentences (全市 refers to it).
    public var title: String
    /// The area word of the bulletin's sentences (全市, 全县, 全区); default from the title's last
    /// character (明光市 → 全市, 某县 → 全县), 全市 when it names none.
    public var area: String?
    /// The period the bulletin's 总体形势 describes, e.g. `2020-YTD-10`.
    public var reportPeriod: String
    /// Further periods to compute beside the report period and the campaigns.
    public var periods: [String]
    public var campaigns: [Campaign]
    /// The sector the bulletin's first sentence is about (道路交通运输).
    public var focusSector: String
    public var sectors: [CodeList.Entry]
    public var regions: [CodeList.Entry]
    /// 事故类别: GB 6441-86's twenty categories unless the pipeline gives its own list.
    public var accidentCategories: [CodeList.Entry]
    public var exports: [ExportRule]
    /// An export whose rejected share exceeds this fails its run (0.05 = 5%) — when it also
    /// rejected more than `minRejectsToFail` records, so one bad row of five does not fail a run.
    public var maxRejectRate: Double
    public var minRejectsToFail: Int
    public var sectorGroups: [SectorGroup]
    /// The sector whose deaths count per 万 motor vehicles (道路交通运输).
    public var roadSector: String?
    /// The group whose deaths count per 10万 workers (工矿商贸).
    public var workersGroup: String?
    /// The reference data file (GDP, workers, vehicles per year and region), relative to the pipeline folder.
    public var referenceData: String?
    /// Days after an accident within which casualty counts may be revised, per source department;
    /// `default` for the rest (30; 7 for road traffic and fire).
    public var correctionWindowDays: [String: Int]
    /// How rates and percentages are rounded at output: half_up (default), half_even, truncate.
    public var rounding: RoundingMode
    public var limits: Limits

    enum CodingKeys: String, CodingKey {
        case name, title, area, reportPeriod = "report_period", periods, campaigns, focusSector = "focus_sector"
        case sectors, regions, accidentCategories = "accident_categories", exports, maxRejectRate = "max_reject_rate", minRejectsToFail = "min_rejects_to_fail"
        case sectorGroups = "sector_groups", roadSector = "road_sector", workersGroup = "workers_group", referenceData = "reference_data"
        case correctionWindowDays = "correction_window_days", rounding, limits
    }

    public init(name: String, title: String, reportPeriod: String, periods: [String] = [], campaigns: [Campaign] = [],
                focusSector: String, sectors: [CodeList.Entry], regions: [CodeList.Entry], exports: [ExportRule] = [],
                maxRejectRate: Double = 0.05, minRejectsToFail: Int = 10) {
        self.name = name; self.title = title; self.reportPeriod = reportPeriod; self.periods = periods
        self.campaigns = campaigns; self.focusSector = focusSector; self.sectors = sectors; self.regions = regions
        self.accidentCategories = AccidentCategories.gb6441
        self.exports = exports; self.maxRejectRate = maxRejectRate; self.minRejectsToFail = minRejectsToFail
        self.sectorGroups = []
        self.correctionWindowDays = [:]
        self.rounding = .halfUp
        self.limits = Limits()
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        title = try c.decodeIfPresent(String.self, forKey: .title) ?? name
        area = try c.decodeIfPresent(String.self, forKey: .area)
        reportPeriod = try c.decode(String.self, forKey: .reportPeriod)
        periods = try c.decodeIfPresent([String].self, forKey: .periods) ?? []
        campaigns = try c.decodeIfPresent([Campaign].self, forKey: .campaigns) ?? []
        focusSector = try c.decode(String.self, forKey: .focusSector)
        sectors = try c.decode([CodeList.Entry].self, forKey: .sectors)
        regions = try c.decode([CodeList.Entry].self, forKey: .regions)
        accidentCategories = try c.decodeIfPresent([CodeList.Entry].self, forKey: .accidentCategories) ?? AccidentCategories.gb6441
        exports = try c.decode([ExportRule].self, forKey: .exports)
        maxRejectRate = try c.decodeIfPresent(Double.self, forKey: .maxRejectRate) ?? 0.05
        minRejectsToFail = try c.decodeIfPresent(Int.self, forKey: .minRejectsToFail) ?? 10
        sectorGroups = try c.decodeIfPresent([SectorGroup].self, forKey: .sectorGroups) ?? []
        roadSector = try c.decodeIfPresent(String.self, forKey: .roadSector)
        workersGroup = try c.decodeIfPresent(String.self, forKey: .workersGroup)
        referenceData = try c.decodeIfPresent(String.self, forKey: .referenceData)
        correctionWindowDays = try c.decodeIfPresent([String: Int].self, forKey: .correctionWindowDays) ?? [:]
        rounding = try c.decodeIfPresent(RoundingMode.self, forKey: .rounding) ?? .halfUp
        limits = try c.decodeIfPresent(Limits.self, forKey: .limits) ?? Limits()
    }

    /// The correction window for a source department's accidents.
    public func correctionWindow(for source: String) -> Int {
        correctionWindowDays[source] ?? correctionWindowDays["default"] ?? 30
    }

    /// Sector → the groups it belongs to, for the accumulator.
    public var groupsOfSector: [String: [String]] {
        var result: [String: [String]] = [:]
        for group in sectorGroups { for sector in group.sectors { result[sector, default: []].append(group.name) } }
        return result
    }

    public var sectorList: CodeList { CodeList(sectors) }
    public var regionList: CodeList { CodeList(regions) }
    public var categoryList: CodeList { CodeList(accidentCategories) }

    /// Resolves a period name: a campaign's name, or `2020-10`, `2020Q3`, `2020`, `2020-YTD-10`.
    public func period(named text: String) throws(MappingProblem) -> ReportingPeriod {
        if let campaign = campaigns.first(where: { $0.name == text }) {
            guard case .success(let start) = DateText.parse(campaign.start) else {
                throw MappingProblem("campaign \(campaign.name): start \"\(campaign.start)\" is not a date")
            }
            let end: LocalDate
            if let text = campaign.end, case .success(let date) = DateText.parse(text), campaign.days == nil {
                end = date
            } else if let days = campaign.days, days > 0, campaign.end == nil {
                end = start.adding(days: days - 1)
            } else {
                throw MappingProblem("campaign \(campaign.name): give either an end date or a number of days")
            }
            guard start <= end else { throw MappingProblem("campaign \(campaign.name) ends before it starts") }
            return ReportingPeriod(kind: .campaign, name: campaign.name, start: start, end: end)
        }
        guard let period = ReportingPeriod(parsing: text) else {
            throw MappingProblem("period \"\(text)\" is not a campaign of this pipeline nor one of 2020-10, 2020Q3, 2020, 2020-YTD-10")
        }
        return period
    }

    /// The report period, the campaigns, then the extra periods, without repeats.
    public func reportingPeriods() throws(MappingProblem) -> [ReportingPeriod] {
        var result: [ReportingPeriod] = []
        for name in [reportPeriod] + campaigns.map(\.name) + periods {
            let period = try period(named: name)
            if !result.contains(where: { $0.name == period.name }) { result.append(period) }
        }
        return result
    }

    /// 全市, 全县, 全区…: the pipeline's `area`, or from the title's last character.
    public var areaWord: String {
        if let area, !area.isEmpty { return area }
        if let last = title.last, ["市", "县", "区", "旗", "州", "盟"].contains(last) { return "全" + String(last) }
        return "全市"
    }

    /// Whether `rejected` of `read` records fail an export's run: over both the rate and the count.
    public func rejectsFail(rejected: Int, read: Int) -> Bool {
        read > 0 && rejected > minRejectsToFail && Double(rejected) > Double(read) * maxRejectRate
    }

    /// Problems that make the pipeline file unusable, one sentence each.
    public func problems() -> [String] {
        var problems: [String] = []
        do { _ = try reportingPeriods() } catch { problems.append(error.description) }
        if sectorList.canonical(focusSector) == nil { problems.append("focus_sector \"\(focusSector)\" is not in sectors") }
        if !(0...1).contains(maxRejectRate) { problems.append("max_reject_rate must be between 0 and 1") }
        if minRejectsToFail < 0 { problems.append("min_rejects_to_fail must be 0 or more") }
        if exports.isEmpty { problems.append("exports is empty") }
        for (list, entries) in [("sectors", sectors), ("regions", regions), ("accident_categories", accidentCategories)] {
            var seen: [String: String] = [:]
            for entry in entries {
                for spelling in [entry.name] + entry.aliases {
                    if let other = seen[spelling], other != entry.name {
                        problems.append("\(list): \"\(spelling)\" names both \(other) and \(entry.name)")
                    }
                    seen[spelling] = entry.name
                }
            }
        }
        if accidentCategories.contains(where: { $0.name == AccidentCategories.unknownKey }) {
            problems.append("accident_categories: \"\(AccidentCategories.unknownKey)\" is the word for accidents without a category, not a category")
        }
        for group in sectorGroups {
            for sector in group.sectors where sectorList.canonical(sector) != sector {
                problems.append("sector group \(group.name): \"\(sector)\" is not a sector name")
            }
        }
        if let roadSector, sectorList.canonical(roadSector) != roadSector { problems.append("road_sector \"\(roadSector)\" is not a sector name") }
        if let workersGroup, !sectorGroups.contains(where: { $0.name == workersGroup }) {
            problems.append("workers_group \"\(workersGroup)\" is not in sector_groups")
        }
        return problems
    }
}
