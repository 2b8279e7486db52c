/// The figures and phrases of the Chinese bulletin (通报), read from an indicator table for one
/// period. The wording lives in templates a clerk can edit (`Pipelines/<p>/templates/`); this
/// model supplies every number and the words that follow the data: 增加 / 减少 / 持平 /
/// 上年同期为零, rates with their counts, sector lists, Chinese ordinals.
///
/// Every value is text, a flag (`Bool`), a nested object or a list, so a template never formats
/// a number itself. The keys are documented in `Pipelines/README.md`.
public struct BulletinText: Sendable {
    public let table: IndicatorTable
    public let pipeline: PipelineConfig
    /// The 督办清单 at the period's end, when the report has the records (safety.sqlite).
    public let supervision: SupervisionSummary?

    public init(table: IndicatorTable, pipeline: PipelineConfig, supervision: SupervisionSummary? = nil) {
        self.table = table
        self.pipeline = pipeline
        self.supervision = supervision
    }

    /// The template a period is written with: 月度通报, 季度分析 or 年度总结 (a year, or the year so far).
    public static func template(for period: ReportingPeriod) -> String {
        switch period.kind {
        case .month, .campaign: "month"
        case .quarter: "quarter"
        case .year, .yearToDate: "year"
        }
    }

    /// This period's value (0 where the table has no row: no records either year); nil when unknown.
    private func pair(_ code: IndicatorCode, _ period: String, _ breakdown: Breakdown = .all) -> (Int64, Int64) {
        let f = figure(code, period, breakdown)
        return (f.now ?? 0, f.before ?? 0)
    }

    /// A count with last year's and whether they compare, as the table says (no row: 0 and 0).
    func figure(_ code: IndicatorCode, _ period: String, _ breakdown: Breakdown = .all) -> Figure {
        guard let row = table.row(code, period: period, breakdown: breakdown) else { return Figure(now: 0, before: 0) }
        return Figure(now: row.value?.units, before: row.previousValue?.units,
                      comparable: row.value == nil || row.previousValue == nil || row.change.change != nil)
    }

    private func lastYearsLoss(_ period: String, _ breakdown: Breakdown) -> String {
        guard let row = table.row(.directLossWanYuan, period: period, breakdown: breakdown) else { return "0" }
        return row.previousValue?.description ?? Figure.noData
    }

    /// A sum departments may not know in full, for the template: `<key>` the known sum,
    /// `<key>_known` (false when every record's figure is unknown: say 不详, never 0),
    /// `<key>_partial` and `<key>_unknown` (how many records' figures are missing from the sum),
    /// `has_<key>` when there is anything to say (a sum above zero, or an unknown).
    private func sum(_ key: String, _ code: IndicatorCode, _ period: String, _ breakdown: Breakdown = .all) -> [String: Any] {
        let row = table.row(code, period: period, breakdown: breakdown)
        let value = row?.value, unknown = row?.unknownRecords ?? 0
        return [key: (value ?? ExactDecimal(integer: 0)).description, key + "_known": value != nil,
                key + "_partial": value != nil && unknown > 0, key + "_unknown": String(unknown),
                "has_" + key: !(value?.isZero ?? true) || unknown > 0]
    }

    /// `截至10月底`, `2020年10月`, `2020年第三季度`, `2020年`, or the campaign's name with 期间.
    public static func phrase(for period: ReportingPeriod) -> String {
        switch period.kind {
        case .yearToDate: "截至\(period.end.month)月底"
        case .month: "\(period.start.year)年\(period.start.month)月"
        case .quarter: "\(period.start.year)年第\(ChineseNumeral.text((period.start.month - 1) / 3 + 1))季度"
        case .year: "\(period.start.year)年"
        case .campaign: "“\(period.name)”期间"
        }
    }

    public static func dateText(_ date: LocalDate) -> String { "\(date.year)年\(date.month)月\(date.day)日" }

    /// 农林渔牧业、采矿业及其他行业领域
    static func list(_ labels: [String]) -> String {
        labels.count > 1 ? labels.dropLast().joined(separator: "、") + "及" + labels.last! : labels.joined()
    }

