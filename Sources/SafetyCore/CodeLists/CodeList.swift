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

        public init(name: String, label: String? = nil, shortLabel: String? = nil, aliases: [String] = []) {
            self.name = name
            self.label = label ?? name
            self.shortLabel = shortLabel ?? name
            self.aliases = aliases
        }

        enum CodingKeys: String, CodingKey { case name, label, shortLabel = "short_label", aliases }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(name: try c.decode(String.self, forKey: .name),
                      label: try c.decodeIfPresent(String.self, forKey: .label),
                      shortLabel: try c.decodeIfPresent(String.self, forKey: .shortLabel),
                      aliases: try c.decodeIfPresent([String].self, forKey: .aliases) ?? [])
        }
    }

    public let entries: [Entry]
    private let lookup: [String: String]

    public init(_ entries: [Entry]) {
        self.entries = entries
        var lookup: [String: String] = [:]
        for entry in entries {
            lookup[entry.name] = entry.name
            for alias in entry.aliases { lookup[alias] = entry.name }
        }
        self.lookup = lookup
    }

    /// The canonical name for a spelling, ignoring surrounding spaces; nil if unknown.
    public func canonical(_ spelling: String) -> String? {
        lookup[TextCleaning.trimmed(spelling)]
    }

    public func label(of name: String) -> String {
        entries.first { $0.name == name }?.label ?? name
    }

    public var names: [String] { entries.map(\.name) }
}

/// Small text clean-ups shared by parsing stages.
public enum TextCleaning {
    /// Removes ASCII and full-width spaces, tabs and line ends at both ends.
    public static func trimmed(_ text: String) -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\u{3000}" || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\u{FEFF}" }
        guard let first = text.firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = text.lastIndex(where: { !isSpace($0) })!
        return String(text[first...last])
    }
}
