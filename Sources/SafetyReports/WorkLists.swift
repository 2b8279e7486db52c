import CSQLite
import Foundation
import SafetyCore
import SafetyIO

/// The lists the office works from (明细, not counts), defined once as SQL views of safety.sqlite
/// and read back from it for the workbook, the HTML report, the CSV files and the bulletin:
///
/// - 督办清单 (`supervision_list`): every hazard found by the period's end, not rectified by then,
///   whose deadline had passed — 重大 and 挂牌督办 first, then the longest overdue;
/// - 挂牌督办 (`listed_hazards`): every listed hazard with its status at the period's end;
/// - 重点关注企业 (`repeat_offenders`): enterprises with two or more enforcement decisions in the
///   twelve months to the period's end and hazards on the 督办清单, together — a list for the
///   office's 黑名单/联合惩戒 review, not a verdict (names are matched as written);
/// - 较大以上事故 (`large_accidents`): every accident of the period graded 较大 or above.
///
/// The period is the database's `report_period` row. SQLite filters, sorts and groups (spilling to
/// disk as it needs), so memory holds the listed rows only, never the records behind them.
public enum WorkLists {
    public struct List: Sendable {
        public let view: String
        public let sheet: String
        public let file: String?
        public let sql: String
        public let columns: [ReportSheet.Column]
        public var note: String? = nil
    }

    public static let supervision = List(
        view: "supervision_list", sheet: "督办清单", file: "supervision.csv",
        sql: """
        SELECT h.source AS department, h.enterprise, h.region, h.sector, h.level,
               CASE WHEN h.listed = 'true' THEN '是' ELSE '否' END AS listed, h.listing_batch, h.found_date, h.deadline,
               CAST(julianday(p.period_end) - julianday(h.deadline) AS INTEGER) AS days_overdue, h.id, h.description
        FROM hazard h CROSS JOIN report_period p
        WHERE h.found_date <= p.period_end AND h.deadline < p.period_end
          AND (h.rectified_date IS NULL OR h.rectified_date > p.period_end)
        ORDER BY (h.level = '重大' OR h.listed = 'true') DESC, h.level = '重大' DESC, h.listed = 'true' DESC,
                 days_overdue DESC, h.source, h.id
        """,
        columns: [.init("部门", .text), .init("企业（单位）", .text), .init("乡镇（街道）", .text), .init("行业领域", .text),
                  .init("隐患等级", .text), .init("挂牌督办", .text), .init("挂牌批次", .text), .init("排查日期", .text),
                  .init("整改期限", .text), .init("逾期天数", .integer), .init("隐患编号", .text), .init("隐患描述", .text)])

    public static let listed = List(
        view: "listed_hazards", sheet: "挂牌督办", file: "listed-hazards.csv",
        sql: """
        SELECT h.source AS department, h.listing_batch, h.enterprise, h.region, h.sector, h.level, h.found_date, h.deadline,
               CASE WHEN h.rectified_date <= p.period_end THEN h.rectified_date END AS rectified_date,
               CASE WHEN h.rectified_date <= p.period_end THEN '已整改'
                    WHEN h.deadline < p.period_end THEN '逾期未整改' ELSE '整改中' END AS status, h.id
        FROM hazard h CROSS JOIN report_period p
        WHERE h.listed = 'true' AND h.found_date <= p.period_end
        ORDER BY status = '逾期未整改' DESC, status = '整改中' DESC, h.listing_batch, h.found_date, h.source, h.id
        """,
        columns: [.init("部门", .text), .init("挂牌批次", .text), .init("企业（单位）", .text), .init("乡镇（街道）", .text),
                  .init("行业领域", .text), .init("隐患等级", .text), .init("排查日期", .text), .init("整改期限", .text),
                  .init("整改日期", .text), .init("状态", .text), .init("隐患编号", .text)])

    public static let offenders = List(
        view: "repeat_offenders", sheet: "重点关注企业", file: "repeat-offenders.csv",
        sql: """
        WITH p AS (SELECT period_end, date(period_end, '-12 months') AS since FROM report_period),
        d AS (SELECT e.enterprise, COUNT(*) AS decisions, SUM(e.action = 'fine') AS fines, SUM(e.action = 'suspension') AS suspensions,
                     SUM(e.action = 'closure') AS closures, SUM(e.action = 'licence_suspended_or_revoked') AS licences,
                     SUM(e.action = 'rectification_order') AS orders, SUM(e.fine_yuan) AS fines_yuan,
                     SUM(e.action = 'fine' AND e.fine_yuan IS NULL) AS fines_unknown
              FROM enforcement e CROSS JOIN p WHERE e.date > p.since AND e.date <= p.period_end GROUP BY e.enterprise),
        o AS (SELECT enterprise, COUNT(*) AS overdue FROM supervision_list GROUP BY enterprise),
        x AS (SELECT enterprise FROM d UNION SELECT enterprise FROM o)
        SELECT x.enterprise, COALESCE(d.decisions, 0) + COALESCE(o.overdue, 0) AS total, COALESCE(d.decisions, 0) AS decisions,
               COALESCE(d.fines, 0) AS fines, COALESCE(d.suspensions, 0) AS suspensions, COALESCE(d.closures, 0) AS closures,
               COALESCE(d.licences, 0) AS licences, COALESCE(d.orders, 0) AS orders, d.fines_yuan,
               COALESCE(d.fines_unknown, 0) AS fines_unknown, COALESCE(o.overdue, 0) AS overdue_hazards
        FROM x LEFT JOIN d ON d.enterprise = x.enterprise LEFT JOIN o ON o.enterprise = x.enterprise
        WHERE COALESCE(d.decisions, 0) + COALESCE(o.overdue, 0) >= 2
        ORDER BY total DESC, overdue_hazards DESC, x.enterprise
        """,
        columns: [.init("企业（单位）", .text), .init("合计", .integer), .init("执法决定", .integer), .init("罚款", .integer),
                  .init("停产整顿", .integer), .init("关闭取缔", .integer), .init("暂扣吊销证照", .integer), .init("责令限期整改", .integer),
                  .init("罚款金额（元）", .decimal), .init("罚款金额不详", .integer), .init("逾期未整改隐患", .integer)],
        note: "近12个月内执法决定与逾期未整改隐患合计2次（个）以上的企业，供黑名单、联合惩戒复核参考，不是认定结论；企业按报送名称匹配。")

