/// The Chinese bulletin (通报) written from an indicator table: 总体形势 for the report period and
/// one paragraph per campaign under 重点工作. Every number comes from the table; the words
/// 增加 / 减少 / 持平 / 上年同期为零 follow the data.
public struct BulletinText: Sendable {
    public let table: IndicatorTable
    public let pipeline: PipelineConfig

    public init(table: IndicatorTable, pipeline: PipelineConfig) {
        self.table = table
        self.pipeline = pipeline
    }

    private func int(_ code: IndicatorCode, _ period: String, sector: String = "", fullScope: Bool = false) -> (Int64, Int64) {
        let breakdown = Breakdown(sector.isEmpty ? .total : .sector, sector, fullScope: fullScope)
        guard let row = table.row(code, period: period, breakdown: breakdown) else { return (0, 0) }
        return (row.value?.units ?? 0, row.previousValue?.units ?? 0)
    }

    private func decimal(_ code: IndicatorCode, _ period: String) -> ExactDecimal {
        table.row(code, period: period)?.value ?? ExactDecimal(integer: 0)
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

    /// The whole bulletin as Markdown, for `reportPeriod` (default: the pipeline's). Campaign
    /// paragraphs appear for the campaigns the table has figures for.
    public func markdown(reportPeriod: String? = nil) throws(MappingProblem) -> String {
        let report = try pipeline.period(named: reportPeriod ?? pipeline.reportPeriod)
        guard table.periods.contains(where: { $0.name == report.name }) else {
            throw MappingProblem("the indicator table has no figures for period \(report.name)")
        }
        var out = "# \(pipeline.title)安全生产形势通报（\(BulletinText.phrase(for: report))）\n\n"
        out += "统计期：\(BulletinText.dateText(report.start))至\(BulletinText.dateText(report.end))；"
        out += "上年同期：\(BulletinText.dateText(report.sameLastYear.start))至\(BulletinText.dateText(report.sameLastYear.end))。\n\n"
        out += "## 一、总体形势\n\n" + overview(report) + "\n\n"
        out += "## 二、重点工作\n\n"
        var number = 1
        for campaign in pipeline.campaigns where table.periods.contains(where: { $0.name == campaign.name }) {
            let period = try pipeline.period(named: campaign.name)
            let text = work(period)
            guard !text.isEmpty else { continue }
            out += "（\(ChineseNumeral.text(number))）“\(period.name)”（\(BulletinText.dateText(period.start))至\(BulletinText.dateText(period.end))）。"
            out += text + "\n\n"
            number += 1
        }
        let (listed, _) = int(.listedHazards, report.name)
        if listed > 0 {
            let (batches, _) = int(.listingBatches, report.name)
            let batchText = batches > 0 ? "先后分\(ChineseNumeral.text(Int(batches), counting: true))批" : ""
            out += "（\(ChineseNumeral.text(number))）挂牌督办。\(BulletinText.phrase(for: report))，\(batchText)对\(listed)项重大隐患挂牌督办整治。\n"
        }
        return out
    }

    /// 总体形势: the focus sector, its 较大以上 accidents, then every other sector together.
    public func overview(_ period: ReportingPeriod) -> String {
        let p = period.name
        let focus = pipeline.focusSector
        let sectors = pipeline.sectorList
        let focusEntry = sectors.entries.first { $0.name == focus }
        let label = focusEntry?.label ?? focus
        let shortLabel = focusEntry?.shortLabel ?? focus
        var text = ""
        let a = int(.accidents, p, sector: focus), d = int(.deaths, p, sector: focus), s = int(.seriousInjuries, p, sector: focus)
        if a.0 > 0 {
            text += "\(BulletinText.phrase(for: period))，全市共发生\(label)事故\(a.0)起，造成\(d.0)人死亡、\(s.0)人重伤，"
            text += "较上年同期，事故起数\(YearOverYearChange.words(current: a.0, previous: a.1, unit: "起"))、"
            text += "死亡人数\(YearOverYearChange.words(current: d.0, previous: d.1, unit: "人"))、"
            text += "重伤人数\(YearOverYearChange.words(current: s.0, previous: s.1, unit: "人"))。"
        } else {
            text += "\(BulletinText.phrase(for: period))，全市未发生\(label)事故，较上年同期，"
            text += "事故起数\(YearOverYearChange.words(current: a.0, previous: a.1, unit: "起"))、"
            text += "死亡人数\(YearOverYearChange.words(current: d.0, previous: d.1, unit: "人"))。"
        }
        let m = int(.majorAccidents, p, sector: focus), md = int(.majorAccidentDeaths, p, sector: focus)
        text += m.0 > 0 ? "发生较大以上\(shortLabel)事故\(m.0)起，造成\(md.0)人死亡" : "未发生较大以上\(shortLabel)事故"
        text += "，较上年同期，事故起数\(YearOverYearChange.words(current: m.0, previous: m.1, unit: "起"))、"
        text += "死亡人数\(YearOverYearChange.words(current: md.0, previous: md.1, unit: "人"))。"

        let fa = int(.accidents, p, sector: focus, fullScope: true), fd = int(.deaths, p, sector: focus, fullScope: true)
        if fa != a || fd != d {
            text += "全口径统计，全市共发生\(shortLabel)事故\(fa.0)起、死亡\(fd.0)人（含非生产经营性事故），较上年同期，"
            text += "事故起数\(YearOverYearChange.words(current: fa.0, previous: fa.1, unit: "起"))、"
            text += "死亡人数\(YearOverYearChange.words(current: fd.0, previous: fd.1, unit: "人"))。"
        }
        let allA = int(.accidents, p), allD = int(.deaths, p)
        let oa = (allA.0 - a.0, allA.1 - a.1), od = (allD.0 - d.0, allD.1 - d.1)
        let others = sectors.entries.filter { $0.name != focus }.map(\.label)
        let list = others.count > 1 ? others.dropLast().joined(separator: "、") + "及" + others.last! : others.joined()
        text += oa.0 > 0
            ? "\(list)共发生生产安全事故\(oa.0)起，造成\(od.0)人死亡"
            : "\(list)继续保持稳定，未发生生产安全事故"
        text += "，较上年同期，事故起数\(YearOverYearChange.words(current: oa.0, previous: oa.1, unit: "起"))、"
        text += "死亡人数\(YearOverYearChange.words(current: od.0, previous: od.1, unit: "人"))。"
        let unknown = int(.accidentsScopeUnknown, p, fullScope: true).0
        if unknown > 0 {
            text += "另有\(unknown)起事故未注明是否属生产经营性，未纳入统计，请报送部门核实。"
        }
        return text
    }

    /// One campaign's figures, clause by clause; a clause appears only when it has records.
    public func work(_ period: ReportingPeriod) -> String {
        let p = period.name
        var sentences: [String] = []
        let groups = int(.inspectionGroups, p).0, inspected = int(.enterprisesInspected, p).0
        if inspected > 0 {
            sentences.append("全市共组成专项督查检查组\(groups)批次，督导检查企业\(inspected)家（次）")
        }
        let found = int(.hazardsIdentified, p).0, fixed = int(.hazardsRectified, p).0
        if found > 0 {
            let rate = table.row(.rectificationRate, period: p)?.value?.fixed(1) ?? ""
            var clause = "全市各行各业共排查各类事故隐患\(found)个、治理整顿各类事故隐患\(fixed)个，整改率\(rate)%（\(fixed)/\(found)）"
            let major = int(.majorHazards, p).0
            if major > 0 { clause += "；先后对\(major)项重大隐患实施挂牌整治，整治完成\(int(.majorHazardsRectified, p).0)项" }
            sentences.append(clause)
        }
        let violations = int(.violations, p).0
        if violations > 0 {
            var parts: [String] = []
            for (code, words) in [(IndicatorCode.closures, "关闭取缔企业%家"), (.suspensions, "停产整顿企业%家"),
                                  (.licencesSuspendedOrRevoked, "暂扣吊销证照%个"), (.rectificationOrders, "责令限期整改企事业单位%家")] {
                let n = int(code, p).0
                if n > 0 { parts.append(words.replacingPercent(with: String(n))) }
            }
            var clause = "共打击各类严重违法违规行为\(violations)起"
            if !parts.isEmpty { clause += "，其中" + parts.joined(separator: "、") }
            let fines = decimal(.finesWanYuan, p)
            if !fines.isZero { clause += "，实施行政处罚罚款\(fines)万元" }
            sentences.append(clause)
        }
        let drills = int(.drills, p).0
        if drills > 0 {
            var clause = "全市共举行各类应急演练活动\(drills)场，参加人数\(int(.drillParticipants, p).0)人次，投入资金\(decimal(.drillFundsWanYuan, p))万元"
            let cityWide = int(.cityWideDrills, p).0
            if cityWide > 0 { clause += "，其中全市性综合演练\(cityWide)场" }
            sentences.append(clause)
        }
        return sentences.isEmpty ? "" : "期间，" + sentences.joined(separator: "。") + "。"
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
