/// The tables the workbook and the HTML report show, read from an indicator table: one sheet each
/// for 总体, 分行业, 分乡镇, 隐患整改, 执法 and 月度. Cells keep exact values; how a number looks
/// (integer, 万元 with decimals, percent with one decimal) is the column's format.
public struct ReportSheet: Sendable, Hashable {
    public enum Format: String, Sendable, Hashable {
        /// Text, written as text (never as a formula).
        case text
        case integer
        /// 万元, two decimals shown, the exact value stored.
        case wanYuan
        /// A ratio stored as a fraction (0.846) and shown as a percent with one decimal (84.6%).
        case percent
        /// A rate or ratio with its own decimals, shown as stored.
        case decimal
    }

    public enum Cell: Sendable, Hashable {
        case text(String)
        /// An exact number with the way it is shown.
        case number(ExactDecimal, Format)
        case empty

        /// The cell as plain text, as the HTML report shows it.
        public var display: String {
            switch self {
            case .empty: return ""
            case .text(let text): return text
            case .number(let value, let format):
                switch format {
                case .percent: return ExactDecimal(units: value.units, scale: value.scale - 2).fixed(1) + "%"
                case .wanYuan: return value.fixed(2)
                default: return value.description
                }
            }
        }
    }

    public struct Column: Sendable, Hashable {
        public let title: String
        public let format: Format
        public init(_ title: String, _ format: Format) { self.title = title; self.format = format }
    }

    public let name: String
    public let columns: [Column]
    public var rows: [[Cell]]
    /// What the reader must know about the rows (shown under the HTML table's heading).
    public var note: String?

    public init(name: String, columns: [Column], rows: [[Cell]], note: String? = nil) {
        self.name = name; self.columns = columns; self.rows = rows; self.note = note
    }
}

public struct ReportTables: Sendable {
    public let table: IndicatorTable
    public let pipeline: PipelineConfig
    public let period: ReportingPeriod

    public init(table: IndicatorTable, pipeline: PipelineConfig, period: String? = nil) throws(MappingProblem) {
        self.table = table
        self.pipeline = pipeline
        self.period = try pipeline.period(named: period ?? pipeline.reportPeriod)
        guard table.periods.contains(where: { $0.name == self.period.name }) else {
            throw MappingProblem("the indicator table has no figures for period \(self.period.name)")
        }
    }

    /// The seven sheets, in workbook order.
    public var sheets: [ReportSheet] { [overall, bySector, byRegion, byCategory, hazards, enforcement, monthly] }

    /// 分事故类别: accidents, deaths (and missing), serious injuries (and poisoning) and loss per
    /// accident category (GB 6441) against the same period last year; categories with accidents in
    /// either year, 不详 for accidents the departments gave no category, then the total.
    var byCategory: ReportSheet {
        let p = period.name
        let codes: [(String, IndicatorCode, Bool)] = [
            ("事故起数", .accidents, true), ("死亡人数", .deaths, true), ("下落不明人数", .missing, false),
            ("重伤人数", .seriousInjuries, false), ("急性工业中毒人数", .acutePoisonings, false), ("直接经济损失（万元）", .directLossWanYuan, false),
        ]
        var columns: [ReportSheet.Column] = [.init("事故类别", .text)]
        for (title, code, compared) in codes {
            columns.append(.init(title, format(code)))
            if compared { columns += [.init("上年同期", .integer), .init("增减", .integer)] }
        }
        func row(_ label: String, _ b: Breakdown) -> [ReportSheet.Cell] {
            var cells: [ReportSheet.Cell] = [.text(label)]
            for (_, code, compared) in codes {
                cells.append(cell(code, p, b))
                if compared { cells += [previous(code, p, b), change(code, p, b)] }
            }
            return cells
        }
        let names = pipeline.categoryList.names + [AccidentCategories.unknownKey]
        let rows = names.filter { table.row(.accidents, period: p, breakdown: Breakdown(.category, $0)) != nil }
            .map { row($0, Breakdown(.category, $0)) } + [row("合计", .all)]
        return ReportSheet(name: "分事故类别", columns: columns, rows: rows)
    }

    func format(_ code: IndicatorCode) -> ReportSheet.Format {
        switch code {
        case .rectificationRate: .percent
        case .directLossWanYuan, .finesWanYuan, .drillFundsWanYuan: .wanYuan
        default: code.isRelative ? .decimal : .integer
        }
    }

    /// A value as its cell: rates become fractions, absent values stay empty (never NaN).
    func cell(_ value: ExactDecimal?, _ code: IndicatorCode) -> ReportSheet.Cell {
        guard let value else { return .empty }
        return code == .rectificationRate ? .number(ExactDecimal(units: value.units, scale: value.scale + 2), .percent)
            : .number(value, format(code))
    }

    /// A count or sum; a slice the table has no row for had no records, so its count is 0.
    /// Rates and ratios stay absent (nil) without a row: there is no denominator.
    public func value(_ code: IndicatorCode, _ period: String, _ breakdown: Breakdown = .all) -> ExactDecimal? {
        guard let row = table.row(code, period: period, breakdown: breakdown) else { return code.isRate ? nil : ExactDecimal(integer: 0) }
        return row.value
    }

