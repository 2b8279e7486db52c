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

/// Append-only memory the records a decoder reads keep their texts in: a record is written once,
/// by the decoder, then only read (by whichever core maps it), so records share a block instead
/// of allocating arrays of their own. Freed with the last record that uses it.
public final class TextBlock: @unchecked Sendable {
    let base: UnsafeMutableRawPointer
    let capacity: Int
    /// Bytes written; only the decoder writing the block reads or changes it.
    fileprivate var count = 0

    init(capacity: Int) {
        self.capacity = capacity
        base = .allocate(byteCount: capacity, alignment: 8)
    }

    deinit { base.deallocate() }
}

/// Writes records' texts into blocks (`RawTextRecord`): one per decoder.
public struct TextRecordWriter {
    private var block = TextBlock(capacity: 0)
    private var start = 0
    private var keys = 0
    private var textStart = 0
    private static let blockSize = 1 << 16

    public init() {}

    /// Begins a record of `keys` texts, with room for `bytes` bytes of text (more is made room for
    /// as needed); every key's text is absent until `set` gives it.
    public mutating func begin(keys: Int, bytes: Int = 0) {
        let needed = 8 * keys + bytes + 8
        if block.count + needed > block.capacity {
            block = TextBlock(capacity: max(TextRecordWriter.blockSize, needed))
        }
        start = (block.count + 7) & ~7
        self.keys = keys
        textStart = start + 8 * keys
        let spans = (block.base + start).bindMemory(to: Int32.self, capacity: 2 * keys)
        spans.initialize(repeating: -1, count: 2 * keys)
        block.count = textStart
    }

    /// Key `key`'s text; a later text for the same key replaces it.
    public mutating func set(_ key: Int, _ text: UnsafeBufferPointer<UInt8>) {
        let at = append(text)
        span(key, at, at + text.count)
    }

    /// Appends bytes to the record begun last without giving them to a key; returns where they
    /// start, for `span`. (A decoder keeps a whole row at once, then names each key's part of it.)
    public mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        if block.count + bytes.count > block.capacity { moveRecord(adding: bytes.count) }
        let offset = block.count
        if let source = bytes.baseAddress, !bytes.isEmpty {
            ByteText.copy(source, to: (block.base + offset).assumingMemoryBound(to: UInt8.self), count: bytes.count)
        }
        block.count = offset + bytes.count
        return offset - textStart
    }

    /// Key `key`'s text is the appended bytes `start..<end` (positions `append` gave).
    public mutating func span(_ key: Int, _ start: Int, _ end: Int) {
        let spans = (block.base + self.start).assumingMemoryBound(to: Int32.self)
        spans[2 * key] = Int32(start)
        spans[2 * key + 1] = Int32(end)
    }

    /// Moves the record begun last (its span table and texts so far) to a new block with room
    /// for `extra` more bytes; the records before it stay where they are.
    private mutating func moveRecord(adding extra: Int) {
        let used = block.count - start
        let moved = TextBlock(capacity: max(TextRecordWriter.blockSize, 2 * (used + extra)))
        moved.base.copyMemory(from: block.base + start, byteCount: used)
        moved.count = used
        block = moved
        textStart -= start
        start = 0
    }

    /// The record begun last.
    public func finish(position: SourcePosition, values: [String?] = [], trims: Bool) -> RawTextRecord {
        RawTextRecord(position: position, values: values, block: block, start: start, keys: keys, trims: trims)
    }
}

/// One record as a decoder read it, its texts kept as UTF-8 bytes the decoder has checked, in a
/// shared `TextBlock`: key i's text is given by the record's span table where key i has a span,
/// else `values[i]` (nil when `values` is empty). The mapper reads dates and code-list entries
/// from the bytes and makes strings only of the texts a record keeps, on whichever core maps it.
public struct RawTextRecord: Sendable {
    public var position: SourcePosition
    /// Values already made as strings (attributes, values outside the record), or empty.
    public var values: [String?]
    private let block: TextBlock
    private let start: Int
    public let keys: Int
    /// Each text is read trimmed (`TextCleaning.trimmed`), as a CSV cell is.
    public var trims: Bool

    fileprivate init(position: SourcePosition, values: [String?], block: TextBlock, start: Int, keys: Int, trims: Bool) {
        self.position = position; self.values = values; self.block = block; self.start = start; self.keys = keys
        self.trims = trims
    }

    /// The record with a string per text.
    public func materialized() -> RawRecord {
        withView { view in RawRecord(position: position, values: (0..<keys).map { view.text($0) }, valuesTrimmed: trims) }
    }

    /// The record as its mapper reads it; the view is valid inside `body` only. The view borrows
    /// the record (a pointer, no copy): copying the record into it retained and released its
    /// four references each time the mapper passed the view on.
    func withView<R>(_ body: (View) -> R) -> R {
        withUnsafePointer(to: self) { record in
            body(View(record: record, spans: UnsafePointer((block.base + start).assumingMemoryBound(to: Int32.self)),
                      text: UnsafePointer((block.base + start + 8 * keys).assumingMemoryBound(to: UInt8.self))))
        }
    }

