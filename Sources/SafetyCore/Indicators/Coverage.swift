/// What the exports cover: per department and record kind, the days their records can come
/// from. A figure for a period that some department's exports do not cover is not a figure:
/// a period no export of a department reaches is left empty; one its exports reach only in part
/// keeps what was received but is compared with nothing; a comparison period not covered in full
/// is left empty. Nothing missing is ever counted as 0 or as a change against 0.
public struct Coverage: Sendable, Hashable, Codable {
    /// One export's reach: from `start` (nil: as far back as its records go) to `end` (nil: no end
    /// known — an export date per row, no declared year).
    public struct Entry: Sendable, Hashable, Codable, Comparable {
        public var source: String
        public var kind: RecordKind
        public var start: LocalDate?
        public var end: LocalDate?

        public init(source: String, kind: RecordKind, start: LocalDate?, end: LocalDate?) {
            self.source = source; self.kind = kind; self.start = start; self.end = end
        }

        public static func < (a: Entry, b: Entry) -> Bool {
            (a.source, a.kind.rawValue, a.start?.dayNumber ?? Int.min, a.end?.dayNumber ?? Int.max)
                < (b.source, b.kind.rawValue, b.start?.dayNumber ?? Int.min, b.end?.dayNumber ?? Int.max)
        }
    }

    public enum State: Sendable, Hashable {
        case full
        /// Covered in part: the named departments' exports stop before the period ends or begin after it starts.
        case partial(sources: [String])
        /// The named departments sent nothing that reaches the period.
        case none(sources: [String])
    }

    public private(set) var entries: [Entry] = []

    public init(_ entries: [Entry] = []) { self.entries = Array(Set(entries)).sorted() }

    public var isEmpty: Bool { entries.isEmpty }

    public mutating func merge(_ other: Coverage) { self = Coverage(entries + other.entries) }

    /// How far the exports of `sources` reach into `start...end`, for records of `kind`.
    public func state(of kind: RecordKind, from start: LocalDate, to end: LocalDate, sources: [String]) -> State {
        var partial: [String] = [], none: [String] = []
        for source in sources {
            // The days covered, as merged closed intervals of day numbers.
            let spans = entries.filter { $0.source == source && $0.kind == kind }
                .map { ($0.start?.dayNumber ?? Int.min, $0.end?.dayNumber ?? Int.max) }.sorted { $0.0 < $1.0 }
            var merged: [(Int, Int)] = []
            for span in spans {
                if let last = merged.last, span.0 <= (last.1 == Int.max ? Int.max : last.1 + 1) {
                    merged[merged.count - 1].1 = max(last.1, span.1)
                } else {
                    merged.append(span)
                }
            }
            let from = start.dayNumber, to = end.dayNumber
            if merged.contains(where: { $0.0 <= from && $0.1 >= to }) { continue }
            if merged.contains(where: { $0.0 <= to && $0.1 >= from }) { partial.append(source) } else { none.append(source) }
        }
        if !none.isEmpty { return .none(sources: none) }
        if !partial.isEmpty { return .partial(sources: partial) }
        return .full
    }
}