    /// Counts with their change words: `accidents`, `accidents_previous`, `accidents_change`, …;
    /// `any` when a count is above zero or unknown, `known` when every count is known (a template
    /// says 不详 rather than 未发生 when it is not).
    private func counts(_ period: String, _ breakdown: Breakdown, _ items: [(String, IndicatorCode, String)]) -> [String: Any] {
        var out: [String: Any] = [:]
        var any = false, known = true
        for (key, code, unit) in items {
            let f = figure(code, period, breakdown)
            out.merge(f.context(key, unit: unit)) { $1 }
            any = any || (f.now ?? 1) > 0
            known = known && (f.now != nil || code.canBeUnknown)
        }
        out["any"] = any
        out["known"] = known
        return out
    }

    private static let casualties: [(String, IndicatorCode, String)] = [
        ("accidents", .accidents, "起"), ("deaths", .deaths, "人"), ("serious_injuries", .seriousInjuries, "人"),
        ("minor_injuries", .minorInjuries, "人"),
    ]

    /// Deaths (or serious injuries) as published: with the persons missing (死亡和下落不明), or
    /// with acute industrial poisoning (重伤，包括急性工业中毒), when any are known this period or
    /// the same period last year; `minus` takes a breakdown's part out (every sector but the focus).
    /// `added` is the known count added this period (nil when none was, in either year).
    func published(_ base: IndicatorCode, with extra: IndicatorCode, _ p: String, _ b: Breakdown,
                   minus other: Breakdown? = nil) -> (figure: Figure, added: Int64?) {
        let plain = other.map { figure(base, p, b) - figure(base, p, $0) } ?? figure(base, p, b)
        func part(_ b: Breakdown) -> (now: Int64, before: Int64, unknownNow: Int64, unknownBefore: Int64) {
            guard let row = table.row(extra, period: p, breakdown: b) else { return (0, 0, 0, 0) }
            return (row.value?.units ?? 0, row.previousValue?.units ?? 0, row.unknownRecords, row.previousUnknownRecords)
        }
        var x = part(b)
        if let other {
            let o = part(other)
            x = (x.now - o.now, x.before - o.before, x.unknownNow - o.unknownNow, x.unknownBefore - o.unknownBefore)
        }
        guard x.now > 0 || x.before > 0 else { return (plain, nil) }
        var f = Figure(now: plain.now.map { $0 + x.now }, before: plain.before.map { $0 + x.before },
                       comparable: plain.comparable && x.unknownNow == 0 && x.unknownBefore == 0)
        if plain.comparable && !f.comparable {
            f.note = extra == .missing ? "部分事故未报下落不明人数" : "部分事故未报急性工业中毒人数"
        }
        return (f, x.now)
    }

    /// Overrides `deaths` and `serious_injuries` with the published figures, and says so:
    /// `with_missing` and `missing`, `with_poisoning` and `poisoned`.
    private func publishedCasualties(_ out: inout [String: Any], _ p: String, _ b: Breakdown, minus other: Breakdown? = nil) {
        for (key, base, extra, flag, count) in [("deaths", IndicatorCode.deaths, IndicatorCode.missing, "with_missing", "missing"),
                                                ("serious_injuries", .seriousInjuries, .acutePoisonings, "with_poisoning", "poisoned")] {
            let (f, added) = published(base, with: extra, p, b, minus: other)
            out[flag] = added != nil
            out[count] = String(added ?? 0)
            if added != nil { out.merge(f.context(key, unit: "人")) { $1 } }
        }
    }

    private func casualties(_ period: String, _ breakdown: Breakdown) -> [String: Any] {
        var out = counts(period, breakdown, BulletinText.casualties)
        publishedCasualties(&out, period, breakdown)
        out.merge(sum("loss", .directLossWanYuan, period, breakdown)) { $1 }
        out["direct_loss"] = out["loss"]
        out["direct_loss_previous"] = lastYearsLoss(period, breakdown)
        out["minor_injuries_unknown"] = String(table.row(.minorInjuries, period: period, breakdown: breakdown)?.unknownRecords ?? 0)
        return out
    }

