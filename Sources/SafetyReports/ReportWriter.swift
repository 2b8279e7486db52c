import Foundation
import SafetyCore
import SafetyIO

/// Writes one output of `safety-report`, picked by the file's extension; every file is written
/// to a temporary beside it and renamed, so a present output is always complete.
public struct ReportWriter {
    public let pipeline: LoadedPipeline
    public let table: IndicatorTable
    public let period: String?
    /// safety.sqlite written before (by `.sqlite` output): the source of the lists (`WorkLists`)
    /// in the workbook, the report and the bulletin; without it they carry the figures alone.
    public let database: String?

    public init(pipeline: LoadedPipeline, table: IndicatorTable, period: String? = nil, database: String? = nil) {
        self.pipeline = pipeline
        self.table = table
        self.period = period
        self.database = database
    }

    public static let formats = ["md", "txt", "docx", "xlsx", "html", "sqlite", "csv (named *-excel.csv, or a list: "
                                 + WorkLists.all.compactMap(\.file).joined(separator: ", ") + ")"]

    public func write(_ path: String, normalized: String? = nil) throws {
        let ext = (path as NSString).pathExtension.lowercased()
        let name = (path as NSString).lastPathComponent.lowercased()
        switch ext {
        case "md": try AtomicFile.write(bulletin(), to: path)
        case "txt": try AtomicFile.write(BulletinRenderer.plainText(bulletin()), to: path)
        case "docx": try OfficialDocument.write(markdown: bulletin(), overall: tables().overall, to: path)
        case "csv":
            if let list = WorkLists.all.first(where: { $0.file != nil && name.hasSuffix($0.file!) }) {
                try WorkLists.writeCSV(list, database: requireDatabase(path), to: path)
                return
            }
            // Only a name that says so: a plain .csv is what systems load (safety-merge writes it), never BOM'd.
            guard name.hasSuffix("excel.csv") else {
                throw IngestFailure.configuration(file: path, problems: [
                    "a .csv output is the CSV for Excel and must be named *-excel.csv, or a list ("
                    + WorkLists.all.compactMap(\.file).joined(separator: ", ") + "); the plain indicators.csv comes from safety-merge"])
            }
            try ExcelCSV.write(table, to: path)
        case "xlsx": try WorkbookWriter.write(tables().sheets + lists(), to: path)
        case "html": try AtomicFile.write(HTMLReport(tables: tables(), bulletin: bulletin(), lists: lists()).html, to: path)
        case "sqlite":
            guard let normalized else {
                throw IngestFailure.configuration(file: path, problems: ["a .sqlite output needs --normalized <folder>"])
            }
            let reported = try tables().period
            try SQLiteExport.write(table: table, normalized: normalized, period: reported, to: path)
        default:
            throw IngestFailure.configuration(file: path, problems: [
                "unknown output extension .\(ext); use one of " + ReportWriter.formats.map { "." + $0 }.joined(separator: " ")])
        }
    }

    public func bulletin() throws -> String {
        let summary = try database.map { try WorkLists.summary(database: $0) }
        return try BulletinRenderer(pipeline: pipeline).markdown(BulletinText(table: table, pipeline: pipeline.config, supervision: summary),
                                                                 period: period)
    }

    func requireDatabase(_ path: String) throws -> String {
        guard let database else {
            throw IngestFailure.configuration(file: path, problems: ["a list needs --database <safety.sqlite> (write the .sqlite output first)"])
        }
        return database
    }

    /// The lists, when there is a database to read them from.
    func lists() throws -> [ReportSheet] {
        try database.map { try WorkLists.sheets(database: $0) } ?? []
    }

    public func tables() throws -> ReportTables {
        do { return try ReportTables(table: table, pipeline: pipeline.config, period: period) } catch {
            throw IngestFailure.configuration(file: pipeline.path, problems: ["\(error)"])
        }
    }
}

/// indicators.csv for people who open it in Excel or WPS: UTF-8 with a byte order mark (so
/// Chinese shows correctly), formula-like cells neutralised with a leading apostrophe.
/// Systems load the plain indicators.csv instead, which keeps every value verbatim.
public enum ExcelCSV {
    public static let byteOrderMark = "\u{FEFF}"

    public static func write(_ table: IndicatorTable, to path: String) throws {
        let file = try AtomicFile(path: path)
        try file.write(byteOrderMark + CSVFormat.line(IndicatorRow.columns, neutralizeFormulas: true))
        for row in table.rows { try file.write(CSVFormat.line(row.fields, neutralizeFormulas: true)) }
        try file.commit()
    }
}
