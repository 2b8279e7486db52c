/// One column of the common format: its name, Table Schema type and meaning.
public struct SchemaField: Sendable, Hashable {
    public let name: String
    /// Frictionless Table Schema type: string, integer, number, date, boolean.
    public let type: String
    public let required: Bool
    public let minimum: Int?
    public let allowed: [String]?
    public let description: String

    init(_ name: String, _ type: String, required: Bool = true, minimum: Int? = nil,
         allowed: [String]? = nil, _ description: String) {
        self.name = name; self.type = type; self.required = required; self.minimum = minimum
        self.allowed = allowed; self.description = description
    }
}

/// The columns of each record kind's normalized CSV file, in order, and the conversions
/// between typed records and rows. `datapackage.json` is generated from these definitions.
public enum RecordSchema {
    static let head: [SchemaField] = [
        SchemaField("id", "string", "the record's id in the exporting department's system"),
        SchemaField("source", "string", "the exporting department"),
        SchemaField("export_date", "date", "the date the department produced the export"),
    ]
    static let tail: [SchemaField] = [
        SchemaField("source_file", "string", "the export file the record was read from"),
        SchemaField("source_member", "string", required: false, "the archive member, when the file is an archive"),
        SchemaField("source_line", "integer", minimum: 1, "the line where the record begins in the file or member"),
        SchemaField("source_record", "integer", minimum: 1, "the record's ordinal in the file or member"),
    ]

    public static func fields(of kind: RecordKind) -> [SchemaField] {
        head + body(of: kind) + tail
    }

    /// Fields a mapping may give only to check a record, never stored: a hazard's `status`
    /// (rectified / open), which must agree with its rectification date.
    public static func checkedOnly(_ kind: RecordKind) -> [String] {
        kind == .hazard ? ["status"] : []
    }

    /// Fields a mapping need not give: derived (grade), defaulting to a reported value (scope →
    /// unknown), or what few departments export (missing persons, poisoning, category, time,
    /// enterprise of an accident), which stay unknown (empty) when the mapping names no column.
    public static let optionalInMappings: Set<String> = ["grade", "scope", "missing", "acute_poisonings", "category", "time", "enterprise"]

    /// Figures a department may not know or not export: empty in the common format (null in
    /// JSON and SQLite), summed over the known values with the unknown ones counted, never 0.
    /// A mapping must still name them, with `{not_exported: true}` where the department has no such column.
    public static let unknowable: Set<String> = ["minor_injuries", "direct_loss_wan_yuan", "fine_yuan", "funds_yuan", "missing", "acute_poisonings"]

    /// The primary key of each kind's table: one department's record as of one export.
    public static let primaryKey = ["source", "id", "export_date"]

    /// Column indices of a row's content: everything but the id, source, export date and provenance.
    public static func contentColumns(of kind: RecordKind) -> Range<Int> {
        head.count..<(head.count + body(of: kind).count)
    }

    /// The optional text columns of accidents, hazards and enforcement decisions (`FreeText`).
    static func freeText(description: String) -> [SchemaField] {
        [SchemaField("description", "string", required: false, description),
         SchemaField("address", "string", required: false, "address of the site or enterprise, as written"),
         SchemaField("remark", "string", required: false, "remark (备注), as written")]
    }

