/// How one department's export maps onto the common format: file layout, record kind,
/// and which column or XML path feeds each common field. Parsed from
/// `Pipelines/<pipeline>/mappings/<department>.yaml`; adding a department adds a file, not code.
///
/// Example (CSV): `fields: {id: 隐患编号, found_date: 发现日期, listed: {from: 是否挂牌, values: {挂牌: 是}}}`.
/// Example (XML): `xml: {namespaces: {t: "urn:jj"}, record: /t:Export/t:Accident}` with
/// `fields: {id: "@id", deaths: "t:Casualties/t:Deaths"}` — paths relative to the record element.
public struct DepartmentMapping: Sendable, Hashable, Decodable {
    public enum Format: String, Sendable, Hashable, Decodable { case csv, xml, xlsx }

    /// CSV layout: delimiter, the header's line, rows to skip.
    public struct CSVLayout: Sendable, Hashable, Decodable {
        /// One character: `,`, `;` or a tab.
        public var delimiter: String = ","
        /// 1-based line of the header; rows above it (titles) are skipped and logged.
        public var headerRow: Int = 1
        /// Rows whose first cell is one of these (合计, 小计) are skipped and logged, never counted.
        public var skipRowsWhereFirstCell: [String] = []

        enum CodingKeys: String, CodingKey {
            case delimiter, headerRow = "header_row", skipRowsWhereFirstCell = "skip_rows_where_first_cell"
        }
        public init() {}
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            delimiter = try c.decodeIfPresent(String.self, forKey: .delimiter) ?? ","
            headerRow = try c.decodeIfPresent(Int.self, forKey: .headerRow) ?? 1
            skipRowsWhereFirstCell = try c.decodeIfPresent([String].self, forKey: .skipRowsWhereFirstCell) ?? []
        }
    }

    /// XML layout: namespace prefixes used in paths, and the absolute path of the record element.
    public struct XMLLayout: Sendable, Hashable, Decodable {
        public var namespaces: [String: String] = [:]
        public var record: String

        enum CodingKeys: String, CodingKey { case namespaces, record }

        public init(namespaces: [String: String] = [:], record: String) {
            self.namespaces = namespaces
            self.record = record
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(namespaces: try c.decodeIfPresent([String: String].self, forKey: .namespaces) ?? [:],
                      record: try c.decode(String.self, forKey: .record))
        }
    }

    /// Where the export date comes from; never the file's modification time.
    public struct ExportDateRule: Sendable, Hashable, Decodable {
        public var column: String?
        public var constant: String?
        /// A regular expression whose first capture in the file name is a date (`(\d{8})`).
        public var fileNamePattern: String?

        enum CodingKeys: String, CodingKey { case column, constant, fileNamePattern = "file_name_pattern" }
    }

    /// One common field's origin: a source column or path, or a constant; with a value map
    /// (applied to the trimmed text) and, for money, the source unit.
    public struct FieldRule: Sendable, Hashable, Decodable {
        public var from: String?
        public var constant: String?
        public var values: [String: String] = [:]
        public var unit: MoneyUnit?
        /// Where each record says its own unit: an attribute or a column (`jj:Loss/@unit`, `金额单位`);
        /// 元 or 万元, anything else rejects the record (`unknown_unit`); empty falls back to `unit`.
        public var unitFrom: String?
        /// The column holds standard codes, not names: `gbt4754-2017`, `gbt4754-2011` (sector), `gbt2260` (region).
        public var codes: String?
        /// Dates may arrive as Excel serial numbers (45000 = 2023-03-15), as XLSX-to-CSV exports leave them.
        public var excelSerialDates: Bool
        /// The department does not export this figure: it is unknown for every record (empty in
        /// the common format), never a made-up constant 0. Only for `RecordSchema.unknowable` fields.
        public var notExported = false
        /// The column may be absent from an export (the department added it in a later version of
        /// its export): then the field is unknown (empty) for that export's records. Only for
        /// fields a record may lack; a column named but absent is otherwise a configuration error.
        public var optional = false

        enum CodingKeys: String, CodingKey {
            case from, constant, values, unit, codes, excelSerialDates = "excel_serial_dates", notExported = "not_exported", optional
            case unitFrom = "unit_from"
        }

        public init(from decoder: any Decoder) throws {
            if let single = try? decoder.singleValueContainer().decode(String.self) {
                from = single
                excelSerialDates = false
                return
            }
            let c = try decoder.container(keyedBy: CodingKeys.self)
            from = try c.decodeIfPresent(String.self, forKey: .from)
            constant = try c.decodeIfPresent(String.self, forKey: .constant)
            values = try c.decodeIfPresent([String: String].self, forKey: .values) ?? [:]
            unit = try c.decodeIfPresent(MoneyUnit.self, forKey: .unit)
            unitFrom = try c.decodeIfPresent(String.self, forKey: .unitFrom)
            codes = try c.decodeIfPresent(String.self, forKey: .codes)
            excelSerialDates = try c.decodeIfPresent(Bool.self, forKey: .excelSerialDates) ?? false
            notExported = try c.decodeIfPresent(Bool.self, forKey: .notExported) ?? false
            optional = try c.decodeIfPresent(Bool.self, forKey: .optional) ?? false
        }
    }

    /// The exporting department, written as `source` in the common format.
    public var department: String
    public var kind: RecordKind
    public var format: Format
    /// Text encoding of a CSV export: utf-8, gb18030, gbk, utf-16 (BOM detected).
    public var encoding: String
    /// Glob selecting members when the export is an archive (`enforcement-*.csv`).
    public var members: String?
    public var csv: CSVLayout
    public var xml: XMLLayout?
    /// For xlsx: the worksheet to read (default: the first). The `csv` section's header_row and
    /// skip_rows_where_first_cell apply to its rows.
    public var sheet: String?
    public var exportDate: ExportDateRule
    public var fields: [String: FieldRule]

    enum CodingKeys: String, CodingKey {
        case department, kind, format, encoding, members, sheet, csv, xml, exportDate = "export_date", fields
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        department = try c.decode(String.self, forKey: .department)
        kind = try c.decode(RecordKind.self, forKey: .kind)
        format = try c.decode(Format.self, forKey: .format)
        encoding = try c.decodeIfPresent(String.self, forKey: .encoding) ?? "utf-8"
        members = try c.decodeIfPresent(String.self, forKey: .members)
        sheet = try c.decodeIfPresent(String.self, forKey: .sheet)
        csv = try c.decodeIfPresent(CSVLayout.self, forKey: .csv) ?? CSVLayout()
        xml = try c.decodeIfPresent(XMLLayout.self, forKey: .xml)
        exportDate = try c.decode(ExportDateRule.self, forKey: .exportDate)
        fields = try c.decode([String: FieldRule].self, forKey: .fields)
    }

    /// Problems that make the mapping unusable, one sentence each; empty when it is sound.
    public func problems() -> [String] {
        var problems: [String] = []
        let known = Set(RecordSchema.body(of: kind).map(\.name) + ["id"] + RecordSchema.checkedOnly(kind))
        for name in fields.keys.sorted() where !known.contains(name) {
            problems.append("field \"\(name)\" is not a \(kind.rawValue) field; known: \(known.sorted().joined(separator: ", "))")
        }
        for field in RecordSchema.body(of: kind) + [RecordSchema.head[0]]
        where (field.required || RecordSchema.unknowable.contains(field.name)) && !RecordSchema.optionalInMappings.contains(field.name) {
            guard fields[field.name] == nil else { continue }
            problems.append(RecordSchema.unknowable.contains(field.name)
                ? "field \"\(field.name)\" has no rule; if the department does not export it, say \(field.name): {not_exported: true}"
                : "required field \"\(field.name)\" has no rule")
        }
        for (name, rule) in fields.sorted(by: { $0.key < $1.key }) {
            if rule.notExported {
                if !RecordSchema.unknowable.contains(name) {
                    problems.append("field \"\(name)\" cannot be not_exported; only \(RecordSchema.unknowable.sorted().joined(separator: ", ")) may be unknown")
                } else if rule.from != nil || rule.constant != nil {
                    problems.append("field \"\(name)\" is not_exported, so it takes neither from nor constant")
                }
            } else if (rule.from == nil) == (rule.constant == nil) {
                problems.append("field \"\(name)\" needs exactly one of from or constant")
            }
            if rule.optional {
                let required = (RecordSchema.body(of: kind) + [RecordSchema.head[0]]).contains { $0.name == name && $0.required }
                if rule.from == nil { problems.append("field \"\(name)\" is optional, so it takes its value from a column (from)") }
                if required { problems.append("field \"\(name)\" is required in every record, so its column cannot be optional") }
            }
        }
        for (name, rule) in fields.sorted(by: { $0.key < $1.key }) {
            guard let codes = rule.codes else { continue }
            switch (name, CodeScheme(codes)) {
            case ("sector", .industry?), ("region", .division?): break
            default: problems.append("field \"\(name)\": codes \"\(codes)\" does not apply (sector: gbt4754-2017 or gbt4754-2011; region: gbt2260)")
            }
        }
        if kind == .hazardSummary && fields["region"] == nil && fields["department"] == nil {
            problems.append("a hazard_summary mapping names region or department (what each row sums up)")
        }
        let money: Set<String> = ["direct_loss_wan_yuan", "fine_yuan", "funds_yuan"]
        for (name, rule) in fields.sorted(by: { $0.key < $1.key }) where (rule.unit != nil || rule.unitFrom != nil) && !money.contains(name) {
            problems.append("field \"\(name)\": unit and unit_from apply to money fields only (\(money.sorted().joined(separator: ", ")))")
        }
        let dateSources = [exportDate.column, exportDate.constant, exportDate.fileNamePattern].compactMap { $0 }
        if dateSources.count != 1 { problems.append("export_date needs exactly one of column, constant or file_name_pattern") }
        if format == .xml && xml == nil { problems.append("format xml needs an xml section with record") }
        if sheet != nil && format != .xlsx { problems.append("sheet applies to format xlsx only") }
        if format == .xlsx && members != nil { problems.append("format xlsx reads one workbook; members applies to csv or xml bundles") }
        if csv.delimiter.unicodeScalars.count != 1 || !csv.delimiter.unicodeScalars.first!.isASCII {
            problems.append("csv delimiter must be one ASCII character")
        }
        return problems
    }
}