    /// The record's texts where they lie.
    struct View: SlotTexts {
        private let pointer: UnsafePointer<RawTextRecord>
        let spans: UnsafePointer<Int32>
        let text: UnsafePointer<UInt8>
        var record: RawTextRecord { _read { yield pointer.pointee } }

        init(record: UnsafePointer<RawTextRecord>, spans: UnsafePointer<Int32>, text: UnsafePointer<UInt8>) {
            pointer = record; self.spans = spans; self.text = text
        }

        var position: SourcePosition { record.position }
        var textsTrimmed: Bool { record.trims }

        private func bytes(_ key: Int) -> UnsafeBufferPointer<UInt8>? {
            let start = Int(spans[2 * key])
            guard start >= 0 else { return nil }
            return UnsafeBufferPointer(start: text + start, count: Int(spans[2 * key + 1]) - start)
        }

        func text(_ key: Int) -> String? {
            guard let bytes = bytes(key) else { return record.values.isEmpty ? nil : record.values[key] }
            // The decoder checked the bytes: this initializer checks again, but costs less than
            // `String(decoding:as:)`.
            let text = String(unsafeUninitializedCapacity: bytes.count) { $0.initialize(fromContentsOf: bytes) }
            guard record.trims, let first = bytes.first, TextCleaning.mayNeedTrimming(first: first, last: bytes[bytes.count - 1])
            else { return text }
            return TextCleaning.trimmed(text)
        }

        func plainBytes(_ key: Int) -> UnsafeBufferPointer<UInt8>? {
            guard let bytes = bytes(key) else { return nil }
            if let first = bytes.first, TextCleaning.mayNeedTrimming(first: first, last: bytes[bytes.count - 1]) { return nil }
            return bytes
        }
    }
}

/// A record's texts by source slot, as the mapper reads them.
protocol SlotTexts {
    var position: SourcePosition { get }
    func text(_ slot: Int) -> String?
    /// Every `text` is already trimmed.
    var textsTrimmed: Bool { get }
    /// The slot's text as bytes when it has nothing to trim; nil when it is not at hand as bytes.
    func plainBytes(_ slot: Int) -> UnsafeBufferPointer<UInt8>?
}

extension RawRecord: SlotTexts {
    func text(_ slot: Int) -> String? { values[slot] }
    var textsTrimmed: Bool { valuesTrimmed }
    func plainBytes(_ slot: Int) -> UnsafeBufferPointer<UInt8>? { nil }
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
        /// The lists and units every record's field reader borrows (when no column gives units).
        let lists: FieldLists
        /// The mapping's field names and what to do for each (one reference per field, so a
        /// lookup copies no rule).
        let names: [String]
        let plans: [FieldPlan?]
        /// `plans`, read per record without a retain (`plans` keeps them).
        let planRefs: [Unmanaged<FieldPlan>?]
        /// `names[0]` is `source`, `names[1]` `export_date`: read from the export, not from a rule.
        private static let sourceIndex = 0
        static let exportDateIndex = 1
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
        /// Per name: the bytes of a constant the rule gives as it stands (no value map, serial
        /// dates or codes), else nil. Read per record without a string or a retain; freed with the plan.
        nonisolated(unsafe) let constants: UnsafeMutableBufferPointer<UnsafeBufferPointer<UInt8>?>

        deinit {
            for bytes in constants { bytes?.deallocate() }
            constants.deallocate()
        }