    /// The template context for a period (default: the pipeline's report period).
    public func context(reportPeriod: String? = nil) throws(MappingProblem) -> [String: Any] {
        let report = try pipeline.period(named: reportPeriod ?? pipeline.reportPeriod)
        guard table.periods.contains(where: { $0.name == report.name }) else {
            throw MappingProblem("the indicator table has no figures for period \(report.name)")
        }
        let p = report.name
        var c: [String: Any] = [
            "title": pipeline.title,
            "area": pipeline.areaWord,
            "period": p,
            "phrase": BulletinText.phrase(for: report),
            "start": BulletinText.dateText(report.start),
            "end": BulletinText.dateText(report.end),
            "previous_start": BulletinText.dateText(report.sameLastYear.start),
            "previous_end": BulletinText.dateText(report.sameLastYear.end),
        ]
        c["total"] = casualties(p, .all)
        c["full_scope_total"] = casualties(p, Breakdown.all.inFullScope)
        c.merge(overview(p)) { $1 }
        let sectors = pipeline.sectorList.entries.compactMap { entry -> [String: Any]? in
            var row = casualties(p, .sector(entry.name))
            guard row["any"] as? Bool == true || (figure(.accidents, p, .sector(entry.name)).before ?? 1) > 0 else { return nil }
            row["label"] = entry.label
            return row
        }
        c["sectors"] = sectors
        c["has_sectors"] = !sectors.isEmpty
        c["months"] = months(report)
        let risingSectors = rising(p, dimension: .sector, names: pipeline.sectorList)
        let risingRegions = rising(p, dimension: .region, names: pipeline.regionList)
        c["rising_sectors"] = risingSectors
        c["rising_regions"] = risingRegions
        c["has_rising"] = !risingSectors.isEmpty || !risingRegions.isEmpty
        let periodWork = work(p)
        c["work"] = periodWork
        var number = 1
        var campaigns: [[String: Any]] = []
        for campaign in pipeline.campaigns where table.periods.contains(where: { $0.name == campaign.name }) {
            let period = try pipeline.period(named: campaign.name)
            guard period.start <= report.end, report.start <= period.end else { continue }
            var entry = work(period.name)
            guard entry["any"] as? Bool == true else { continue }
            entry["number"] = ChineseNumeral.text(number)
            entry["name"] = period.name
            entry["start"] = BulletinText.dateText(period.start)
            entry["end"] = BulletinText.dateText(period.end)
            campaigns.append(entry)
            number += 1
        }
        c["campaigns"] = campaigns
        c["has_campaigns"] = !campaigns.isEmpty
        let (listed, _) = pair(.listedHazards, p)
        let (batches, _) = pair(.listingBatches, p)
        c["listed"] = ["any": listed > 0, "number": ChineseNumeral.text(number), "hazards": String(listed),
                       "has_batches": batches > 0, "batches": ChineseNumeral.text(Int(batches), counting: true)] as [String: Any]
        if listed > 0 { number += 1 }
        // The period's own work figures, after the campaigns and 挂牌督办 (a pipeline without
        // campaigns still reports them).
        c["period_work"] = periodWork.merging(["number": ChineseNumeral.text(number)]) { $1 }
        if periodWork["any"] as? Bool == true { number += 1 }
        c["supervision"] = supervisionContext(number: number)
        return c
    }

    /// 督办清单: `any`, `number`, `as_of` (2020年10月31日), `hazards`, `has_major`/`major`,
    /// `has_listed`/`listed`, `departments` (the three holding most: 住建局12个、应急管理局5个).
    func supervisionContext(number: Int) -> [String: Any] {
        guard let s = supervision, s.hazards > 0 else { return ["any": false] }
        let asOf: String
        if case .success(let date) = DateText.parse(s.asOf) { asOf = BulletinText.dateText(date) } else { asOf = s.asOf }
        return ["any": true, "number": ChineseNumeral.text(number), "as_of": asOf, "hazards": String(s.hazards),
                "has_major": s.major > 0, "major": String(s.major), "has_listed": s.listed > 0, "listed": String(s.listed),
                "departments": s.byDepartment.prefix(3).map { "\($0.department)\($0.hazards)个" }.joined(separator: "、")]
    }