    public static let largeAccidents = List(
        view: "large_accidents", sheet: "较大以上事故", file: nil,
        sql: """
        SELECT a.date, a.time, a.region, a.sector, a.enterprise, a.category, a.deaths, a.missing, a.serious_injuries,
               a.acute_poisonings, a.direct_loss_wan_yuan, a.grade,
               CASE a.scope WHEN 'operating' THEN '生产经营性' WHEN 'non_operating' THEN '非生产经营性' ELSE '未注明' END AS scope,
               a.source, a.id
        FROM accident a CROSS JOIN report_period p
        WHERE a.grade IN ('较大', '重大', '特别重大') AND a.date >= p.period_start AND a.date <= p.period_end
        ORDER BY a.date, a.time, a.source, a.id
        """,
        columns: [.init("发生日期", .text), .init("时间", .text), .init("乡镇（街道）", .text), .init("行业领域", .text),
                  .init("事故单位", .text), .init("事故类别", .text), .init("死亡", .integer), .init("下落不明", .integer),
                  .init("重伤", .integer), .init("急性工业中毒", .integer), .init("直接经济损失（万元）", .wanYuan),
                  .init("事故等级", .text), .init("统计口径", .text), .init("报送部门", .text), .init("事故编号", .text)])

    /// In the order the workbook and the report show them (views that others use come first).
    public static let all = [supervision, listed, offenders, largeAccidents]

    /// The rows a sheet of the workbook or the HTML report shows: a document people read, kept
    /// as small as its readers need whatever the data's size; the CSV files and the views hold all.
    public static let shownRows = 1000

    /// The lists as sheets, read from a safety.sqlite written by `SQLiteExport`: the first
    /// `limit` rows of each, with a note saying how many there are where that is not all.
    public static func sheets(database path: String, limit: Int = shownRows) throws -> [ReportSheet] {
        try SQLiteExport.reading(path) { db in
            try all.map { list in
                let rows = try db.query("SELECT * FROM \(list.view) LIMIT \(limit)").map { cells(list, $0) }
                var note = list.note
                let count = rows.count == limit ? try db.query("SELECT COUNT(*) FROM \(list.view)").first?.first ?? nil : nil
                if let total = count.flatMap({ Int($0) }), total > limit {
                    let where_ = list.file.map { "全部\(total)条见\($0)和" } ?? "全部\(total)条见"
                    note = [note, "共\(total)条，此处列出前\(limit)条；\(where_)safety.sqlite的\(list.view)视图。"].compactMap { $0 }.joined(separator: " ")
                }
                return ReportSheet(name: list.sheet, columns: list.columns, rows: rows, note: note)
            }
        }
    }

    static func cells(_ list: List, _ values: [String?]) -> [ReportSheet.Cell] {
        zip(values, list.columns).map { value, column -> ReportSheet.Cell in
            guard let value else { return .empty }
            if column.format != .text, let number = DecimalText.decimal(value) { return .number(number, column.format) }
            return .text(value)
        }
    }

    /// What the bulletin says of the 督办清单: how many, how many 重大 and 挂牌督办, which departments hold most.
    public static func summary(database path: String) throws -> SupervisionSummary {
        try SQLiteExport.reading(path) { db in
            // One pass over the view: per department, the totals are their sums.
            let departments = try db.query("""
                SELECT department, COUNT(*) AS n, SUM(level = '重大'), SUM(listed = '是') FROM supervision_list
                GROUP BY department ORDER BY n DESC, department
                """).map { row in (department: row[0] ?? "", counts: row.dropFirst().map { Int($0 ?? "") ?? 0 }) }
            let period = try db.query("SELECT period_end FROM report_period")
            func total(_ column: Int) -> Int { departments.reduce(0) { $0 + $1.counts[column] } }
            return SupervisionSummary(asOf: period.first?.first.flatMap { $0 } ?? "", hazards: total(0), major: total(1), listed: total(2),
                                      byDepartment: departments.map { ($0.department, $0.counts[0]) })
        }
    }

    /// Writes a list as CSV for Excel (UTF-8 with BOM, Chinese headers, formula-like cells neutralised).
    /// Every row, streamed from the view.
    public static func writeCSV(_ list: List, database: String, to path: String) throws {
        let file = try AtomicFile(path: path)
        try file.write(ExcelCSV.byteOrderMark + CSVFormat.line(list.columns.map(\.title), neutralizeFormulas: true))
        try SQLiteExport.reading(database) { db in
            try db.forEachRow("SELECT * FROM \(list.view)") { values in
                try file.write(CSVFormat.line(cells(list, values).map(\.display), neutralizeFormulas: true))
            }
        }
        try file.commit()
    }
}
