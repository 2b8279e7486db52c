import Foundation
import SafetyCore
import SafetyIO

/// Writes one output of `safety-report`, picked by the file's extension; every file is written
/// to a temporary beside it and renamed, so a present output is always complete.
public struct ReportWriter {
    public let pipeline: LoadedPipeline
    public let table: IndicatorTable
    public let period: String?

    public init(pipeline: LoadedPipeline, table: IndicatorTable, period: String? = nil) {
        self.pipeline = pipeline
        self.table = table
        self.period = period
    }

    public static let formats = ["md", "txt", "xlsx", "html", "sqlite", "csv (named *-excel.csv)"]

    public func write(_ path: String, normalized: String? = nil) throws {
        let ext = (path as NSString).pathExtension.lowercased()
        switch ext {
        case "md": try AtomicFile.write(bulletin(), to: path)
        case "txt": try AtomicFile.write(BulletinRenderer.plainText(bulletin()), to: path)
        case "csv":
            // Only a name that says so: a plain .csv is what systems load (safety-merge writes it), never BOM'd.
            guard (path as NSString).lastPathComponent.lowercased().hasSuffix("excel.csv") else {
                throw IngestFailure.configuration(file: path, problems: [
                    "a .csv output is the CSV for Excel and must be named *-excel.csv; the plain indicators.csv comes from safety-merge"])
            }
            try ExcelCSV.write(table, to: path)
        case "xlsx": try WorkbookWriter.write(tables().sheets, to: path)
        case "html": try AtomicFile.write(HTMLReport(tables: tables(), bulletin: bulletin()).html, to: path)
        case "sqlite":
            guard let normalized else {
                throw IngestFailure.configuration(file: path, problems: ["a .sqlite output needs --normalized <folder>"])
            }
            try SQLiteExport.write(table: table, normalized: normalized, to: path)
        default:
            throw IngestFailure.configuration(file: path, problems: [
                "unknown output extension .\(ext); use one of " + ReportWriter.formats.map { "." + $0 }.joined(separator: " ")])
        }
    }

    public func bulletin() throws -> String {
        try BulletinRenderer(pipeline: pipeline).markdown(BulletinText(table: table, pipeline: pipeline.config), period: period)
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