    static func body(of kind: RecordKind) -> [SchemaField] {
        switch kind {
        case .accident:
            return [
                SchemaField("date", "date", "date the accident happened"),
                SchemaField("time", "string", required: false, "time of day it happened, HH:MM; empty when not given"),
                SchemaField("region", "string", "township or subdistrict (乡镇/街道)"),
                SchemaField("sector", "string", "sector (行业领域)"),
                SchemaField("enterprise", "string", required: false, "the enterprise or unit where it happened (事故单位); empty when not given"),
                SchemaField("category", "string", required: false, "accident category (事故类别, GB 6441-86), from the pipeline's accident_categories; empty when not given"),
                SchemaField("deaths", "integer", minimum: 0, "deaths (死亡人数)"),
                SchemaField("missing", "integer", required: false, minimum: 0, "persons missing (下落不明人数), apart from deaths; published and graded with them; empty when unknown"),
                SchemaField("serious_injuries", "integer", minimum: 0, "serious injuries as the department counts them (重伤人数), without the acute poisonings given apart"),
                SchemaField("acute_poisonings", "integer", required: false, minimum: 0, "acute industrial poisoning (急性工业中毒人数), apart from serious_injuries; graded as serious injuries; empty when unknown"),
                SchemaField("minor_injuries", "integer", required: false, minimum: 0, "minor injuries (轻伤人数); empty when unknown"),
                SchemaField("direct_loss_wan_yuan", "number", required: false, "direct economic loss in 万元, exact; empty when unknown"),
                SchemaField("grade", "string", allowed: SeverityGrade.allCases.map(\.rawValue), "severity grade (事故等级), derived"),
                SchemaField("scope", "string", allowed: AccidentScope.allCases.map(\.rawValue),
                            "operating (生产经营性, counted), non_operating or unknown (reported, not counted)"),
            ] + freeText(description: "what happened (事故简况), as the department wrote it")
        case .hazard:
            return [
                SchemaField("found_date", "date", "date the hazard was identified"),
                SchemaField("region", "string", "township or subdistrict"),
                SchemaField("sector", "string", "sector"),
                SchemaField("enterprise", "string", "the enterprise or site"),
                SchemaField("level", "string", allowed: HazardLevel.allCases.map(\.rawValue), "hazard level (隐患等级)"),
                SchemaField("rectified_date", "date", required: false, "date rectification was accepted; empty while open"),
                SchemaField("deadline", "date", required: false, "rectification deadline"),
                SchemaField("listed", "boolean", "listed for supervision (挂牌督办)"),
                SchemaField("listing_batch", "string", required: false, "listing batch (挂牌批次)"),
            ] + freeText(description: "the hazard (隐患描述), as the department wrote it")
        case .enforcement:
            return [
                SchemaField("date", "date", "date of the decision"),
                SchemaField("region", "string", "township or subdistrict"),
                SchemaField("sector", "string", "sector"),
                SchemaField("enterprise", "string", "the party"),
                SchemaField("action", "string", allowed: EnforcementAction.allCases.map(\.rawValue), "what was imposed"),
                SchemaField("fine_yuan", "number", required: false, "fine in 元, exact; 0 when none; empty when a fine's amount is unknown"),
            ] + freeText(description: "the violation (违法行为), as the department wrote it")
        case .inspection:
            return [
                SchemaField("date", "date", "date of the inspection"),
                SchemaField("region", "string", "township or subdistrict"),
                SchemaField("sector", "string", "sector"),
                SchemaField("enterprise", "string", "the enterprise inspected"),
                SchemaField("group_id", "string", "the inspection group sortie (检查组批次)"),
            ]
        case .hazardSummary:
            return [
                SchemaField("period_start", "date", "first day the summary covers"),
                SchemaField("period_end", "date", "last day the summary covers"),
                SchemaField("region", "string", required: false, "township or subdistrict the row sums up (or department)"),
                SchemaField("identified", "integer", minimum: 0, "hazards identified, as reported"),
                SchemaField("rectified", "integer", minimum: 0, "hazards rectified, as reported"),
                SchemaField("stated_rate", "number", required: false, "rectification rate as printed, percent; empty only where nothing was identified (0/0 has no rate)"),
                SchemaField("department", "string", required: false, "department the row sums up (部门), where a summary is kept by department, not region"),
            ]
        case .drill:
            return [
                SchemaField("date", "date", "date of the drill"),
                SchemaField("region", "string", "township or subdistrict"),
                SchemaField("name", "string", "what was drilled"),
                SchemaField("participants", "integer", minimum: 0, "participants (参加人次)"),
                SchemaField("funds_yuan", "number", "funds spent in 元, exact"),
                SchemaField("city_wide", "boolean", "a city-wide comprehensive drill (全市性综合演练)"),
            ]
        }
    }

    /// The record's values in column order.
    public static func row(_ record: NormalizedRecord) -> [String] {
        var row = StringRow()
        write(record, to: &row)
        return row.fields
    }

