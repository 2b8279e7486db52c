/// A list of canonical names with their aliases, for sectors (行业领域) and regions (乡镇/街道).
///
/// Departments spell the same town or sector differently (女山湖 / 女山湖镇); the pipeline's
/// code list maps every accepted spelling to one canonical name. Unknown names are rejected.
public struct CodeList: Sendable, Hashable {
    public struct Entry: Sendable, Hashable, Decodable {
        /// The canonical name written in normalized data (`道路交通运输`).
        public let name: String
        /// The name used in bulletin sentences (`道路交通运输业`); defaults to `name`.
        public let label: String
        /// The short name in set phrases (较大以上道路交通事故); defaults to `name`.
        public let shortLabel: String
        public let aliases: [String]
        /// Standard codes that mean this entry: GB/T 4754 industry codes for a sector (门类 letters
        /// `C`, 大类 prefixes `54`, ranges `13-43`, optionally for one edition: `2011:54`), or the
        /// GB/T 2260 / 12-digit statistical division code for a region (`341182100000`).
        public let codes: [String]

        public init(name: String, label: String? = nil, shortLabel: String? = nil, aliases: [String] = [], codes: [String] = []) {
            self.name = name
            self.label = label ?? name
            self.shortLabel = shortLabel ?? name
            self.aliases = aliases
            self.codes = codes
        }

