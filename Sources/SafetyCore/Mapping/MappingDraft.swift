/// A first mapping for an export nobody has mapped yet, from its column headers: the record kind
/// whose fields the headers name most often, each field matched from the headers departments
/// commonly use (事故编号, 发生日期, 死亡人数, 隐患编号, 整改日期, 罚款金额…), money units read off
/// the header (罚款(万元)), and a TODO for every field the mapping must still name. A draft to
/// edit, never used unchecked: `safety-ingest --check` runs it.
public struct MappingDraft: Sendable, Equatable {
    public var kind: RecordKind
    /// Field → the header it is read from (in the export's column order).
    public var matches: [(field: String, header: String, unit: MoneyUnit?)]
    /// Fields the common format needs that no header matched.
    public var missing: [String]

    public static func == (a: MappingDraft, b: MappingDraft) -> Bool {
        a.kind == b.kind && a.missing == b.missing
            && a.matches.map { "\($0.field)|\($0.header)|\($0.unit?.rawValue ?? "")" }
            == b.matches.map { "\($0.field)|\($0.header)|\($0.unit?.rawValue ?? "")" }
    }

    /// Headers as departments write them, by record kind and field; a header matches when it
    /// equals one of these or starts with one followed by a bracket (死亡人数（人）, 罚款(万元)).
    static let vocabulary: [RecordKind: [(String, [String])]] = [
        .accident: [("id", ["事故编号", "编号", "序号"]), ("date", ["发生日期", "事故日期", "发生时间", "事故发生时间", "日期"]),
                    ("region", ["乡镇", "乡镇（街道）", "乡镇(街道)", "所在乡镇", "发生地", "属地"]),
                    ("sector", ["行业领域", "行业", "所属行业", "行业类别"]), ("deaths", ["死亡人数", "死亡"]),
                    ("serious_injuries", ["重伤人数", "重伤"]), ("minor_injuries", ["轻伤人数", "轻伤"]),
                    ("direct_loss_wan_yuan", ["直接经济损失", "直接财产损失", "经济损失"]), ("scope", ["是否生产经营性", "事故性质"])],
        .hazard: [("id", ["隐患编号", "编号", "序号"]), ("found_date", ["排查日期", "发现日期", "检查日期", "登记日期"]),
                  ("region", ["乡镇", "乡镇（街道）", "乡镇(街道)", "所在乡镇", "属地"]), ("sector", ["行业领域", "行业", "所属行业"]),
                  ("enterprise", ["企业名称", "单位名称", "生产经营单位", "工程名称", "项目名称"]), ("level", ["隐患级别", "隐患等级", "级别"]),
                  ("rectified_date", ["整改日期", "整改完成日期", "完成整改日期", "销号日期"]), ("deadline", ["整改期限", "整改时限", "限改日期", "限期"]),
                  ("listed", ["挂牌督办", "是否挂牌督办"]), ("listing_batch", ["督办批次", "挂牌批次"]), ("status", ["整改状态", "整改情况"])],
        .enforcement: [("id", ["案件编号", "文书编号", "决定书编号", "编号"]), ("date", ["处罚日期", "决定日期", "执法日期", "日期"]),
                       ("region", ["乡镇", "乡镇（街道）", "所在乡镇", "属地"]), ("sector", ["行业领域", "行业", "所属行业"]),
                       ("enterprise", ["企业名称", "单位名称", "当事人"]), ("action", ["处罚种类", "处理措施", "执法措施", "处罚类型"]),
                       ("fine_yuan", ["罚款金额", "罚款", "罚款数额"])],
        .inspection: [("id", ["检查编号", "编号"]), ("date", ["检查日期", "日期"]), ("region", ["乡镇", "乡镇（街道）", "所在乡镇"]),
                      ("sector", ["行业领域", "行业"]), ("enterprise", ["企业名称", "被检查单位", "单位名称"]),
                      ("group_id", ["检查组", "检查组编号", "批次"])],
        .drill: [("id", ["编号", "序号"]), ("date", ["演练日期", "日期"]), ("region", ["乡镇", "乡镇（街道）", "所在乡镇"]),
                 ("name", ["演练名称", "名称"]), ("participants", ["参加人数", "参演人数"]), ("funds_yuan", ["投入资金", "经费"]),
                 ("city_wide", ["是否全市性", "全市性综合演练"])],
    ]

