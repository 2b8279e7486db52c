import Foundation
import SafetyCore

/// Computes indicators from the normalized data: either the table (`indicators.csv` and
/// `indicators.json`) or a partial aggregate that `MergeRun` combines with others.
/// Memory holds one tally per (period window, breakdown) cell, never records.
public struct IndicatorRun {
    public let pipeline: LoadedPipeline
    public let periods: [ReportingPeriod]

    public init(pipeline: LoadedPipeline, periods: [ReportingPeriod]) {
        self.pipeline = pipeline
        self.periods = periods
    }

    /// Counts every record in the given normalized folders or kind files. A large kind file is
    /// read in shards on every core, each counted on its own and merged: tallies add exactly.
    /// `minShardBytes`: files smaller than this are read on one core.
    public func accumulate(_ inputs: [String], cores: Int = ProcessInfo.processInfo.activeProcessorCount,
                           minShardBytes: Int = 8 << 20) throws -> (IndicatorAccumulator, records: Int) {
        var total = CellCounter(periods: periods, sectorGroups: pipeline.config.groupsOfSector).finish()
        var count = 0
        for input in inputs {
            total.coverage.merge(try CoverageFile.read(beside: input))
            for (kind, file) in try NormalizedReader(path: input).kindFiles() {
                let shards = try NormalizedReader.shards(of: file, count: max(1, cores), minBytes: minShardBytes)
                let results = ShardResults<(IndicatorAccumulator, Int)>(count: shards.count)
                let (periods, groups) = (periods, pipeline.config.groupsOfSector)
                DispatchQueue.concurrentPerform(iterations: shards.count) { shard in
                    results.set(shard, Result {
                        var counter = CellCounter(periods: periods, sectorGroups: groups)
                        var n = 0
                        try NormalizedReader.forEachInterned(kind, path: file, range: shards[shard], forCounting: true) { record, region, sector, source in
                            counter.add(record, regionID: region, sectorID: sector, sourceID: source)
                            n += 1
                        }
                        return (counter.finish(), n)
                    })
                }
                let values = results.values
                if shards.count > 1, values.contains(where: { (try? $0.get()) == nil }) {
                    // Record numbers count from the start of the file: read it whole for the exact error.
                    try NormalizedReader.forEachInterned(kind, path: file, range: 0..<Int.max) { _, _, _, _ in }
                }
                for result in values {
                    let (part, n) = try result.get()
                    try total.merge(part)
                    count += n
                }
            }
        }
        return (total, count)
    }

    /// The table from an accumulator, with relative indicators from the pipeline's reference data,
    /// and a note for every year whose denominator is missing (its relative indicators stay empty).
    public func table(_ accumulator: IndicatorAccumulator) throws -> (IndicatorTable, notes: [String]) {
        let reference = try ReferenceDataLoader.load(pipeline)
        let rules = RelativeRules(reference: reference, workersGroup: pipeline.config.workersGroup,
                                  roadSector: pipeline.config.roadSector)
        let expected = expectedSources
        let table = accumulator.table(sectors: pipeline.config.sectorList, regions: pipeline.config.regionList,
                                      categories: pipeline.config.categoryList, relative: rules,
                                      rounding: pipeline.config.rounding, expected: expected)
        var years = Set<Int>()
        for period in accumulator.periods {
            years.formUnion([period.end.year, period.sameLastYear.end.year] + (period.priorPeriod.map { [$0.end.year] } ?? []))
        }
        var notes: [String] = []
        for year in years.sorted() where pipeline.config.referenceData != nil {
            let key = ReferenceData.Key(year: year, region: "")
            let missing = [("gdp_100m_yuan", reference.gdpYi[key], IndicatorCode.deathsPer100mGDP),
                           ("industry_trade_workers", reference.workers[key], .deathsPer100kWorkers),
                           ("motor_vehicles", reference.vehicles[key], .roadDeathsPer10kVehicles)].filter { $0.1 == nil }
            for (column, _, code) in missing {
                notes.append("no \(column) for \(year) in the reference data: \(code.rawValue) is empty for periods ending in \(year)")
            }
        }
        notes += IndicatorRun.coverageNotes(accumulator, expected: expected)
        // (The sums with the missing or the poisoned added say nothing their own notes do not.)
        for row in table.rows where (row.breakdown == .all || row.breakdown == Breakdown.all.inFullScope)
            && (row.unknownRecords > 0 || row.previousUnknownRecords > 0)
            && row.code != .deathsAndMissing && row.code != .seriousInjuriesAndPoisonings {
            notes.append(IndicatorRun.unknownNote(row))
        }
        return (table, notes)
    }

    /// Per kind, the departments whose exports its figures need: every department with an export
    /// rule for the kind.
    public var expectedSources: [RecordKind: [String]] {
        var out: [RecordKind: Set<String>] = [:]
        for rule in pipeline.config.exports {
            guard let mapping = pipeline.mappings[rule.mapping] else { continue }
            out[mapping.kind, default: []].insert(mapping.department)
        }
        return out.mapValues { $0.sorted() }
    }

