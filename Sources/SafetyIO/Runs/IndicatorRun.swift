import Foundation
import SafetyCore

/// Computes the indicator table from the normalized data and writes `indicators.csv` and
/// `indicators.json`. Memory holds one tally per (period, breakdown) cell, never records.
public struct IndicatorRun {
    public let pipeline: LoadedPipeline
    public let normalizedDirectory: String
    public let periods: [ReportingPeriod]

    public init(pipeline: LoadedPipeline, normalizedDirectory: String, periods: [ReportingPeriod]) {
        self.pipeline = pipeline
        self.normalizedDirectory = normalizedDirectory
        self.periods = periods
    }

    public func table() throws -> (IndicatorTable, records: Int) {
        var accumulator = IndicatorAccumulator(periods: periods)
        var count = 0
        try NormalizedReader(directory: normalizedDirectory).forEach { record in
            accumulator.add(record)
            count += 1
        }
        return (accumulator.table(sectors: pipeline.config.sectorList, regions: pipeline.config.regionList), count)
    }

    /// Writes the JSON first and the CSV last, so a present indicators.csv means both are complete.
    public static func write(_ table: IndicatorTable, pipeline: String, csvPath: String, jsonPath: String) throws {
        try AtomicFile.write(json(table, pipeline: pipeline), to: jsonPath)
        let csv = try AtomicFile(path: csvPath)
        try csv.write(CSVFormat.line(IndicatorRow.columns))
        for row in table.rows { try csv.write(CSVFormat.line(row.fields)) }
        try csv.commit()
    }

    /// indicators.json: the periods with their comparison periods, then one object per row;
    /// numbers are exact JSON numbers, absent values are null.
    public static func json(_ table: IndicatorTable, pipeline: String) -> String {
        let periods = table.periods.map { p in
            JSONText.object([("name", JSONText.string(p.name)), ("kind", JSONText.string(p.kind.rawValue)),
                             ("start", JSONText.string(p.start.description)), ("end", JSONText.string(p.end.description)),
                             ("previous_start", JSONText.string(p.sameLastYear.start.description)),
                             ("previous_end", JSONText.string(p.sameLastYear.end.description))], indent: "    ")
        }
        let rows = table.rows.map { row -> String in
            let f = row.fields
            func number(_ text: String) -> String { text.isEmpty ? "null" : text }
            func text(_ text: String) -> String { text.isEmpty ? "null" : JSONText.string(text) }
            return "{" + [("indicator", JSONText.string(f[0])), ("period", JSONText.string(f[1])),
                          ("period_start", JSONText.string(f[2])), ("period_end", JSONText.string(f[3])),
                          ("sector", text(f[4])), ("region", text(f[5])), ("value", number(f[6])),
                          ("previous_value", number(f[7])), ("change", number(f[8])), ("change_pct", number(f[9])),
                          ("unit", JSONText.string(f[10]))].map { "\(JSONText.string($0.0)): \($0.1)" }.joined(separator: ", ") + "}"
        }
        return JSONText.object([("pipeline", JSONText.string(pipeline)),
                                ("periods", JSONText.array(periods, indent: "  ")),
                                ("indicators", JSONText.array(rows, indent: "  "))]) + "\n"
    }

    /// Reads indicators.csv back into a table.
    public static func readTable(csvPath: String) throws -> IndicatorTable {
        let source = try FileByteSource(path: csvPath)
        var reader = CSVReader()
        var rows: [IndicatorRow] = []
        var header = true
        func handle(_ csvRows: [CSVRow]) throws {
            for row in csvRows where !row.isBlank {
                let fields = row.fields.map { String(decoding: $0, as: UTF8.self) }
                if header {
                    guard fields == IndicatorRow.columns else {
                        throw IngestFailure.corruptNormalizedData(message: "\(csvPath):1: not an indicators.csv header")
                    }
                    header = false
                    continue
                }
                guard let parsed = IndicatorRow(fields: fields) else {
                    throw IngestFailure.corruptNormalizedData(message: "\(csvPath):\(row.line): not an indicator row")
                }
                rows.append(parsed)
            }
        }
        do {
            while let chunk = try source.read() { try handle(try reader.feed(chunk)) }
            try handle(try reader.finish())
        } catch let problem as CSVReader.Problem {
            throw IngestFailure.corruptNormalizedData(message: "\(csvPath): \(problem)")
        }
        return IndicatorTable(rows: rows)
    }
}