        enum CodingKeys: String, CodingKey { case name, label, shortLabel = "short_label", aliases, codes }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(name: try c.decode(String.self, forKey: .name),
                      label: try c.decodeIfPresent(String.self, forKey: .label),
                      shortLabel: try c.decodeIfPresent(String.self, forKey: .shortLabel),
                      aliases: try c.decodeIfPresent([String].self, forKey: .aliases) ?? [],
                      codes: try c.decodeIfPresent([String].self, forKey: .codes) ?? [])
        }
    }

    /// The entries and their lookup tables behind one reference: a code list is copied with
    /// every record's field reader, at the price of one retain.
    private final class Storage: Sendable {
        let entries: [Entry]
        let lookup: [String: String]
        /// The same spellings in an open-addressing table over their UTF-8 bytes (FNV-1a): a lookup
        /// hashes and compares bytes, skipping the Unicode normalisation a `String` key pays.
        let byteLookup: SpellingTable

        init(entries: [Entry], lookup: [String: String]) {
            self.entries = entries
            self.lookup = lookup
            byteLookup = SpellingTable(lookup.map { ($0.key, $0.value) })
        }
    }
    private let storage: Storage

    public var entries: [Entry] { storage.entries }

    public static func == (a: CodeList, b: CodeList) -> Bool { a.storage === b.storage || a.entries == b.entries }
    public func hash(into hasher: inout Hasher) { hasher.combine(entries) }

    struct SpellingTable: Sendable, Hashable {
        private var slots: [Int32]
        private var keys: [[UInt8]] = []
        private var names: [String] = []

        init(_ pairs: [(String, String)]) {
            var size = 16
            while size < pairs.count * 4 { size *= 2 }
            slots = Array(repeating: -1, count: size)
            for (spelling, name) in pairs {
                let key = Array(spelling.utf8)
                var slot = key.withUnsafeBufferPointer { SpellingTable.hash($0) } & (size - 1)
                while slots[slot] >= 0 { slot = (slot + 1) & (size - 1) }
                slots[slot] = Int32(keys.count)
                keys.append(key)
                names.append(name)
            }
        }

        static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
            var h: UInt64 = 0xcbf29ce484222325
            for byte in bytes { h = (h ^ UInt64(byte)) &* 0x100000001b3 }
            return Int(truncatingIfNeeded: h ^ (h >> 29))
        }

        func lookup(_ text: String) -> String? {
            var text = text
            return text.withUTF8 { lookup(utf8: $0) }
        }

        func lookup(utf8 bytes: UnsafeBufferPointer<UInt8>) -> String? {
            var slot = SpellingTable.hash(bytes) & (slots.count - 1)
            while true {
                let id = Int(slots[slot])
                if id < 0 { return nil }
                if keys[id].count == bytes.count, keys[id].withUnsafeBufferPointer({ ByteText.equal($0, bytes) }) { return names[id] }
                slot = (slot + 1) & (slots.count - 1)
            }
        }
    }

    public init(_ entries: [Entry]) {
        var lookup: [String: String] = [:]
        for entry in entries {
            lookup[entry.name] = entry.name
            for alias in entry.aliases { lookup[alias] = entry.name }
        }
        storage = Storage(entries: entries, lookup: lookup)
    }

    /// The canonical name for a spelling, ignoring surrounding spaces; nil if unknown.
    public func canonical(_ spelling: String) -> String? {
        let trimmed = TextCleaning.trimmed(spelling)
        return storage.byteLookup.lookup(trimmed) ?? storage.lookup[trimmed]
    }

    /// The canonical name for a spelling given as trimmed UTF-8 bytes, when a spelling has exactly
    /// these bytes; nil otherwise (`canonical` also finds spellings equal only as Unicode text).
    public func canonical(utf8 bytes: UnsafeBufferPointer<UInt8>) -> String? {
        storage.byteLookup.lookup(utf8: bytes)
    }

    public func label(of name: String) -> String {
        entries.first { $0.name == name }?.label ?? name
    }

    public var names: [String] { entries.map(\.name) }

    /// The entry named by a standard code; nil when no entry claims it.
    public func name(forCode raw: String, scheme: CodeScheme) -> String? {
        let code = TextCleaning.trimmed(DecimalText.normalizeDigits(raw)).uppercased()
        switch scheme {
        case .division:
            let wanted = CodeList.trimmingZeros(code)
            guard !wanted.isEmpty, code.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            return entries.first { $0.codes.contains { CodeList.trimmingZeros($0) == wanted } }?.name
        case .industry(let edition):
            let letter = code.first.flatMap { $0.isLetter ? $0 : nil }
            let digits = String(code.drop { $0.isLetter })
            guard digits.allSatisfy({ $0.isASCII && $0.isNumber }), letter != nil || !digits.isEmpty else { return nil }
            var best: (name: String, specificity: Int)?
            for entry in entries {
                for spec in entry.codes {
                    var rule = Substring(spec)
                    if let colon = rule.firstIndex(of: ":") {
                        guard rule[..<colon] == edition else { continue }
                        rule = rule[rule.index(after: colon)...]
                    }
                    let specificity: Int
                    if rule.count == 1, let l = rule.first, l.isLetter {
                        guard l == letter else { continue }
                        specificity = 1
                    } else if let dash = rule.firstIndex(of: "-") {
                        guard let low = Int(rule[..<dash]), let high = Int(rule[rule.index(after: dash)...]),
                              digits.count >= 2, let major = Int(digits.prefix(2)), (low...high).contains(major) else { continue }
                        specificity = 2
                    } else {
                        guard !rule.isEmpty, digits.hasPrefix(rule) else { continue }
                        specificity = 2 + rule.count
                    }
                    if specificity > (best?.specificity ?? 0) { best = (entry.name, specificity) }
                }
            }
            return best?.name
        }
    }

    static func trimmingZeros(_ code: String) -> String {
        String(code.reversed().drop { $0 == "0" }.reversed())
    }
}

/// The standard a code column follows.
public enum CodeScheme: Sendable, Hashable {
    /// GB/T 4754 国民经济行业分类, edition "2011" or "2017".
    case industry(edition: String)
    /// GB/T 2260 行政区划代码 and the 12-digit statistical division codes for townships.
    case division

    /// Parses a mapping's `codes:` value: `gbt4754-2017`, `gbt4754-2011`, `gbt2260`.
    public init?(_ text: String) {
        switch text.lowercased() {
        case "gbt4754-2017": self = .industry(edition: "2017")
        case "gbt4754-2011": self = .industry(edition: "2011")
        case "gbt2260": self = .division
        default: return nil
        }
    }
}

