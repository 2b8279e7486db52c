/// Why a record was rejected; rendered to text in one place so wording stays consistent.
public enum RejectionReason: Hashable, Sendable, Error {
    case missing
    case notACount
    case notAnAmount
    case notADate
    case notATime
    case impossibleDate
    case ambiguousDate
    case notABoolean
    case unknownCode(known: [String])
    case unknownValue(allowed: [String])
    /// The unit a money figure's own attribute or column names is not one the common format knows.
    case unknownUnit(allowed: [String])
    case invalidText(byteOffset: Int)
    case wrongFieldCount(expected: Int, found: Int)
    case rectifiedBeforeFound(found: LocalDate)
    case rateDisagrees(computed: ExactDecimal, rectified: Int, identified: Int)
    case rectifiedWithoutDate
    case dateButOpen
    case excelScientific
    case strayQuote
    case recordTooLarge(limitBytes: Int)
    case rectifiedExceedsIdentified(identified: Int)
    case conflictingDuplicate(otherLine: Int)

    /// Stable machine-readable code, the `reason_code` column of rejects.csv.
    public var code: String {
        switch self {
        case .missing: "missing"
        case .notACount: "not_a_count"
        case .notAnAmount: "not_an_amount"
        case .notADate: "not_a_date"
        case .notATime: "not_a_time"
        case .impossibleDate: "impossible_date"
        case .ambiguousDate: "ambiguous_date"
        case .notABoolean: "not_a_boolean"
        case .unknownCode: "unknown_code"
        case .unknownValue: "unknown_value"
        case .unknownUnit: "unknown_unit"
        case .invalidText: "invalid_text"
        case .wrongFieldCount: "wrong_field_count"
        case .rectifiedBeforeFound: "rectified_before_found"
        case .rateDisagrees: "rate_disagrees"
        case .rectifiedWithoutDate: "rectified_without_date"
        case .dateButOpen: "open_with_rectified_date"
        case .excelScientific: "excel_scientific_notation"
        case .strayQuote: "stray_quote"
        case .recordTooLarge: "record_too_large"
        case .rectifiedExceedsIdentified: "rectified_exceeds_identified"
        case .conflictingDuplicate: "conflicting_duplicate"
        }
    }

    /// What is wrong and what to do, in words a clerk can act on.
    public var message: String {
        switch self {
        case .missing: "value is missing; fill it in"
        case .notACount: "is not a whole number of zero or more; use digits"
        case .notAnAmount: "is not an amount; use digits with at most 2 decimals in 元 (or 6 in 万元)"
        case .notADate: "is not a date; use 2020-10-31, 2020/10/31, 2020年10月31日 or 20201031"
        case .notATime: "is not a time of day; use 09:47, 9时47分 or a date with the time (2020-01-07 09:47)"
        case .impossibleDate: "is not a day of the calendar"
        case .ambiguousDate: "is ambiguous (day/month or month/day); write the year first"
        case .notABoolean: "is not yes or no; use 是 or 否"
        case .unknownCode(let known): "is not in the code list; known: \(known.joined(separator: "、"))"
        case .unknownValue(let allowed): "is not an allowed value; allowed: \(allowed.joined(separator: "、"))"
        case .unknownUnit(let allowed): "is not a money unit the figure can be read in; allowed: \(allowed.joined(separator: "、"))"
        case .invalidText(let offset): "has bytes that are not valid text in the declared encoding at byte \(offset)"
        case .wrongFieldCount(let expected, let found): "row has \(found) fields, the header has \(expected)"
        case .rectifiedBeforeFound(let found): "rectification date is before the date found (\(found))"
        case .rectifiedWithoutDate: "is empty but the status says rectified (已整改); give the date it was accepted"
        case .strayQuote: "has a quote inside a field that does not start with one, or text after a closing quote (not CSV as RFC 4180 writes it); quote the whole field and double the quotes inside it"
        case .recordTooLarge(let limit): "record is larger than \(limit) bytes (the pipeline's max_record_bytes); it was skipped and reading went on at the next record"
        case .excelScientific: "is in scientific notation: Excel turned the number into 1.23E+17 and its digits are lost; format the column as text (文本) before exporting, or export from the system directly"
        case .dateButOpen: "is a rectification date but the status says not rectified (未整改/整改中); correct the status or clear the date"
        case .rectifiedExceedsIdentified(let identified): "hazards rectified is more than the \(identified) identified; correct the counts"
        case .conflictingDuplicate(let other):
            "is the same id as the record at line \(other) of this export, with different values; both are rejected: keep the right one"
        case .rateDisagrees(let computed, let rectified, let identified):
            "differs by more than 0.1 point from the counts (\(rectified)/\(identified) = \(computed.fixed(1))%); correct the rate or the counts"
        }
    }
}

/// A record that cannot enter the common format, and why. One row of rejects.csv.
public struct Rejection: Hashable, Sendable, Error {
    public var position: SourcePosition
    public var field: String
    public var value: String
    public var reason: RejectionReason

    public init(position: SourcePosition, field: String, value: String, reason: RejectionReason) {
        self.position = position
        self.field = field
        self.value = value
        self.reason = reason
    }

    /// `file[:member]:line: field "deaths": "两" is not a whole number ...`; a record-level
    /// reason (no field: wrong field count, record too large) reads `file:line: row has …`.
    public var message: String {
        field.isEmpty && value.isEmpty ? "\(position): \(reason.message)" : "\(position): field \"\(field)\": \"\(value)\" \(reason.message)"
    }
}
