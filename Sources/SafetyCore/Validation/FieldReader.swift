/// Where a `FieldReader` finds a field's text by the field's name.
public protocol FieldValues {
    mutating func value(_ field: String) -> String?
    /// The same text as `value` gives, as UTF-8 bytes valid inside `body` only; nil when the field
    /// is not given. Lets typed reads (dates, code lists) parse a record's bytes without a `String`.
    mutating func withUTF8<R>(_ field: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R?
    /// Every text `value` returns is already trimmed (`TextCleaning.trimmed`).
    var valuesTrimmed: Bool { get }
}

extension FieldValues {
    public mutating func withUTF8<R>(_ field: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
        guard var text = value(field) else { return nil }
        return text.withUTF8(body)
    }
}

/// Field texts from a closure (tests, the normalized files read back).
public struct ClosureFieldValues: FieldValues {
    let body: (String) -> String?
    public func value(_ field: String) -> String? { body(field) }
    public var valuesTrimmed: Bool { false }
}

/// Reads typed values out of one record's text fields, keeping the first problem as a `Rejection`.
///
/// Used both for department exports (through a mapping, with code lists and units) and for
/// reading the normalized files back. After the first rejection, every read returns a
/// placeholder and the record is dropped by the caller. Generic over where the texts come
/// from, so the ingest's mapped records are read without a closure per record.
public struct FieldReader<Values: FieldValues> {
    private var values: Values
    public let position: SourcePosition
    /// The lists, borrowed when a mapper lends its own (`init(position:borrowing:values:)`):
    /// one reference instead of four retained and released per record, on objects every
    /// mapping thread shares.
    private let lists: Unmanaged<FieldLists>
    /// Set when the reader made its lists itself.
    private let ownLists: FieldLists?
    public var regions: CodeList? { lists._withUnsafeGuaranteedRef { $0.regions } }
    public var sectors: CodeList? { lists._withUnsafeGuaranteedRef { $0.sectors } }
    /// Accident categories (事故类别); a category is optional, so an empty cell is no problem.
    public var categories: CodeList? { lists._withUnsafeGuaranteedRef { $0.categories } }
    /// Money units per field where a mapping overrides the common format's unit.
    public var units: [String: MoneyUnit] { lists._withUnsafeGuaranteedRef { $0.units } }
    public private(set) var rejection: Rejection?

    public init(position: SourcePosition, regions: CodeList? = nil, sectors: CodeList? = nil, categories: CodeList? = nil,
                units: [String: MoneyUnit] = [:], values: Values) {
        let lists = FieldLists(regions: regions, sectors: sectors, categories: categories, units: units)
        self.position = position
        self.ownLists = lists
        self.lists = .passUnretained(lists)
        self.values = values
    }

    /// A reader that borrows `lists`: the caller keeps them alive while the reader is in use.
    init(position: SourcePosition, borrowing lists: FieldLists, values: Values) {
        self.position = position
        self.ownLists = nil
        self.lists = .passUnretained(lists)
        self.values = values
    }

    private mutating func value(_ field: String) -> String? { values.value(field) }

    /// Where the texts came from (a recorder learns the order fields are read in).
    public var fieldValues: Values { values }

    private mutating func reject(_ field: String, _ raw: String, _ reason: RejectionReason) {
        if rejection == nil { rejection = Rejection(position: position, field: field, value: raw, reason: reason) }
    }

    /// The trimmed text, or empty; rejects if required and empty.
    public mutating func text(_ field: String, required: Bool = true) -> String {
        let text = value(field) ?? ""
        let raw = values.valuesTrimmed ? text : TextCleaning.trimmed(text)
        if raw.isEmpty && required { reject(field, raw, .missing) }
        return raw
    }

    /// An id: required text, refused when Excel has turned it into scientific notation
    /// (`3.41182E+17`: the digits past the sixth are already lost).
    public mutating func identifier(_ field: String) -> String {
        let raw = text(field)
        if DecimalText.isScientific(raw) { reject(field, raw, .excelScientific) }
        return raw
    }

    /// A count the record must have (empty: rejected as missing, read as 0).
    public mutating func count(_ field: String) -> Int { wholeNumber(field, text(field)) ?? 0 }

    /// A count that may be unknown: nil when the cell is empty or the field not exported.
    public mutating func optionalCount(_ field: String) -> Int? { wholeNumber(field, text(field, required: false)) }

