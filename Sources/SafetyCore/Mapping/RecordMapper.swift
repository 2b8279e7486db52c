/// One record as a decoder read it: the texts of the source keys a mapping asked for, in order.
public struct RawRecord: Sendable {
    public var position: SourcePosition
    /// Aligned with `RecordMapper.sourceKeys`; nil where the source had no such column or path.
    public var values: [String?]
    /// The decoder has trimmed every value (`TextCleaning.trimmed`): the mapper need not again.
    public var valuesTrimmed: Bool

    public init(position: SourcePosition, values: [String?], valuesTrimmed: Bool = false) {
        self.position = position
        self.values = values
        self.valuesTrimmed = valuesTrimmed
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
            constant = rule.constant.map(TextCleaning.trimmed)
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
        /// The mapping's field names and what to do for each (one reference per field, so a
        /// lookup copies no rule).
        let names: [String]
        let plans: [FieldPlan?]
        /// `names[0]` is `source`, `names[1]` `export_date`: read from the export, not from a rule.
        private static let sourceIndex = 0
        /// The names `RecordSchema.read` asks for, in the order it asks for them, and each one's
        /// index in `names` (-1: not mapped). A record's reads follow this order, so each name is
        /// found by comparing it with the expected one: the same literal, equal at once.
        let order: [String]
        let orderIndex: [Int]
        /// Per name: the source slot when the rule only reads a column (no constant, value map,
        /// serial dates or codes), else -1. Such a field is the column's text as it stands.
        let plainSlots: [Int]

        /// Money fields whose unit each record gives, and where.
        let unitSlots: [(field: String, slot: Int)]

        init(mapping: DepartmentMapping, regions: CodeList, sectors: CodeList, categories: CodeList, slots: [String: Int],
             exportDateSlot: Int?, unitSlots: [(field: String, slot: Int)]) {
            self.unitSlots = unitSlots
            department = TextCleaning.trimmed(mapping.department)
            self.regions = regions
            self.sectors = sectors
            self.categories = categories
            self.exportDateSlot = exportDateSlot
            units = mapping.fields.compactMapValues(\.unit)
            // `source` and `export_date` come from the export, whatever the rules say.
            let fields = mapping.fields.sorted(by: { $0.key < $1.key }).filter { $0.key != "source" && $0.key != "export_date" }
            let names = ["source", "export_date"] + fields.map(\.key)
            self.names = names
            plans = [nil, nil] + fields.map { FieldPlan($0.value, slot: slots[$0.key]) }
            plainSlots = plans.map { plan in
                guard let plan, plan.constant == nil, let slot = plan.slot, plan.values.isEmpty, !plan.excelSerialDates,
                      plan.scheme == nil else { return -1 }
                return slot
            }
            var recorder = FieldReader(position: SourcePosition(file: "", line: 1, record: 1), values: OrderRecorder())
            _ = RecordSchema.read(mapping.kind, from: &recorder, position: recorder.position)
            order = recorder.fieldValues.asked
            orderIndex = order.map { name in names.firstIndex(of: name) ?? -1 }
        }

        /// The index in `names` of the field read at step `cursor` of a record, moving the cursor
        /// on; a read out of the usual order (a field read twice, one left out: rare) is searched for.
        @inline(__always) func index(of field: String, cursor: inout Int) -> Int? {
            if cursor < order.count && order[cursor] == field {
                cursor += 1
                let index = orderIndex[cursor - 1]
                return index < 0 ? nil : index
            }
            if cursor + 1 < order.count && order[cursor + 1] == field {
                cursor += 2
                let index = orderIndex[cursor - 1]
                return index < 0 ? nil : index
            }
            return names.firstIndex(of: field)
        }

        /// The trimmed text of field `names[index]` for `raw`, as the mapping says to read it:
        /// what `TextCleaning.trimmed` makes of the text the rule gives.
        func value(at index: Int, raw: RawRecord, fileExportDate: LocalDate?) -> String? {
            let plain = plainSlots[index]
            if plain >= 0 && raw.valuesTrimmed { return raw.values[plain] }
            func trim(_ text: String) -> String { raw.valuesTrimmed ? text : TextCleaning.trimmed(text) }
            guard let plan = plans[index] else {
                if index == Compiled.sourceIndex { return department }
                if let slot = exportDateSlot { return raw.values[slot].map(trim) }
                return fileExportDate?.description
            }
            let trimmed: String
            if let constant = plan.constant { trimmed = constant } else if let slot = plan.slot, let text = raw.values[slot] {
                trimmed = trim(text)
            } else {
                return nil
            }
            let mapped = plan.values.isEmpty ? nil : plan.values[trimmed]
            let value = mapped ?? trimmed
            if plan.excelSerialDates, let serial = DateText.excelSerial(value, plausible: DateText.plausibleSerials) {
                // A serial that is no day (Excel's 1900-02-29) reaches the date reader as that day, and is rejected.
                return (try? serial.get())?.description ?? "1900-02-29"
            }
            if let scheme = plan.scheme {
                // A code no entry claims stays as written, and is rejected as unknown.
                let list = names[index] == "sector" ? sectors : regions
                return TextCleaning.trimmed(list.name(forCode: value, scheme: scheme) ?? value)
            }
            // A value a rule maps to is trimmed as the field reader trims every text.
            return mapped.map(TextCleaning.trimmed) ?? trimmed
        }
    }

    /// Records the names `RecordSchema.read` asks for (`Compiled.order`).
    private struct OrderRecorder: FieldValues {
        var asked: [String] = []
        mutating func value(_ field: String) -> String? { asked.append(field); return nil }
        var valuesTrimmed: Bool { true }
    }

    /// A mapped record's fields, as `FieldReader` asks for them by name.
    private struct MappedValues: FieldValues {
        let compiled: Compiled
        let raw: RawRecord
        let fileExportDate: LocalDate?
        var cursor = 0
        mutating func value(_ field: String) -> String? {
            guard let index = compiled.index(of: field, cursor: &cursor) else { return nil }
            return compiled.value(at: index, raw: raw, fileExportDate: fileExportDate)
        }
        var valuesTrimmed: Bool { true }
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
                                 categories: compiled.categories, units: units,
                                 values: MappedValues(compiled: compiled, raw: raw, fileExportDate: fileExportDate))
        return RecordSchema.read(mapping.kind, from: &reader, position: raw.position)
    }
}
