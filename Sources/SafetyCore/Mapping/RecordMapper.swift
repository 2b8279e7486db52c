/// One record as a decoder read it: the texts of the source keys a mapping asked for, in order.
public struct RawRecord: Sendable {
    public var position: SourcePosition
    /// Aligned with `RecordMapper.sourceKeys`; nil where the source had no such column or path.
    public var values: [String?]

    public init(position: SourcePosition, values: [String?]) {
        self.position = position
        self.values = values
    }
}

/// Turns raw records into typed records of the common format, or rejections, by one mapping.
public struct RecordMapper: Sendable {
    public let mapping: DepartmentMapping
    public var regions: CodeList { compiled.regions }
    public var sectors: CodeList { compiled.sectors }
    /// The distinct columns or XML paths the decoder must deliver, in a fixed order.
    public let sourceKeys: [String]
    /// Source keys an export may lack (`optional: true`): absent, their fields are unknown.
    public let optionalSourceKeys: Set<String>
    /// Everything `map` reads, behind one reference: a record's field reader captures it
    /// with one retain, not one per rule, list and table.
    private let compiled: Compiled

    private final class FieldPlan: Sendable {
        let constant: String?
        let slot: Int?
        let values: [String: String]
        let excelSerialDates: Bool
        let scheme: CodeScheme?

        init(_ rule: DepartmentMapping.FieldRule, slot: Int?) {
            constant = rule.constant
            self.slot = slot
            values = rule.values
            excelSerialDates = rule.excelSerialDates
            scheme = rule.codes.flatMap { CodeScheme($0) }
        }
    }

    private final class Compiled: Sendable {
        let department: String
        let regions: CodeList
        let sectors: CodeList
        let categories: CodeList
        let exportDateSlot: Int?
        let units: [String: MoneyUnit]
        /// The mapping's field names, looked up by a scan of short names (cheaper than hashing),
        /// and what to do for each: one reference per field, so a lookup copies no rule.
        let names: [String]
        let nameLengths: [Int]
        let plans: [FieldPlan]

        /// Money fields whose unit each record gives, and where.
        let unitSlots: [(field: String, slot: Int)]

        init(mapping: DepartmentMapping, regions: CodeList, sectors: CodeList, categories: CodeList, slots: [String: Int],
             exportDateSlot: Int?, unitSlots: [(field: String, slot: Int)]) {
            self.unitSlots = unitSlots
            department = mapping.department
            self.regions = regions
            self.sectors = sectors
            self.categories = categories
            self.exportDateSlot = exportDateSlot
            units = mapping.fields.compactMapValues(\.unit)
            let fields = mapping.fields.sorted(by: { $0.key < $1.key })
            names = fields.map(\.key)
            nameLengths = names.map(\.utf8.count)
            plans = fields.map { FieldPlan($0.value, slot: slots[$0.key]) }
        }

        /// The text of one common-format field for `raw`, as the mapping says to read it.
        func value(_ field: String, raw: RawRecord, fileExportDate: LocalDate?) -> String? {
            switch field {
            case "source": return department
            case "export_date":
                if let slot = exportDateSlot { return raw.values[slot] }
                return fileExportDate?.description
            default:
                // Names of another length never match: most are ruled out without comparing text.
                let length = field.utf8.count
                guard let index = names.indices.first(where: { nameLengths[$0] == length && names[$0] == field }) else { return nil }
                let plan = plans[index]
                let text: String?
                if let constant = plan.constant { text = constant } else if let slot = plan.slot { text = raw.values[slot] } else { text = nil }
                guard let text else { return nil }
                let trimmed = TextCleaning.trimmed(text)
                let value = plan.values.isEmpty ? trimmed : plan.values[trimmed] ?? trimmed
                if plan.excelSerialDates, let serial = DateText.excelSerial(value, plausible: DateText.plausibleSerials) {
                    // A serial that is no day (Excel's 1900-02-29) reaches the date reader as that day, and is rejected.
                    return (try? serial.get())?.description ?? "1900-02-29"
                }
                if let scheme = plan.scheme {
                    // A code no entry claims stays as written, and is rejected as unknown.
                    return (field == "sector" ? sectors : regions).name(forCode: value, scheme: scheme) ?? value
                }
                return value
            }
        }
    }

    public init(mapping: DepartmentMapping, regions: CodeList, sectors: CodeList,
                categories: CodeList = CodeList(AccidentCategories.gb6441)) {
        self.mapping = mapping
        var keys: [String] = []
        var slots: [String: Int] = [:]
        func slot(for key: String) -> Int {
            if let index = keys.firstIndex(of: key) { return index }
            keys.append(key)
            return keys.count - 1
        }
        for (field, rule) in mapping.fields.sorted(by: { $0.key < $1.key }) {
            if let from = rule.from { slots[field] = slot(for: from) }
        }
        let exportDateSlot = mapping.exportDate.column.map { slot(for: $0) }
        var unitSlots: [(field: String, slot: Int)] = []
        for (field, rule) in mapping.fields.sorted(by: { $0.key < $1.key }) {
            if let from = rule.unitFrom { unitSlots.append((field, slot(for: from))) }
        }
        self.sourceKeys = keys
        optionalSourceKeys = Set(mapping.fields.values.filter(\.optional).compactMap(\.from))
        compiled = Compiled(mapping: mapping, regions: regions, sectors: sectors, categories: categories, slots: slots,
                            exportDateSlot: exportDateSlot, unitSlots: unitSlots)
    }

    /// Maps one raw record; `fileExportDate` is the export date when it comes from the
    /// mapping's constant or the file name rather than a column.
    public func map(_ raw: RawRecord, fileExportDate: LocalDate?) -> Result<NormalizedRecord, Rejection> {
        let compiled = compiled
        var units = compiled.units
        for (field, slot) in compiled.unitSlots {
            let text = TextCleaning.trimmed(raw.values[slot] ?? "")
            guard !text.isEmpty else { continue }
            guard let unit = MoneyUnit(rawValue: text) else {
                return .failure(Rejection(position: raw.position, field: field, value: text,
                                          reason: .unknownUnit(allowed: [MoneyUnit.yuan.rawValue, MoneyUnit.wanYuan.rawValue])))
            }
            units[field] = unit
        }
        var reader = FieldReader(position: raw.position, regions: compiled.regions, sectors: compiled.sectors,
                                 categories: compiled.categories, units: units) {
            compiled.value($0, raw: raw, fileExportDate: fileExportDate)
        }
        return RecordSchema.read(mapping.kind, from: &reader, position: raw.position)
    }
}