    /// Hands the record's values to `sink` in column order: the one definition of a row, shared
    /// by `row` and writers that format the values straight into bytes.
    @inlinable
    public static func write<Sink: RowSink>(_ record: NormalizedRecord, to sink: inout Sink) {
        let p = record.provenance
        sink.text(id(of: record)); sink.text(p.source); sink.date(p.exportDate)
        switch record {
        case .accident(let r):
            sink.date(r.date); sink.text(r.time); sink.text(r.region); sink.text(r.sector); sink.text(r.enterprise); sink.text(r.category)
            sink.integer(r.deaths)
            if let missing = r.missing { sink.integer(missing) } else { sink.text("") }
            sink.integer(r.seriousInjuries)
            if let poisoned = r.acutePoisonings { sink.integer(poisoned) } else { sink.text("") }
            if let minor = r.minorInjuries { sink.integer(minor) } else { sink.text("") }
            sink.text(r.directLossFen.map { ExactDecimal.wanYuan(fen: $0).description } ?? ""); sink.text(r.grade.rawValue)
            sink.text(r.scope.rawValue); sink.freeText(r.text)
        case .hazard(let r):
            sink.date(r.foundDate); sink.text(r.region); sink.text(r.sector); sink.text(r.enterprise); sink.text(r.level.rawValue)
            sink.date(r.rectifiedDate); sink.date(r.deadline); sink.text(r.listed ? "true" : "false"); sink.text(r.listingBatch)
            sink.freeText(r.text)
        case .enforcement(let r):
            sink.date(r.date); sink.text(r.region); sink.text(r.sector); sink.text(r.enterprise); sink.text(r.action.rawValue)
            sink.text(r.fineFen.map { ExactDecimal.yuan(fen: $0).description } ?? ""); sink.freeText(r.text)
        case .inspection(let r):
            sink.date(r.date); sink.text(r.region); sink.text(r.sector); sink.text(r.enterprise); sink.text(r.groupID)
        case .hazardSummary(let r):
            sink.date(r.periodStart); sink.date(r.periodEnd); sink.text(r.region); sink.integer(r.identified); sink.integer(r.rectified)
            sink.text(r.statedRate?.description ?? ""); sink.text(r.department)
        case .drill(let r):
            sink.date(r.date); sink.text(r.region); sink.text(r.name); sink.integer(r.participants)
            sink.text(r.fundsFen.map { ExactDecimal.yuan(fen: $0).description } ?? ""); sink.text(r.cityWide ? "true" : "false")
        }
        sink.text(p.position.file); sink.text(p.position.member ?? ""); sink.integer(p.position.line); sink.integer(p.position.record)
    }

    @usableFromInline
    static func id(of record: NormalizedRecord) -> String {
        switch record {
        case .accident(let r): r.id
        case .hazard(let r): r.id
        case .enforcement(let r): r.id
        case .inspection(let r): r.id
        case .drill(let r): r.id
        case .hazardSummary(let r): r.id
        }
    }