    /// One note per kind and period window the exports do not cover in full.
    static func coverageNotes(_ accumulator: IndicatorAccumulator, expected: [RecordKind: [String]]) -> [String] {
        var notes: [String] = []
        let roles = ["", "same period last year ", "period before "]
        for p in accumulator.periods.indices {
            for kind in RecordKind.allCases where kind != .hazardSummary {
                for role in 0..<3 {
                    guard let window = accumulator.window(3 * p + role) else { continue }
                    let span = "\(window.start)…\(window.end)"
                    let name = accumulator.periods[p].name
                    switch accumulator.coverageState(window: 3 * p + role, kind: kind, breakdown: .all, expected: expected) {
                    case .full: break
                    case .partial(let sources):
                        notes.append("\(kind.rawValue), \(name), \(roles[role])\(span): covered only in part by the exports of "
                            + sources.joined(separator: ", ") + (role == 0 ? "; values kept, no change computed" : "; left empty"))
                    case .none(let sources):
                        notes.append("\(kind.rawValue), \(name), \(roles[role])\(span): no export of " + sources.joined(separator: ", ")
                            + " covers it; left empty" + (role == 0 ? "" : ", no change computed"))
                    }
                }
            }
        }
        return notes
    }

    /// `direct_loss_wan_yuan, 2020-YTD-10: 2 records with the figure unknown (not in the sum) …`
    static func unknownNote(_ row: IndicatorRow) -> String {
        var parts: [String] = []
        if row.unknownRecords > 0 {
            parts.append(row.value == nil ? "every record's figure is unknown, so the value is empty"
                                          : "\(row.unknownRecords) records with the figure unknown are not in the sum")
        }
        if row.previousUnknownRecords > 0 {
            parts.append("\(row.previousUnknownRecords) records of the same period last year have it unknown")
        }
        let scope = row.breakdown.fullScope ? " (\(Breakdown.fullScopeLabel))" : ""
        return "\(row.code.rawValue), \(row.period.name)\(scope): " + parts.joined(separator: "; ") + "; no change is computed against an incomplete figure"
    }

    /// Writes the JSON first and the CSV last, so a present indicators.csv means both are complete.
    public static func write(_ table: IndicatorTable, pipeline: String, notes: [String] = [], csvPath: String, jsonPath: String) throws {
        try AtomicFile.write(json(table, pipeline: pipeline, notes: notes), to: jsonPath)
        let csv = try AtomicFile(path: csvPath)
        try csv.write(CSVFormat.line(IndicatorRow.columns))
        for row in table.rows { try csv.write(CSVFormat.line(row.fields)) }
        try csv.commit()
    }

    /// indicators.json: the periods with their comparison periods, then one object per row with
    /// the CSV's columns; numbers are exact JSON numbers, absent values are null.
    public static func json(_ table: IndicatorTable, pipeline: String, notes: [String] = []) -> String {
        let periods = table.periods.map { p in
            JSONText.object([("name", JSONText.string(p.name)), ("kind", JSONText.string(p.kind.rawValue)),
                             ("start", JSONText.string(p.start.description)), ("end", JSONText.string(p.end.description)),
                             ("previous_start", JSONText.string(p.sameLastYear.start.description)),
                             ("previous_end", JSONText.string(p.sameLastYear.end.description)),
                             ("prior_start", p.priorPeriod.map { JSONText.string($0.start.description) } ?? "null"),
                             ("prior_end", p.priorPeriod.map { JSONText.string($0.end.description) } ?? "null")], indent: "    ")
        }
        let rows = table.rows.map { row -> String in
            let pairs = zip(IndicatorRow.columns, row.fields).map { column, text -> String in
                let value = text.isEmpty && column != "indicator" ? "null" : IndicatorRow.numericColumns.contains(column) ? text : JSONText.string(text)
                return "\(JSONText.string(column)): \(value)"
            }
            return "{" + pairs.joined(separator: ", ") + "}"
        }
        return JSONText.object([("pipeline", JSONText.string(pipeline)),
                                ("notes", JSONText.array(notes.map(JSONText.string), indent: "  ")),
                                ("periods", JSONText.array(periods, indent: "  ")),
                                ("indicators", JSONText.array(rows, indent: "  "))]) + "\n"
    }

    /// Reads indicators.csv back into a table.
    public static func readTable(csvPath: String, rounding: RoundingMode = .halfUp) throws -> IndicatorTable {
        var rows: [IndicatorRow] = []
        var header = true
        try CSVFile.forEachRow(path: csvPath) { fields, line in
            if header {
                guard fields == IndicatorRow.columns else {
                    throw IngestFailure.corruptNormalizedData(message: "\(csvPath):1: not an indicators.csv header")
                }
                header = false
                return
            }
            guard let parsed = IndicatorRow(fields: fields, rounding: rounding) else {
                throw IngestFailure.corruptNormalizedData(message: "\(csvPath):\(line): not an indicator row")
            }
            rows.append(parsed)
        }
        return IndicatorTable(rows: rows)
    }
}

