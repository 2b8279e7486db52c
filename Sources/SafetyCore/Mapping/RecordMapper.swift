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
    public let regions: CodeList
    public let sectors: CodeList
    /// The distinct columns or XML paths the decoder must deliver, in a fixed order.
    public let sourceKeys: [String]
    private let slots: [String: Int]
    private let exportDateSlot: Int?
    private let units: [String: MoneyUnit]
    /// The mapping's field names, looked up by a scan of short names (cheaper than hashing), and
    /// what to do for each: one reference per field, so a lookup copies no rule.
    private let names: [String]
    private let nameLengths: [Int]
    private let plans: [FieldPlan]

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

    public init(mapping: DepartmentMapping, regions: CodeList, sectors: CodeList) {
        self.mapping = mapping
        self.regions = regions
        self.sectors = sectors
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
        exportDateSlot = mapping.exportDate.column.map { slot(for: $0) }
        self.sourceKeys = keys
        self.slots = slots
        self.units = mapping.fields.compactMapValues(\.unit)
        let fields = mapping.fields.sorted(by: { $0.key < $1.key })
        self.names = fields.map(\.key)
        self.nameLengths = names.map(\.utf8.count)
        self.plans = fields.map { FieldPlan($0.value, slot: slots[$0.key]) }
    }

    /// Maps one raw record; `fileExportDate` is the export date when it comes from the
    /// mapping's constant or the file name rather than a column.
    public func map(_ raw: RawRecord, fileExportDate: LocalDate?) -> Result<NormalizedRecord, Rejection> {
        var reader = FieldReader(position: raw.position, regions: regions, sectors: sectors, units: units) { field in
            switch field {
            case "source": return mapping.department
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
                if plan.excelSerialDates, let serial = DateText.excelSerial(value) {
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
        return RecordSchema.read(mapping.kind, from: &reader, position: raw.position)
    }
}