    /// The same period last year, as `value`.
    public func previousValue(_ code: IndicatorCode, _ period: String, _ breakdown: Breakdown = .all) -> ExactDecimal? {
        guard let row = table.row(code, period: period, breakdown: breakdown) else { return code.isRate ? nil : ExactDecimal(integer: 0) }
        return row.previousValue
    }

    func cell(_ code: IndicatorCode, _ period: String, _ breakdown: Breakdown = .all) -> ReportSheet.Cell {
        cell(value(code, period, breakdown), code)
    }

    func previous(_ code: IndicatorCode, _ period: String, _ breakdown: Breakdown = .all) -> ReportSheet.Cell {
        cell(previousValue(code, period, breakdown), code)
    }

    func change(_ code: IndicatorCode, _ period: String, _ breakdown: Breakdown = .all) -> ReportSheet.Cell {
        guard let now = value(code, period, breakdown), let before = previousValue(code, period, breakdown) else { return .empty }
        return .number(now - before, code.isRate ? .decimal : format(code))
    }

    static func dates(_ period: ReportingPeriod) -> ReportSheet.Cell { .text("\(period.start)至\(period.end)") }

    /// 整改率 with its counts, as the bulletin prints it: 84.6%（418/494）.
    public func rateWithCounts(_ period: String, _ breakdown: Breakdown = .all) -> String {
        guard let rate = table.row(.rectificationRate, period: period, breakdown: breakdown)?.value else { return "" }
        let fixed = table.row(.hazardsRectified, period: period, breakdown: breakdown)?.value?.units ?? 0
        let found = table.row(.hazardsIdentified, period: period, breakdown: breakdown)?.value?.units ?? 0
        return "\(rate.fixed(1))%（\(fixed)/\(found)）"
    }

    static let indicatorNames: [IndicatorCode: String] = [
        .accidents: "事故起数", .deaths: "死亡人数", .seriousInjuries: "重伤人数", .minorInjuries: "轻伤人数",
        .missing: "下落不明人数", .deathsAndMissing: "死亡和下落不明人数", .acutePoisonings: "急性工业中毒人数",
        .seriousInjuriesAndPoisonings: "重伤人数（含急性工业中毒）",
        .directLossWanYuan: "直接经济损失", .majorAccidents: "较大以上事故起数", .majorAccidentDeaths: "较大以上事故死亡人数",
        .accidentsScopeUnknown: "未注明是否生产经营性事故", .hazardsIdentified: "排查隐患", .hazardsRectified: "已整改隐患",
        .rectificationRate: "整改率", .majorHazards: "重大隐患", .majorHazardsRectified: "重大隐患已整改",
        .listedHazards: "挂牌督办隐患", .listedHazardsRectified: "挂牌督办隐患已整改", .listingBatches: "挂牌批次",
        .hazardsRectifiedOnTime: "按期整改隐患", .hazardsOverdue: "逾期未整改隐患", .violations: "违法违规行为",
        .fines: "罚款处罚", .suspensions: "停产整顿", .closures: "关闭取缔", .licencesSuspendedOrRevoked: "暂扣吊销证照",
        .rectificationOrders: "责令限期整改", .finesWanYuan: "罚款金额", .inspectionGroups: "检查组批次",
        .enterprisesInspected: "检查企业", .drills: "应急演练", .drillParticipants: "演练参加人数",
        .drillFundsWanYuan: "演练投入资金", .cityWideDrills: "全市性综合演练", .deathsPer100mGDP: "亿元GDP生产安全事故死亡率",
        .deathsPer100kWorkers: "工矿商贸十万就业人员死亡率", .roadDeathsPer10kVehicles: "道路交通万车死亡率",
    ]

    /// The Chinese name of an indicator, as headers and tables show it.
    public static func name(_ code: IndicatorCode) -> String { indicatorNames[code] ?? code.rawValue }

    /// 总体: every whole-area indicator of the report period against the same period last year.
    public var overall: ReportSheet {
        let p = period.name
        let rows: [[ReportSheet.Cell]] = IndicatorCode.allCases.compactMap { code in
            guard code != .accidentsByGrade, table.row(code, period: p) != nil else { return nil }
            let row = table.row(code, period: p)!
            return [.text(ReportTables.name(code)), .text(code.unit), cell(row.value, code), cell(row.previousValue, code),
                    change(code, p), row.change.changePercent.map { .number(ExactDecimal(units: $0.units, scale: $0.scale + 2), .percent) } ?? .empty]
        }
        return ReportSheet(name: "总体", columns: [.init("指标", .text), .init("单位", .text), .init("本期", .decimal),
                                                  .init("上年同期", .decimal), .init("增减", .decimal), .init("增减幅度", .percent)],
                           rows: rows)
    }

    static let breakdownColumns: [(String, IndicatorCode, Bool)] = [
        ("事故起数", .accidents, true), ("死亡人数", .deaths, true), ("重伤人数", .seriousInjuries, false),
        ("直接经济损失（万元）", .directLossWanYuan, false), ("排查隐患", .hazardsIdentified, false),
        ("已整改隐患", .hazardsRectified, false), ("整改率", .rectificationRate, false),
    ]