/// Byte comparisons for tables keyed by UTF-8 bytes.
public enum ByteText {
    /// Copies `count` bytes, for the short texts of a record's cells: up to 16 bytes in two
    /// overlapping loads and stores (no loop, no memcpy call), longer ones with memcpy.
    @inlinable @inline(__always)
    public static func copy(_ source: UnsafePointer<UInt8>, to target: UnsafeMutablePointer<UInt8>, count n: Int) {
        let from = UnsafeRawPointer(source), to = UnsafeMutableRawPointer(target)
        if n >= 8 && n <= 16 {
            let head = from.loadUnaligned(as: UInt64.self), tail = from.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
            to.storeBytes(of: head, as: UInt64.self)
            to.storeBytes(of: tail, toByteOffset: n - 8, as: UInt64.self)
        } else if n >= 4 && n < 8 {
            let head = from.loadUnaligned(as: UInt32.self), tail = from.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)
            to.storeBytes(of: head, as: UInt32.self)
            to.storeBytes(of: tail, toByteOffset: n - 4, as: UInt32.self)
        } else if n < 4 {
            for i in 0..<n { target[i] = source[i] }
        } else {
            target.update(from: source, count: n)
        }
    }

    /// True when both hold the same bytes, compared eight at a time (the generic `elementsEqual`
    /// goes through iterators byte by byte).
    @inlinable public static func equal(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = a.count
        guard n == b.count else { return false }
        guard n > 0, let x = a.baseAddress, let y = b.baseAddress else { return true }
        var i = 0
        while i + 8 <= n {
            if UnsafeRawPointer(x + i).loadUnaligned(as: UInt64.self) != UnsafeRawPointer(y + i).loadUnaligned(as: UInt64.self) { return false }
            i += 8
        }
        while i < n {
            if x[i] != y[i] { return false }
            i += 1
        }
        return true
    }
}

/// Small text clean-ups shared by parsing stages.
public enum TextCleaning {
    /// False when UTF-8 text with these first and last bytes has nothing to trim.
    @inlinable public static func mayNeedTrimming(first: UInt8, last: UInt8) -> Bool {
        @inline(__always) func asciiSpace(_ x: UInt8) -> Bool { x == 0x20 || x == 0x09 || x == 0x0A || x == 0x0D }
        return asciiSpace(first) || first == 0xE3 || first == 0xEF || asciiSpace(last) || last == 0x80 || last == 0xBF
    }

    /// The first and last UTF-8 byte of `text` (nil when empty), read from its storage: the
    /// generic `utf8.last` walks an index backwards.
    private static func ends(_ text: String) -> (first: UInt8, last: UInt8)? {
        if let ends = text.utf8.withContiguousStorageIfAvailable({ $0.isEmpty ? nil : ($0[0], $0[$0.count - 1]) }) { return ends }
        guard let first = text.utf8.first, let last = text.utf8.last else { return nil }
        return (first, last)
    }

    /// Removes ASCII and full-width spaces, tabs and line ends at both ends.
    public static func trimmed(_ text: String) -> String {
        // Fast path on the end bytes: the spaces trimmed are ASCII, U+3000 (E3 80 80) and U+FEFF
        // (EF BB BF), so text that starts with none of 20 09 0A 0D E3 EF and ends with none of
        // 20 09 0A 0D 80 BF has nothing to trim. Anything else takes the exact path below.
        guard let (head, tail) = ends(text) else { return text }
        if !mayNeedTrimming(first: head, last: tail) { return text }
        let isSpace: (Unicode.Scalar) -> Bool = {
            $0 == " " || $0 == "\u{3000}" || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\u{FEFF}"
        }
        let scalars = text.unicodeScalars
        if !isSpace(scalars.first!) && !isSpace(scalars.last!) { return text }
        guard let first = scalars.firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !isSpace($0) })!
        return String(scalars[first...last])
    }
}