    /// 总体形势: the focus sector, its 较大以上 accidents, the full scope when it differs, and
    /// every other sector together.
    func overview(_ p: String) -> [String: Any] {
        let focus = pipeline.focusSector
        let focusEntry = pipeline.sectorList.entries.first { $0.name == focus }
        var f = casualties(p, .sector(focus))
        f["label"] = focusEntry?.label ?? focus
        f["short_label"] = focusEntry?.shortLabel ?? focus
        var major = counts(p, .sector(focus), [("accidents", .majorAccidents, "起"), ("deaths", .majorAccidentDeaths, "人")])
        major["any"] = (figure(.majorAccidents, p, .sector(focus)).now ?? 0) > 0
        f["major"] = major
        let inFull = Breakdown.sector(focus).inFullScope
        var full = casualties(p, inFull)
        full["differs"] = figure(.accidents, p, inFull) != figure(.accidents, p, .sector(focus))
            || figure(.deaths, p, inFull) != figure(.deaths, p, .sector(focus))
        // What the full scope adds: 非生产经营性 accidents, or ones whose department did not say.
        let outside = (figure(.accidents, p, inFull).now ?? 0) - (figure(.accidents, p, .sector(focus)).now ?? 0)
        let unsaid = figure(.accidentsScopeUnknown, p, inFull).now ?? 0
        full["includes"] = outside > unsaid || unsaid == 0 ? "含非生产经营性事故" : "含未注明是否属生产经营性的事故"
        f["full_scope"] = full

        let accidents = figure(.accidents, p) - figure(.accidents, p, .sector(focus))
        let deaths = figure(.deaths, p) - figure(.deaths, p, .sector(focus))
        var others: [String: Any] = ["list": BulletinText.list(pipeline.sectorList.entries.filter { $0.name != focus }.map(\.label)),
                                     "any": (accidents.now ?? 1) > 0, "known": accidents.now != nil && deaths.now != nil]
        others.merge(accidents.context("accidents", unit: "起")) { $1 }
        others.merge(deaths.context("deaths", unit: "人")) { $1 }
        publishedCasualties(&others, p, .all, minus: .sector(focus))
        let unknown = pair(.accidentsScopeUnknown, p, Breakdown.all.inFullScope).0
        return ["focus": f, "others": others, "scope_unknown": ["any": unknown > 0, "accidents": String(unknown)] as [String: Any]]
    }

    /// One period's work figures: inspections, hazards and rectification, enforcement, drills.
    /// Each part has `any`; the whole has `any` when one part has records.
    func work(_ p: String) -> [String: Any] {
        let groups = pair(.inspectionGroups, p).0, inspected = pair(.enterprisesInspected, p).0
        let inspection: [String: Any] = ["any": inspected > 0, "groups": String(groups), "enterprises": String(inspected)]

        let foundFigure = figure(.hazardsIdentified, p)
        let found = pair(.hazardsIdentified, p), fixed = pair(.hazardsRectified, p)
        let rate = table.row(.rectificationRate, period: p)?.value?.fixed(1) ?? ""
        let major = pair(.majorHazards, p).0, majorFixed = pair(.majorHazardsRectified, p).0
        let overdue = pair(.hazardsOverdue, p).0
        let hazards: [String: Any] = [
            "any": found.0 > 0, "identified": String(found.0), "rectified": String(fixed.0), "rate": rate,
            "rate_with_counts": rate.isEmpty ? "" : "\(rate)%（\(fixed.0)/\(found.0)）",
            "identified_change": foundFigure.words("个"), "known": foundFigure.now != nil,
            "has_major": major > 0, "major": String(major), "major_rectified": String(majorFixed),
            "has_overdue": overdue > 0, "overdue": String(overdue),
        ]

        let violations = pair(.violations, p).0
        var actions: [String] = []
        for (code, words) in [(IndicatorCode.closures, "关闭取缔企业%家"), (.suspensions, "停产整顿企业%家"),
                              (.licencesSuspendedOrRevoked, "暂扣吊销证照%个"), (.rectificationOrders, "责令限期整改企事业单位%家")] {
            let n = pair(code, p).0
            if n > 0 { actions.append(words.replacingPercent(with: String(n))) }
        }
        let enforcement: [String: Any] = [
            "any": violations > 0, "violations": String(violations), "has_actions": !actions.isEmpty,
            "actions": actions.joined(separator: "、"),
        ].merging(sum("fines", .finesWanYuan, p)) { $1 }

        let drills = pair(.drills, p).0, cityWide = pair(.cityWideDrills, p).0
        let drill: [String: Any] = [
            "any": drills > 0, "drills": String(drills), "participants": String(pair(.drillParticipants, p).0),
            "has_city_wide": cityWide > 0, "city_wide": String(cityWide),
        ].merging(sum("funds", .drillFundsWanYuan, p)) { $1 }
        return ["any": inspected > 0 || found.0 > 0 || violations > 0 || drills > 0,
                "inspection": inspection, "hazards": hazards, "enforcement": enforcement, "drills": drill]
    }