    func breakdownSheet(_ name: String, _ heading: String, _ dimension: Breakdown.Dimension, _ list: CodeList) -> ReportSheet {
        var columns: [ReportSheet.Column] = [.init(heading, .text)]
        for (title, code, compared) in ReportTables.breakdownColumns {
            columns.append(.init(title, format(code)))
            if compared { columns += [.init("上年同期", .integer), .init("增减", .integer)] }
        }
        columns.append(.init("整改率（已整改/排查）", .text))
        let p = period.name
        func row(_ label: String, _ breakdown: Breakdown) -> [ReportSheet.Cell] {
            var cells: [ReportSheet.Cell] = [.text(label)]
            for (_, code, compared) in ReportTables.breakdownColumns {
                cells.append(cell(code, p, breakdown))
                if compared { cells += [previous(code, p, breakdown), change(code, p, breakdown)] }
            }
            cells.append(.text(rateWithCounts(p, breakdown)))
            return cells
        }
        let rows = list.entries.map { row($0.label, Breakdown(dimension, $0.name)) } + [row("合计", .all)]
        return ReportSheet(name: name, columns: columns, rows: rows)
    }

    var bySector: ReportSheet { breakdownSheet("分行业", "行业领域", .sector, pipeline.sectorList) }
    var byRegion: ReportSheet { breakdownSheet("分乡镇", "乡镇（街道）", .region, pipeline.regionList) }

    func perPeriod(_ name: String, _ codes: [IndicatorCode], extra: [(String, (String) -> ReportSheet.Cell)] = []) -> ReportSheet {
        let columns = [ReportSheet.Column("统计期", .text), .init("起止日期", .text)] + codes.map { .init(ReportTables.name($0), format($0)) }
            + extra.map { .init($0.0, .text) }
        let rows = table.periods.map { period in
            [.text(period.name), ReportTables.dates(period)] + codes.map { cell($0, period.name) } + extra.map { $0.1(period.name) }
        }
        return ReportSheet(name: name, columns: columns, rows: rows)
    }

    /// 隐患整改: every period (the report period, campaigns, years) with the rate and its counts.
    var hazards: ReportSheet {
        perPeriod("隐患整改", [.hazardsIdentified, .hazardsRectified, .rectificationRate, .majorHazards, .majorHazardsRectified,
                             .hazardsRectifiedOnTime, .hazardsOverdue, .listedHazards],
                  extra: [("整改率（已整改/排查）", { .text(self.rateWithCounts($0)) })])
    }

    /// 执法: every period's enforcement actions and inspections.
    var enforcement: ReportSheet {
        perPeriod("执法", [.violations, .closures, .suspensions, .licencesSuspendedOrRevoked, .rectificationOrders, .fines,
                         .finesWanYuan, .inspectionGroups, .enterprisesInspected])
    }

    /// The months of the report period, `YYYY-MM` keys.
    public var months: [String] { period.monthKeys }

    /// 月度: each month of the report period against the same month last year.
    var monthly: ReportSheet {
        let p = period.name
        let rows: [[ReportSheet.Cell]] = months.map { key in
            let b = Breakdown(.month, key)
            return [.text(key), cell(.accidents, p, b), previous(.accidents, p, b), cell(.deaths, p, b), previous(.deaths, p, b),
                    cell(.seriousInjuries, p, b), previous(.seriousInjuries, p, b), cell(.hazardsIdentified, p, b),
                    cell(.hazardsRectified, p, b), cell(.violations, p, b)]
        }
        return ReportSheet(name: "月度", columns: [.init("月份", .text), .init("事故起数", .integer), .init("上年同期", .integer),
                                                  .init("死亡人数", .integer), .init("上年同期", .integer), .init("重伤人数", .integer),
                                                  .init("上年同期", .integer), .init("排查隐患", .integer), .init("已整改隐患", .integer),
                                                  .init("违法违规行为", .integer)],
                           rows: rows)
    }
}

extension ReportingPeriod {
    /// The months the period touches, as `YYYY-MM` (the keys of month breakdowns).
    public var monthKeys: [String] {
        var out: [String] = []
        var (year, month) = (start.year, start.month)
        while (year, month) <= (end.year, end.month) {
            out.append("\(year)-\(month < 10 ? "0" : "")\(month)")
            (year, month) = month == 12 ? (year + 1, 1) : (year, month + 1)
        }
        return out
    }
}

/// The 督办清单 in numbers, for the bulletin: hazards overdue and open at the period's end, how many
/// are 重大 or 挂牌督办, and the departments that hold them, most first.
public struct SupervisionSummary: Sendable {
    public var asOf: String
    public var hazards: Int
    public var major: Int
    public var listed: Int
    public var byDepartment: [(department: String, hazards: Int)]

    public init(asOf: String, hazards: Int, major: Int, listed: Int, byDepartment: [(department: String, hazards: Int)]) {
        self.asOf = asOf; self.hazards = hazards; self.major = major; self.listed = listed; self.byDepartment = byDepartment
    }
}