    private mutating func wholeNumber(_ field: String, _ raw: String) -> Int? {
        guard !raw.isEmpty else { return nil }
        guard let n = DecimalText.count(raw) else { reject(field, raw, .notACount); return nil }
        return n
    }

    /// Money in fen that may be unknown: nil when the cell is empty or the field not exported.
    public mutating func optionalFen(_ field: String, unit: MoneyUnit) -> Int64? {
        let raw = text(field, required: false)
        guard !raw.isEmpty else { return nil }
        let given = lists._withUnsafeGuaranteedRef { $0.units.isEmpty ? nil : $0.units[field] }
        guard let fen = DecimalText.fen(raw, unit: given ?? unit), fen >= 0 else {
            reject(field, raw, .notAnAmount); return nil
        }
        return fen
    }

    /// A percentage as printed: `84.6`, `84.6%`, `84.6％`, `84.6﹪`; exact.
    public mutating func percent(_ field: String) -> ExactDecimal {
        let raw = text(field)
        var clean = DecimalText.normalize(raw)
        while let last = clean.last, ["%", "％", "﹪"].contains(last) { clean.removeLast() }
        guard !raw.isEmpty, let rate = DecimalText.decimal(clean), rate.scale <= 6, rate.units >= 0 else {
            if !raw.isEmpty { reject(field, raw, .notAnAmount) }
            return ExactDecimal(integer: 0)
        }
        return rate
    }

    public mutating func date(_ field: String) -> LocalDate {
        optionalDate(field, required: true) ?? LocalDate(year: 1970, month: 1, day: 1)!
    }

    public mutating func optionalDate(_ field: String, required: Bool = false) -> LocalDate? {
        // The usual cells read from their bytes: `YYYY-MM-DD` (or `/`), or an optional date left
        // empty or not given. Anything else, including every problem, takes the path below.
        if values.valuesTrimmed {
            switch values.withUTF8(field, { bytes -> FastDate in
                if bytes.isEmpty { return .empty }
                if case .success(let date)? = DateText.fastISO(bytes) { return .date(date) }
                return .other
            }) {
            case .date(let date)?: return date
            case .empty? where !required: return nil
            case nil where !required: return nil  // not given
            default: break
            }
        }
        let raw = text(field, required: required)
        guard !raw.isEmpty else { return nil }
        switch DateText.parse(raw) {
        case .success(let date): return date
        case .failure(let reason): reject(field, raw, reason); return nil
        }
    }

    public mutating func bool(_ field: String) -> Bool {
        if values.valuesTrimmed {  // the usual spellings, from the bytes
            switch values.withUTF8(field, { FieldReader.usualBool($0) }) {
            case nil: return false  // not given: empty
            case let known??: return known
            default: break
            }
        }
        let raw = text(field, required: false)
        switch raw {  // the usual spellings first, without a lowercased copy
        case "", "false", "0", "否": return false
        case "true", "1", "是": return true
        default: break
        }
        switch raw.lowercased() {
        case "", "false", "0", "否", "n", "no", "×": return false
        case "true", "1", "是", "y", "yes", "√": return true
        default: reject(field, raw, .notABoolean); return false
        }
    }