    /// The months of the period, each with this year's and last year's figures (走势).
    func months(_ report: ReportingPeriod) -> [[String: Any]] {
        report.monthKeys.map { key in
            var row = casualties(report.name, Breakdown(.month, key))
            row["month"] = "\(Int(key.suffix(2))!)月"
            row["hazards_identified"] = String(pair(.hazardsIdentified, report.name, Breakdown(.month, key)).0)
            row["hazards_rectified"] = String(pair(.hazardsRectified, report.name, Breakdown(.month, key)).0)
            return row
        }
    }

    /// Sectors or regions whose accidents rose most against the same period last year: at most
    /// three, largest increase first, ties in code-list order.
    func rising(_ p: String, dimension: Breakdown.Dimension, names: CodeList) -> [[String: Any]] {
        let rows = names.entries.enumerated().compactMap { index, entry -> (Int64, Int, [String: Any])? in
            let accidents = figure(.accidents, p, Breakdown(dimension, entry.name))
            guard accidents.rose, let now = accidents.now, let before = accidents.before else { return nil }
            var row: [String: Any] = ["label": entry.label]
            row.merge(accidents.context("accidents", unit: "起")) { $1 }
            row.merge(figure(.deaths, p, Breakdown(dimension, entry.name)).context("deaths", unit: "人")) { $1 }
            publishedCasualties(&row, p, Breakdown(dimension, entry.name))
            return (now - before, index, row)
        }
        return rows.sorted { $0.0 != $1.0 ? $0.0 > $1.0 : $0.1 < $1.1 }.prefix(3).map(\.2)
    }
}

/// A count as the bulletin words it: this period's, the same period's last year, and whether
/// the two compare. A count the exports do not cover is 不详, a last year they do not cover is
/// 无数据, and neither is ever compared as if it were 0.
struct Figure: Hashable {
    var now: Int64?
    var before: Int64?
    /// False when both are known but the exports cover this period only in part.
    var comparable = true
    /// Why they do not compare, when it is not the coverage.
    var note: String? = nil

    static let noData = "无数据"

    /// 增加3起 / 减少5人 / 持平, or why there is no comparison.
    func words(_ unit: String) -> String {
        guard let now else { return "无法比较（本期数据不详）" }
        guard let before else { return "无法比较（上年同期无数据）" }
        guard comparable else { return "无法比较（\(note ?? "本期数据不完整")）" }
        return YearOverYearChange.words(current: now, previous: before, unit: unit)
    }

    var rose: Bool {
        guard comparable, let now, let before else { return false }
        return now > before
    }

    /// `<key>`, `<key>_previous`, `<key>_change`, `<key>_rose` for a template.
    func context(_ key: String, unit: String) -> [String: Any] {
        [key: now.map(String.init) ?? "不详", key + "_previous": before.map(String.init) ?? Figure.noData,
         key + "_change": words(unit), key + "_rose": rose]
    }

    /// The part not in `other`: unknown where either is.
    static func - (a: Figure, b: Figure) -> Figure {
        Figure(now: a.now.flatMap { x in b.now.map { x - $0 } }, before: a.before.flatMap { x in b.before.map { x - $0 } },
               comparable: a.comparable && b.comparable)
    }
}

extension String {
    fileprivate func replacingPercent(with value: String) -> String {
        split(separator: "%", omittingEmptySubsequences: false).joined(separator: value)
    }
}

/// Chinese numerals for small counts in running text: 两批, 第三季度, （十二）.
public enum ChineseNumeral {
    static let digits = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"]

    /// 1…99 in Chinese characters; 2 is 两 only when counting (`counting: true`); others as digits.
    public static func text(_ n: Int, counting: Bool = false) -> String {
        switch n {
        case 2 where counting: return "两"
        case 0...9: return digits[n]
        case 10: return "十"
        case 11...19: return "十" + digits[n - 10]
        case 20...99: return digits[n / 10] + "十" + (n % 10 == 0 ? "" : digits[n % 10])
        default: return String(n)
        }
    }
}