        init(mapping: DepartmentMapping, regions: CodeList, sectors: CodeList, categories: CodeList, slots: [String: Int],
             exportDateSlot: Int?, unitSlots: [(field: String, slot: Int)]) {
            self.unitSlots = unitSlots
            department = TextCleaning.trimmed(mapping.department)
            self.regions = regions
            self.sectors = sectors
            self.categories = categories
            self.exportDateSlot = exportDateSlot
            units = mapping.fields.compactMapValues(\.unit)
            lists = FieldLists(regions: regions, sectors: sectors, categories: categories, units: units)
            // `source` and `export_date` come from the export, whatever the rules say.
            let fields = mapping.fields.sorted(by: { $0.key < $1.key }).filter { $0.key != "source" && $0.key != "export_date" }
            let names = ["source", "export_date"] + fields.map(\.key)
            self.names = names
            plans = [nil, nil] + fields.map { FieldPlan($0.value, slot: slots[$0.key]) }
            planRefs = plans.map { $0.map(Unmanaged.passUnretained) }
            plainSlots = plans.map { plan in
                guard let plan, plan.constant == nil, let slot = plan.slot, plan.values.isEmpty, !plan.excelSerialDates,
                      plan.scheme == nil else { return -1 }
                return slot
            }
            constants = .allocate(capacity: plans.count)
            for (index, plan) in plans.enumerated() {
                // The source is the department, as a constant is (read per record from every thread).
                let given = index == Compiled.sourceIndex ? department : plan?.constant
                guard let constant = given, plan == nil || (plan!.values.isEmpty && !plan!.excelSerialDates && plan!.scheme == nil) else {
                    constants[index] = nil
                    continue
                }
                let bytes = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: constant.utf8.count)
                _ = bytes.initialize(from: constant.utf8)
                constants[index] = UnsafeBufferPointer(bytes)
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
            if cursor > 0 && order[cursor - 1] == field {  // read again (a fast read that fell back)
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
        func value<Raw: SlotTexts>(at index: Int, raw: Raw, fileExportDate: LocalDate?) -> String? {
            let plain = plainSlots[index]
            if plain >= 0 && raw.textsTrimmed { return raw.text(plain) }
            guard let plan = planRefs[index] else {
                if index == Compiled.sourceIndex { return department }
                if let slot = exportDateSlot { return raw.text(slot).map { Compiled.trimmed($0, of: raw) } }
                return fileExportDate?.description
            }
            // Borrowed: every mapping thread retaining the same plan per record made its count a
            // contended cache line (perf: a swift_retain uprobe).
            return plan._withUnsafeGuaranteedRef { plan in value(plan: plan, name: index, raw: raw) }
        }

        /// A text of `raw`, trimmed unless `raw` gives its texts trimmed.
        private static func trimmed<Raw: SlotTexts>(_ text: String, of raw: Raw) -> String {
            raw.textsTrimmed ? text : TextCleaning.trimmed(text)
        }

        private func value<Raw: SlotTexts>(plan: FieldPlan, name index: Int, raw: Raw) -> String? {
            let trimmed: String
            if let constant = plan.constant { trimmed = constant } else if let slot = plan.slot, let text = raw.text(slot) {
                trimmed = Compiled.trimmed(text, of: raw)
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
        mutating func value(_ field: String) -> String? {
            if asked.last != field { asked.append(field) }  // a fast read and its fallback: one step
            return nil
        }
        var valuesTrimmed: Bool { true }
    }

    /// A mapped record's fields, as `FieldReader` asks for them by name.
    /// Borrows the compiled plan: valid while the mapper that made it is.
    private struct MappedValues<Raw: SlotTexts>: FieldValues {
        let compiled: Unmanaged<Compiled>
        let raw: Raw
        let fileExportDate: LocalDate?
        var cursor = 0
        mutating func value(_ field: String) -> String? {
            compiled._withUnsafeGuaranteedRef { compiled in
                guard let index = compiled.index(of: field, cursor: &cursor) else { return nil }
                return compiled.value(at: index, raw: raw, fileExportDate: fileExportDate)
            }
        }
        mutating func withUTF8<R>(_ field: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
            compiled._withUnsafeGuaranteedRef { compiled in
                guard let index = compiled.index(of: field, cursor: &cursor) else { return nil }
                let plain = compiled.plainSlots[index]
                if plain >= 0, let bytes = raw.plainBytes(plain) { return body(bytes) }
                if let constant = compiled.constants[index] { return body(constant) }
                if index == Compiled.exportDateIndex, compiled.exportDateSlot == nil, let date = fileExportDate {
                    return date.withISOBytes(body)  // the file's export date, without a string per record
                }
                guard var text = compiled.value(at: index, raw: raw, fileExportDate: fileExportDate) else { return nil }
                return text.withUTF8(body)
            }
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
        map(slots: raw, fileExportDate: fileExportDate)
    }

    /// Maps one record whose texts are still bytes: the same result as mapping `raw.materialized()`.
    public func map(_ raw: RawTextRecord, fileExportDate: LocalDate?) -> Result<NormalizedRecord, Rejection> {
        raw.withView { map(slots: $0, fileExportDate: fileExportDate) }
    }

    private func map<Raw: SlotTexts>(slots raw: Raw, fileExportDate: LocalDate?) -> Result<NormalizedRecord, Rejection> {
        // The reader borrows the compiled plan and lists (`self` holds them for the whole call):
        // retaining them per record, from every mapping thread, cost more than reading the record.
        let compiled = Unmanaged.passUnretained(compiled)
        let values = MappedValues(compiled: compiled, raw: raw, fileExportDate: fileExportDate)
        let position = raw.position
        return compiled._withUnsafeGuaranteedRef { compiled in
            guard !compiled.unitSlots.isEmpty else {
                var reader = FieldReader(position: position, borrowing: compiled.lists, values: values)
                return RecordSchema.read(mapping.kind, from: &reader, position: position)
            }
            var units = compiled.units
            for (field, slot) in compiled.unitSlots {
                let text = TextCleaning.trimmed(raw.text(slot) ?? "")
                guard !text.isEmpty else { continue }
                guard let unit = MoneyUnit(rawValue: text) else {
                    return .failure(Rejection(position: position, field: field, value: text,
                                              reason: .unknownUnit(allowed: [MoneyUnit.yuan.rawValue, MoneyUnit.wanYuan.rawValue])))
                }
                units[field] = unit
            }
            // Units a record gives: lists of its own.
            let lists = FieldLists(regions: compiled.regions, sectors: compiled.sectors, categories: compiled.categories, units: units)
            return withExtendedLifetime(lists) {
                var reader = FieldReader(position: position, borrowing: lists, values: values)
                return RecordSchema.read(mapping.kind, from: &reader, position: position)
            }
        }
    }
}