    /// The draft for `headers`, or nil when no kind's vocabulary matches at least two headers.
    public static func draft(headers: [String]) -> MappingDraft? {
        var best: MappingDraft?
        var bestScore = 1
        for kind in [RecordKind.accident, .hazard, .enforcement, .inspection, .drill] {
            // Each field takes the header that matches the earliest of its names (事故编号 before 序号);
            // a header serves one field.
            var chosen: [String: (header: Int, rank: Int)] = [:]
            var taken = Set<Int>()
            for (field, names) in vocabulary[kind]! {
                var best: (header: Int, rank: Int)?
                for (index, header) in headers.enumerated() where !taken.contains(index) {
                    let clean = TextCleaning.trimmed(header)
                    guard let rank = names.firstIndex(where: { clean == $0 || clean.hasPrefix($0 + "(") || clean.hasPrefix($0 + "（") })
                    else { continue }
                    if best == nil || rank < best!.rank { best = (index, rank) }
                }
                if let best { chosen[field] = best; taken.insert(best.header) }
            }
            let used = Set(chosen.keys)
            let matches = chosen.sorted { $0.value.header < $1.value.header }.map { field, pick in
                (field: field, header: headers[pick.header], unit: money.contains(field) ? unit(in: TextCleaning.trimmed(headers[pick.header])) : nil)
            }
            // Fields the kind needs; `id` counts double so an id column decides between kinds.
            let score = matches.count + (used.contains("id") ? 1 : 0)
            if score > bestScore {
                bestScore = score
                let needed = (RecordSchema.body(of: kind).filter { $0.required || RecordSchema.unknowable.contains($0.name) }.map(\.name) + ["id"])
                    .filter { !RecordSchema.optionalInMappings.contains($0) }
                best = MappingDraft(kind: kind, matches: matches, missing: needed.filter { !used.contains($0) }.sorted())
            }
        }
        return best
    }

    static let money: Set<String> = ["direct_loss_wan_yuan", "fine_yuan", "funds_yuan"]

    /// 万元 or 元 when the header says so (罚款(万元), 金额（元）).
    static func unit(in header: String) -> MoneyUnit? {
        if header.contains("万元") { return .wanYuan }
        if header.contains("(元)") || header.contains("（元）") { return .yuan }
        return nil
    }

    /// The draft as a mapping file: `department`, the export date and every TODO for a clerk to fill.
    public func yaml(format: String, encoding: String, delimiter: String, headerRow: Int, exportDatePattern: String?) -> String {
        var lines = ["# Draft by safety-ingest --describe: check every line, fill each TODO, then",
                     "# run safety-ingest --check on the export until the rejects are what you expect.",
                     "department: TODO          # the exporting department, as reports name it",
                     "kind: \(kind.rawValue)", "format: \(format)"]
        if encoding != "utf-8" { lines.append("encoding: \(encoding)") }
        if format == "csv" { lines.append("csv: {header_row: \(headerRow)" + (delimiter == "," ? "" : ", delimiter: \"\(delimiter == "\t" ? "\\t" : delimiter)\"") + "}") }
        if let exportDatePattern {
            lines.append("export_date: {file_name_pattern: \"\(exportDatePattern)\"}")
        } else {
            lines.append("export_date: {constant: TODO}   # or {column: …} if a column holds it")
        }
        lines.append("fields:")
        for match in matches {
            let from = MappingDraft.quoted(match.header)
            if let unit = match.unit {
                lines.append("  \(match.field): {from: \(from), unit: \(unit.rawValue)}")
            } else if MappingDraft.money.contains(match.field) {
                lines.append("  \(match.field): {from: \(from), unit: 元}   # TODO: 元 or 万元?")
            } else {
                lines.append("  \(match.field): \(from)")
            }
        }
        for field in missing {
            lines.append(RecordSchema.unknowable.contains(field)
                ? "  \(field): {not_exported: true}   # TODO: or the column that holds it"
                : "  \(field): TODO   # a column, or {constant: …}")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A header as a YAML scalar: quoted when YAML would read it otherwise.
    static func quoted(_ text: String) -> String {
        let plain = !text.isEmpty && !text.contains { ":#{}[],&*!|>'\"%@`".contains($0) } && text.first != " " && text.last != " "
        return plain ? text : "\"" + text.components(separatedByString: "\\").joined(separator: "\\\\").components(separatedByString: "\"").joined(separator: "\\\"") + "\""
    }
}