extension DepartmentMapping.ExportDateRule {
    /// The export date fixed for a whole file (constant or from the file name); nil when it
    /// comes from a column. Throws a sentence when the rule cannot give a date for this file.
    public func fileDate(fileName: String) throws(MappingProblem) -> LocalDate? {
        if let constant {
            guard case .success(let date) = DateText.parse(constant) else {
                throw MappingProblem("export_date constant \"\(constant)\" is not a date")
            }
            return date
        }
        if let fileNamePattern {
            guard let captured = try FileNamePattern.firstCapture(fileNamePattern, in: fileName, option: "export_date file_name_pattern"),
                  case .success(let date) = DateText.parse(captured) else {
                throw MappingProblem("file name \"\(fileName)\" does not carry an export date matching \(fileNamePattern)")
            }
            return date
        }
        return nil
    }
}

/// A sentence saying why a mapping or pipeline file cannot be used.
public struct MappingProblem: Error, Sendable, Hashable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A regular expression on a file name whose first group captures a value (an export date, a year).
public enum FileNamePattern {
    /// The first group's text where `pattern` matches `name`; nil where it does not match.
    public static func firstCapture(_ pattern: String, in name: String, option: String) throws(MappingProblem) -> String? {
        guard let regex = try? Regex(pattern) else { throw MappingProblem("\(option) \"\(pattern)\" is not a valid regular expression") }
        guard let match = name.firstMatch(of: regex), match.output.count > 1, let group = match.output[1].substring else { return nil }
        return String(group)
    }
}