/// Partial aggregates on disk: the accumulator as JSON, so shards computed apart (or on other
/// machines) merge into exactly the table one run would give.
public enum PartialAggregateFile {
    public static func write(_ accumulator: IndicatorAccumulator, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(accumulator)
        try AtomicFile.write(String(decoding: data, as: UTF8.self) + "\n", to: path)
    }

    public static func read(_ path: String) throws -> IndicatorAccumulator {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw IngestFailure.unreadable(file: path, reason: "no such file")
        }
        do { return try JSONDecoder().decode(IndicatorAccumulator.self, from: data) } catch {
            throw IngestFailure.corruptNormalizedData(message: "\(path): not a partial aggregate (\(error))")
        }
    }

    /// Merges partial files in the order given.
    public static func merge(_ paths: [String]) throws -> IndicatorAccumulator {
        guard var merged = try paths.first.map(read) else {
            throw IngestFailure.configuration(file: "safety-merge", problems: ["no partial aggregates given"])
        }
        for path in paths.dropFirst() {
            do { try merged.merge(try read(path)) } catch let problem as MappingProblem {
                throw IngestFailure.configuration(file: path, problems: [problem.description])
            }
        }
        return merged
    }
}

/// Reads the pipeline's reference data file: `year,region,gdp_100m_yuan,industry_trade_workers,motor_vehicles`.
/// An empty cell is a missing figure; an empty region is the whole area.
public enum ReferenceDataLoader {
    public static let columns = ["year", "region", "gdp_100m_yuan", "industry_trade_workers", "motor_vehicles"]

    public static func load(_ pipeline: LoadedPipeline) throws -> ReferenceData {
        var data = ReferenceData()
        guard let relative = pipeline.config.referenceData else { return data }
        let path = pipeline.directory.isEmpty ? relative : pipeline.directory + "/" + relative
        var header = true
        try CSVFile.forEachRow(path: path) { fields, line in
            if header {
                guard fields.map({ TextCleaning.trimmed($0) }) == columns else {
                    throw IngestFailure.configuration(file: path, problems: ["header must be \(columns.joined(separator: ","))"])
                }
                header = false
                return
            }
            guard fields.count == columns.count, let year = Int(fields[0]) else {
                throw IngestFailure.configuration(file: path, problems: ["line \(line): expected a year and \(columns.count) cells"])
            }
            let key = ReferenceData.Key(year: year, region: TextCleaning.trimmed(fields[1]))
            func decimal(_ text: String, _ column: String) throws -> ExactDecimal? {
                let clean = DecimalText.normalize(text)
                if clean.isEmpty { return nil }
                guard let value = DecimalText.decimal(clean), value.units > 0 else {
                    throw IngestFailure.configuration(file: path, problems: ["line \(line): \(column) \"\(text)\" is not a positive number"])
                }
                return value
            }
            data.gdpYi[key] = try decimal(fields[2], columns[2])
            data.workers[key] = try decimal(fields[3], columns[3])
            data.vehicles[key] = try decimal(fields[4], columns[4])
        }
        return data
    }
}

/// Streams the rows of a UTF-8 CSV file as strings, with the line each begins on.
public enum CSVFile {
    public static func forEachRow(path: String, _ body: ([String], Int) throws -> Void) throws {
        let source = try FileByteSource(path: path)
        var reader = CSVReader()
        func handle(_ rows: [CSVRow]) throws {
            for row in rows where !row.isBlank {
                if let problem = row.problem {
                    throw IngestFailure.corruptNormalizedData(message: "\(path):\(row.line): \(problem)")
                }
                try body(row.fields.map { String(decoding: $0, as: UTF8.self) }, row.line)
            }
        }
        do {
            while let chunk = try source.read() { try handle(try reader.feed(chunk)) }
            try handle(try reader.finish())
        } catch let problem as CSVReader.Problem {
            throw IngestFailure.corruptNormalizedData(message: "\(path): \(problem)")
        }
    }
}

/// One result slot per parallel shard, each written by its own task.
final class ShardResults<Value>: @unchecked Sendable {
    private var slots: [Result<Value, any Error>?]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: Result<Value, any Error>) {
        lock.lock(); defer { lock.unlock() }
        slots[index] = value
    }

    var values: [Result<Value, any Error>] { lock.lock(); defer { lock.unlock() }; return slots.map { $0! } }
}

/// Hands out 0, 1, 2, … below `limit` to whichever thread asks next.
final class WorkCounter: @unchecked Sendable {
    private var next = 0
    private let limit: Int
    private let lock = NSLock()

    init(limit: Int) { self.limit = limit }

    func claim() -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard next < limit else { return nil }
        next += 1
        return next - 1
    }
}