    /// `bool`'s usual spellings: "", false, 0, 否, true, 1, 是; nil for any other.
    private static func usualBool(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool? {
        switch bytes.count {
        case 0: return false
        case 1: return bytes[0] == 0x30 ? false : bytes[0] == 0x31 ? true : nil
        case 3:  // 否 E5 90 A6, 是 E6 98 AF
            if bytes[0] == 0xE5 && bytes[1] == 0x90 && bytes[2] == 0xA6 { return false }
            if bytes[0] == 0xE6 && bytes[1] == 0x98 && bytes[2] == 0xAF { return true }
            return nil
        case 4: return bytes.elementsEqual("true".utf8) ? true : nil
        case 5: return bytes.elementsEqual("false".utf8) ? false : nil
        default: return nil
        }
    }

    public mutating func region(_ field: String = "region") -> String { code(field, in: .regions) }
    public mutating func sector(_ field: String = "sector") -> String { code(field, in: .sectors) }
    /// The accident category by name, alias or code; empty when not given.
    public mutating func category(_ field: String = "category") -> String { code(field, in: .categories, required: false) }

    /// A time of day as `HH:MM`; empty when not given.
    public mutating func optionalTime(_ field: String) -> String {
        let raw = text(field, required: false)
        guard !raw.isEmpty else { return "" }
        switch TimeText.parse(raw) {
        case .success(let time): return time
        case .failure(let reason):
            // A date alone in a date-and-time column gives no time: not given, not wrong.
            if case .success = DateText.parse(raw) { return "" }
            reject(field, raw, reason); return ""
        }
    }

    private mutating func code(_ field: String, in which: FieldLists.Name, required: Bool = true) -> String {
        // A spelling the list holds byte for byte, read from the bytes. Not for what could be a
        // number in scientific notation (a sign or digit first): the path below refuses those.
        // The list is reached through the borrowed lists inside the lookup: handed in as an
        // argument of this mutating method, it was retained and released per record.
        let lists = lists
        if values.valuesTrimmed,
           case .some(.some(let name)) = values.withUTF8(field, { bytes -> String? in
               guard let first = bytes.first, first != 0x2B, first != 0x2D, first < 0x30 || first > 0x39 else { return nil }
               return lists._withUnsafeGuaranteedRef { $0.canonical(utf8: bytes, in: which) }
           }) {
            return name
        }
        let raw = text(field, required: required)
        guard !raw.isEmpty, let list = lists._withUnsafeGuaranteedRef({ $0.list(which) }) else { return raw }
        if DecimalText.isScientific(raw) { reject(field, raw, .excelScientific); return raw }
        guard let name = list.canonical(raw) else { reject(field, raw, .unknownCode(known: list.names)); return raw }
        return name
    }

    public mutating func choice<T: RawRepresentable & CaseIterable>(_ field: String, as type: T.Type) -> T?
    where T.RawValue == String {
        // A value spelled byte for byte as one of the type's raw values, from the bytes.
        if values.valuesTrimmed, case let value?? = values.withUTF8(field, { bytes -> T? in
            guard !bytes.isEmpty else { return nil }
            for value in T.allCases {
                var raw = value.rawValue
                if raw.utf8.count == bytes.count, raw.withUTF8({ ByteText.equal($0, bytes) }) { return value }
            }
            return nil
        }) {
            return value
        }
        let raw = text(field)
        guard !raw.isEmpty else { return nil }
        guard let value = T(rawValue: raw) else {
            reject(field, raw, .unknownValue(allowed: T.allCases.map(\.rawValue))); return nil
        }
        return value
    }

    /// Records a rejection found by a cross-field check.
    public mutating func fail(_ field: String, _ raw: String, _ reason: RejectionReason) {
        reject(field, raw, reason)
    }
}

/// The code lists and money units a `FieldReader` checks against.
final class FieldLists: Sendable {
    let regions: CodeList?
    let sectors: CodeList?
    let categories: CodeList?
    let units: [String: MoneyUnit]

    init(regions: CodeList?, sectors: CodeList?, categories: CodeList?, units: [String: MoneyUnit]) {
        self.regions = regions; self.sectors = sectors; self.categories = categories; self.units = units
    }

    enum Name { case regions, sectors, categories }

    func list(_ name: Name) -> CodeList? {
        switch name {
        case .regions: return regions
        case .sectors: return sectors
        case .categories: return categories
        }
    }

    /// The list's canonical name for a spelling it holds byte for byte (the list used where it lies).
    func canonical(utf8 bytes: UnsafeBufferPointer<UInt8>, in name: Name) -> String? {
        switch name {
        case .regions: return regions?.canonical(utf8: bytes)
        case .sectors: return sectors?.canonical(utf8: bytes)
        case .categories: return categories?.canonical(utf8: bytes)
        }
    }
}

/// What a date cell's bytes are at a glance (`FieldReader.optionalDate`).
private enum FastDate { case date(LocalDate), empty, other }

extension FieldReader where Values == ClosureFieldValues {
    public init(position: SourcePosition, regions: CodeList? = nil, sectors: CodeList? = nil, categories: CodeList? = nil,
                units: [String: MoneyUnit] = [:], value: @escaping (String) -> String?) {
        self.init(position: position, regions: regions, sectors: sectors, categories: categories, units: units,
                  values: ClosureFieldValues(body: value))
    }
}