    /// Builds a typed record of `kind` from named text fields, or the first rejection.
    /// `provenance` is completed with the `source` and `export_date` fields read here.
    public static func read<Values>(_ kind: RecordKind, from reader: inout FieldReader<Values>,
                                    position: SourcePosition) -> Result<NormalizedRecord, Rejection> {
        let id = reader.identifier("id")
        let source = reader.text("source")
        let exportDate = reader.date("export_date")
        let provenance = Provenance(source: source, exportDate: exportDate, position: position)
        var record: NormalizedRecord
        switch kind {
        case .accident:
            // (Fields read in column order, so the first problem reported is the first one met.)
            let date = reader.date("date"), time = reader.optionalTime("time"), region = reader.region(), sector = reader.sector()
            let enterprise = reader.text("enterprise", required: false), category = reader.category()
            let deaths = reader.count("deaths"), missing = reader.optionalCount("missing")
            let serious = reader.count("serious_injuries"), poisoned = reader.optionalCount("acute_poisonings")
            let scopeGiven = !reader.text("scope", required: false).isEmpty
            var accident = AccidentRecord(
                id: id, provenance: provenance, date: date, region: region, sector: sector, deaths: deaths,
                seriousInjuries: serious, minorInjuries: reader.optionalCount("minor_injuries"),
                directLossFen: reader.optionalFen("direct_loss_wan_yuan", unit: .wanYuan),
                scope: scopeGiven ? reader.choice("scope", as: AccidentScope.self) ?? .unknown : .unknown)
            accident.time = time; accident.enterprise = enterprise; accident.category = category
            accident.missing = missing; accident.acutePoisonings = poisoned
            record = .accident(accident)
        case .hazard:
            let found = reader.date("found_date")
            let rectified = reader.optionalDate("rectified_date")
            if let rectified, rectified < found {
                reader.fail("rectified_date", reader.text("rectified_date", required: false), .rectifiedBeforeFound(found: found))
            }
            switch reader.text("status", required: false) {
            case "": break
            case "open":
                if let rectified { reader.fail("rectified_date", rectified.description, .dateButOpen) }
            case "rectified": if rectified == nil { reader.fail("rectified_date", "", .rectifiedWithoutDate) }
            case let other: reader.fail("status", other, .unknownValue(allowed: ["rectified", "open"]))
            }
            record = .hazard(HazardRecord(
                id: id, provenance: provenance, foundDate: found, region: reader.region(), sector: reader.sector(),
                enterprise: reader.text("enterprise"), level: reader.choice("level", as: HazardLevel.self) ?? .general,
                rectifiedDate: rectified, deadline: reader.optionalDate("deadline"),
                listed: reader.bool("listed"), listingBatch: reader.text("listing_batch", required: false)))
        case .enforcement:
            // A decision other than a fine with no amount imposed none (0); a fine of unknown amount stays unknown.
            // (Fields read in column order, so the first problem reported is the first one met.)
            let date = reader.date("date"), region = reader.region(), sector = reader.sector(), enterprise = reader.text("enterprise")
            let action = reader.choice("action", as: EnforcementAction.self) ?? .fine
            let fine = reader.optionalFen("fine_yuan", unit: .yuan)
            record = .enforcement(EnforcementRecord(
                id: id, provenance: provenance, date: date, region: region, sector: sector, enterprise: enterprise,
                action: action, fineFen: action == .fine ? fine : fine ?? 0))
        case .inspection:
            record = .inspection(InspectionRecord(
                id: id, provenance: provenance, date: reader.date("date"), region: reader.region(),
                sector: reader.sector(), enterprise: reader.text("enterprise"), groupID: reader.text("group_id")))
        case .hazardSummary:
            let identified = reader.count("identified"), rectified = reader.count("rectified")
            if rectified > identified {
                reader.fail("rectified", String(rectified), .rectifiedExceedsIdentified(identified: identified))
            }
            // 0 identified may come without a rate (0/0 has none); any other count needs one.
            let stated = identified == 0 && reader.text("stated_rate", required: false).isEmpty ? nil : reader.percent("stated_rate")
            if let stated, let computed = Rounding.percent(Int64(rectified), of: Int64(identified)),
               (stated - computed).magnitude.rescaled(to: max(stated.scale, 1)).units > ExactDecimal.power(max(stated.scale, 1) - 1) {
                reader.fail("stated_rate", reader.text("stated_rate", required: false),
                            .rateDisagrees(computed: computed, rectified: rectified, identified: identified))
            }
            // A row sums up a region or a department: exactly one of the two.
            let department = reader.text("department", required: false)
            let region = department.isEmpty || !reader.text("region", required: false).isEmpty ? reader.region() : ""
            if !department.isEmpty && !region.isEmpty {
                reader.fail("department", department, .unknownValue(allowed: ["a region or a department per row, not both"]))
            }
            record = .hazardSummary(HazardSummaryRecord(
                id: id, provenance: provenance, periodStart: reader.date("period_start"), periodEnd: reader.date("period_end"),
                region: region, department: department, identified: identified, rectified: rectified, statedRate: stated))
        case .drill:
            record = .drill(DrillRecord(
                id: id, provenance: provenance, date: reader.date("date"), region: reader.region(),
                name: reader.text("name"), participants: reader.count("participants"),
                fundsFen: reader.optionalFen("funds_yuan", unit: .yuan), cityWide: reader.bool("city_wide")))
        }
        if kind == .accident || kind == .hazard || kind == .enforcement {
            let text = FreeText(description: reader.text("description", required: false), address: reader.text("address", required: false),
                                remark: reader.text("remark", required: false))
            if text != FreeText() {
                switch record {
                case .accident(var r): r.text = text; record = .accident(r)
                case .hazard(var r): r.text = text; record = .hazard(r)
                case .enforcement(var r): r.text = text; record = .enforcement(r)
                default: break
                }
            }
        }
        if let rejection = reader.rejection { return .failure(rejection) }
        return .success(record)
    }
}

/// Receives a row's values in column order (`RecordSchema.write`); an absent date is an empty cell.
public protocol RowSink {
    mutating func text(_ value: String)
    mutating func integer(_ value: Int)
    mutating func date(_ value: LocalDate?)
}

extension RowSink {
    /// The optional text columns, in schema order.
    @inlinable public mutating func freeText(_ text: FreeText) {
        self.text(text.description); self.text(text.address); self.text(text.remark)
    }
}

/// A row as texts.
public struct StringRow: RowSink {
    public var fields: [String] = []
    public init() { fields.reserveCapacity(20) }
    public mutating func text(_ value: String) { fields.append(value) }
    public mutating func integer(_ value: Int) { fields.append(String(value)) }
    public mutating func date(_ value: LocalDate?) { fields.append(value?.description ?? "") }
}
