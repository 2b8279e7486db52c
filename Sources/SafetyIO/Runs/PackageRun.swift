#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SafetyCore

/// Assembles per-export ingest folders into the common format: a Frictionless Data Package
/// (`normalized/<kind>.csv` + `datapackage.json`), one `rejects.csv` and `ingest-summary.csv`.
///
/// Re-exports: the same (source department, record id) seen in several exports is one record,
/// and the one with the latest export date wins; the others count as superseded
/// (`ReexportResolver`, in bounded memory: buckets on disk beside the output while it runs).
/// Inputs are taken in the order given and rows keep their order, so the same inputs give the
/// same bytes.
public struct PackageRun {
    public let pipeline: LoadedPipeline
    public let ingestDirectories: [String]
    public let outputDirectory: String
    /// The re-export resolution's bucket size: the memory one bucket takes while it is resolved.
    public var bucketBytes = 4 << 20
    /// Re-export resolution reads an ingest file this large or larger on every core, in pieces.
    public var minShardBytes = 8 << 20
    /// Resolve one shard of the (source, id) keys only (`index` of `count`): OUTPUT gets the
    /// shard's normalized rows (for its partial indicators) and `runs/`, which `assembling` merges.
    public var shard: (index: Int, count: Int)?
    /// Shard folders written with `shard`, every index once: the package is assembled from their
    /// runs instead of resolved here, byte for byte what one run over the inputs writes.
    public var assembling: [String] = []

    public init(pipeline: LoadedPipeline, ingestDirectories: [String], outputDirectory: String) {
        self.pipeline = pipeline
        self.ingestDirectories = ingestDirectories
        self.outputDirectory = outputDirectory
    }

    public struct Totals: Sendable, Equatable {
        public var exports = 0, read = 0, accepted = 0, rejected = 0, skipped = 0, superseded = 0
    }

    public static let summaryColumns = ["file", "department", "kind", "records_read", "accepted", "rejected", "skipped", "superseded",
                                        "duplicates"]

    public static let correctionColumns = ["kind", "source", "id", "field", "earlier_value", "later_value", "earlier_export_date",
                                           "later_export_date", "event_date", "days_after_event", "window_days", "within_window"]

    /// One corrections.csv line per field that a later export changed. For accidents, whether
    /// the later export came within the source's correction window after the accident.
    static func differences(kind: RecordKind, earlier: [String], later: [String], pipeline: PipelineConfig) -> [[String]] {
        let names = RecordSchema.fields(of: kind).map(\.name)
        var lines: [[String]] = []
        for index in RecordSchema.contentColumns(of: kind) where earlier[index] != later[index] {
            var window = ["", "", "", ""]
            if kind == .accident, let event = LocalDate(iso: later[3]), let exported = LocalDate(iso: later[2]) {
                let days = exported.dayNumber - event.dayNumber
                let limit = pipeline.correctionWindow(for: later[1])
                window = [event.description, String(days), String(limit), days <= limit ? "yes" : "no"]
            }
            lines.append([kind.rawValue, later[1], later[0], names[index], earlier[index], later[index], earlier[2], later[2]] + window)
        }
        return lines
    }

    static func shardFile(in directory: String) -> String { directory + "/shard.json" }

    /// Where `split` puts an ingest folder's rows of shard `index` of `count`.
    public static func splitDirectory(_ ingestDirectory: String, index: Int, count: Int) -> String {
        ingestDirectory + "/split-\(count)/\(index)"
    }

    /// Splits an ingest folder's normalized rows by shard of their (source, id) — the shards
    /// `--shard I/N` resolves — into `split-N/I/<kind>.csv` (rows in their order, header first)
    /// with `<kind>.offsets` (each row's offset in the whole file), so a shard reads its own rows
    /// only. Run where the ingest ran (the Spark driver does it in the ingest task).
    public static func split(ingestDirectory directory: String, count: Int) throws {
        guard count >= 1 else { throw IngestFailure.configuration(file: "--split", problems: ["split into 1 shard or more"]) }
        let base = directory + "/split-\(count)"
        try? FileManager.default.removeItem(atPath: base)
        for index in 0..<count { try AtomicFile.makeDirectories(splitDirectory(directory, index: index, count: count)) }
        for kind in RecordKind.allCases {
            let file = NormalizedReader.path(of: kind, in: directory)
            guard FileManager.default.fileExists(atPath: file) else { continue }
            let name = (file as NSString).lastPathComponent
            let rows = try (0..<count).map { try SpillWriter(path: splitDirectory(directory, index: $0, count: count) + "/" + name) }
            let offsets = try (0..<count).map {
                try SpillWriter(path: splitDirectory(directory, index: $0, count: count) + "/" + kind.rawValue + ".offsets", capacity: 1 << 14)
            }
            var split = CSVFieldSplitter()
            try CSVRecordScanner(path: file).forEachRecord { record, index, offset in
                let line = UnsafeRawBufferPointer(record)
                if index == 0 {
                    for writer in rows { try writer.append(line); try writer.append(integer: UInt8(0x0A)) }
                    return
                }
                split.split(record)
                guard split.count > 2 else { throw IngestFailure.corruptNormalizedData(message: "\(file): record \(index) has no id and source") }
                let h = ReexportResolver.keyHash(source: split.raw(1, in: record), id: split.raw(0, in: record))
                let shard = ReexportResolver.shard(of: h, count: count)
                try rows[shard].append(line)
                try rows[shard].append(integer: UInt8(0x0A))
                try offsets[shard].append(integer: UInt64(offset))
            }
            for writer in rows + offsets { try writer.finish() }
        }
    }

    public func run() throws -> Totals {
        if let shard {
            guard shard.count >= 1, (0..<shard.count).contains(shard.index) else {
                throw IngestFailure.configuration(file: "--shard", problems: ["a shard is INDEX/COUNT with 0 <= INDEX < COUNT"])
            }
        }
        var totals = Totals()
        var summaries: [[String: Any]] = []
        for directory in ingestDirectories {
            let path = IngestRun.summaryPath(in: directory)
            guard let data = FileManager.default.contents(atPath: path),
                  let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw IngestFailure.unreadable(file: path, reason: "missing or not a summary; run the ingest for it first")
            }
            summaries.append(object)
        }
        let normalized = outputDirectory + "/normalized"
        var superseded = Array(repeating: 0, count: ingestDirectories.count)
        let corrections = try AtomicFile(path: outputDirectory + "/corrections.csv")
        try corrections.write(CSVFormat.line(PackageRun.correctionColumns))
        let spill = outputDirectory + "/.package-spill-\(getpid())"
        defer { rmdir(spill) }
        if !assembling.isEmpty {
            // Every shard once, over the same inputs.
            var seen = Set<Int>()
            for directory in assembling {
                guard let data = FileManager.default.contents(atPath: PackageRun.shardFile(in: directory)),
                      let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
                      let index = object["index"] as? Int, let count = object["count"] as? Int, count == assembling.count,
                      let counts = object["superseded"] as? [Int], counts.count == ingestDirectories.count,
                      object["inputs"] as? [String] == ingestDirectories.map({ ($0 as NSString).lastPathComponent }) else {
                    throw IngestFailure.corruptNormalizedData(message: "\(directory): not a shard of these \(ingestDirectories.count) ingest folders in \(assembling.count) shards")
                }
                guard seen.insert(index).inserted else { throw IngestFailure.corruptNormalizedData(message: "\(directory): shard \(index) given twice") }
                for (input, n) in counts.enumerated() { superseded[input] += n }
            }
        }
        let runs = outputDirectory + "/runs"
        if shard != nil { try AtomicFile.makeDirectories(runs) }
        for kind in RecordKind.allCases {
            let files = ingestDirectories.map { NormalizedReader.path(of: kind, in: $0) }
            let out = try AtomicFile(path: NormalizedReader.path(of: kind, in: normalized))
            if assembling.isEmpty {
                var resolver = ReexportResolver(kind: kind, pipeline: pipeline.config, inputs: files.count, spillDirectory: spill)
                resolver.bucketBytes = bucketBytes
                resolver.minShardBytes = minShardBytes
                resolver.shard = shard
                resolver.runsDirectory = runs
                var inputs = files
                if let shard {
                    // An ingest folder split for these shards gives this shard's rows alone, with their offsets.
                    resolver.offsetsFiles = Array(repeating: nil, count: files.count)
                    for (input, directory) in ingestDirectories.enumerated() {
                        let split = PackageRun.splitDirectory(directory, index: shard.index, count: shard.count)
                        let rows = split + "/" + (files[input] as NSString).lastPathComponent
                        guard FileManager.default.fileExists(atPath: rows) else { continue }
                        inputs[input] = rows
                        resolver.offsetsFiles[input] = split + "/\(kind.rawValue).offsets"
                    }
                }
                try resolver.run(files: inputs, output: out, corrections: corrections)
                for (input, count) in resolver.superseded.enumerated() { superseded[input] += count }
            } else {
                try ReexportResolver.assemble(kind: kind, files: files, shards: assembling.map { $0 + "/runs" }, output: out, corrections: corrections)
            }
            try out.commit()
        }
        try corrections.commit()
        if let shard {
            // What the assembly needs besides the runs; the coverage and descriptor let the
            // shard's rows be counted on their own.
            let names = ingestDirectories.map { JSONText.string(($0 as NSString).lastPathComponent) }.joined(separator: ", ")
            try AtomicFile.write("{\"index\": \(shard.index), \"count\": \(shard.count), \"inputs\": [\(names)], \"superseded\": ["
                                 + superseded.map(String.init).joined(separator: ", ") + "]}\n", to: PackageRun.shardFile(in: outputDirectory))
            try CoverageFile.write(summaries.compactMap(CoverageFile.entry), to: CoverageFile.path(in: normalized))
            try AtomicFile.write(DataPackage.descriptor(name: pipeline.config.name), to: normalized + "/datapackage.json")
            totals.exports = summaries.count
            totals.superseded = superseded.reduce(0, +)
            return totals
        }
        let rejects = try AtomicFile(path: outputDirectory + "/rejects.csv")
        try rejects.write(CSVFormat.line(RejectsFile.columns))
        for directory in ingestDirectories { try PackageRun.appendBody(of: directory + "/rejects.csv", to: rejects) }
        try rejects.commit()

        let table = try AtomicFile(path: outputDirectory + "/ingest-summary.csv")
        try table.write(CSVFormat.line(PackageRun.summaryColumns))
        for (input, summary) in summaries.enumerated() {
            let counts = ["records_read", "accepted", "rejected", "skipped"].map { (summary[$0] as? Int) ?? 0 } + [superseded[input]]
                + [(summary["duplicates"] as? Int) ?? 0]
            totals.exports += 1
            totals.read += counts[0]; totals.accepted += counts[1]; totals.rejected += counts[2]; totals.skipped += counts[3]
            totals.superseded += counts[4]
            try table.write(CSVFormat.line([summary["file"] as? String ?? "", summary["department"] as? String ?? "",
                                            summary["kind"] as? String ?? ""] + counts.map(String.init), neutralizeFormulas: true))
        }
        try table.commit()
        try CoverageFile.write(summaries.compactMap(CoverageFile.entry), to: CoverageFile.path(in: normalized))
        try AtomicFile.write(DataPackage.descriptor(name: pipeline.config.name), to: normalized + "/datapackage.json")
        return totals
    }

    /// Appends a CSV file without its header line; a missing file adds nothing.
    static func appendBody(of path: String, to out: AtomicFile) throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        let source = try FileByteSource(path: path)
        var inHeader = true
        while let chunk = try source.read() {
            if inHeader {
                guard let newline = chunk.firstIndex(of: 0x0A) else { continue }
                inHeader = false
                try out.write(bytes: chunk[(newline + 1)...])
            } else {
                try out.write(bytes: chunk)
            }
        }
    }
}

/// The `datapackage.json` descriptor: one tabular resource per record kind with its Table Schema.
public enum DataPackage {
    public static func descriptor(name: String) -> String {
        let resources = RecordKind.allCases.map { kind -> String in
            let fields = RecordSchema.fields(of: kind).map { field -> String in
                var constraints: [(String, String)] = []
                if field.required { constraints.append(("required", "true")) }
                if let minimum = field.minimum { constraints.append(("minimum", String(minimum))) }
                if let allowed = field.allowed { constraints.append(("enum", "[" + allowed.map(JSONText.string).joined(separator: ", ") + "]")) }
                var pairs: [(String, String)] = [("name", JSONText.string(field.name)), ("type", JSONText.string(field.type)),
                                                 ("description", JSONText.string(field.description))]
                if field.type == "boolean" {
                    pairs.append(("trueValues", "[\"true\"]"))
                    pairs.append(("falseValues", "[\"false\"]"))
                }
                if !constraints.isEmpty { pairs.append(("constraints", JSONText.object(constraints, indent: "            "))) }
                return JSONText.object(pairs, indent: "          ")
            }
            let schema = JSONText.object([
                ("fields", JSONText.array(fields, indent: "        ")),
                ("primaryKey", "[" + RecordSchema.primaryKey.map(JSONText.string).joined(separator: ", ") + "]"),
                ("missingValues", "[\"\"]"),
            ], indent: "      ")
            return JSONText.object([
                ("name", JSONText.string(kind.rawValue)),
                ("path", JSONText.string("\(kind.rawValue).csv")),
                ("profile", JSONText.string("tabular-data-resource")),
                ("format", JSONText.string("csv")),
                ("mediatype", JSONText.string("text/csv")),
                ("encoding", JSONText.string("utf-8")),
                ("schema", schema),
            ], indent: "    ")
        }
        return JSONText.object([
            ("name", JSONText.string("safety-\(name)")),
            ("profile", JSONText.string("tabular-data-package")),
            ("resources", JSONText.array(resources, indent: "  ")),
        ]) + "\n"
    }
}

/// `normalized/coverage.csv`: per export, its department, kind and the days it covers (empty:
/// open). The indicators read it beside the kind files to know which figures the data can give.
public enum CoverageFile {
    public static let columns = ["source", "kind", "covers_start", "covers_end", "file"]

    public static func path(in normalized: String) -> String { normalized + "/coverage.csv" }

    static func entry(_ summary: [String: Any]) -> (Coverage.Entry, String)? {
        guard let source = summary["department"] as? String, let kind = (summary["kind"] as? String).flatMap(RecordKind.init) else { return nil }
        let start = (summary["covers_start"] as? String).flatMap(LocalDate.init(iso:))
        let end = (summary["covers_end"] as? String).flatMap(LocalDate.init(iso:))
        return (Coverage.Entry(source: source, kind: kind, start: start, end: end), summary["file"] as? String ?? "")
    }

    static func write(_ entries: [(Coverage.Entry, String)], to path: String) throws {
        let file = try AtomicFile(path: path)
        try file.write(CSVFormat.line(columns))
        for (entry, name) in entries {
            try file.write(CSVFormat.line([entry.source, entry.kind.rawValue, entry.start?.description ?? "", entry.end?.description ?? "", name]))
        }
        try file.commit()
    }

    /// The coverage recorded beside the kind files of `path` (a normalized folder or a kind file); empty when none is.
    public static func read(beside path: String) throws -> Coverage {
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        let file = CoverageFile.path(in: isDirectory.boolValue ? path : (path as NSString).deletingLastPathComponent)
        guard FileManager.default.fileExists(atPath: file) else { return Coverage() }
        var entries: [Coverage.Entry] = []
        var header = true
        try CSVFile.forEachRow(path: file) { fields, line in
            defer { header = false }
            if header { return }
            guard fields.count == columns.count, let kind = RecordKind(rawValue: fields[1]) else {
                throw IngestFailure.corruptNormalizedData(message: "\(file):\(line): not a coverage row")
            }
            entries.append(Coverage.Entry(source: fields[0], kind: kind, start: LocalDate(iso: fields[2]), end: LocalDate(iso: fields[3])))
        }
        return Coverage(entries)
    }
}
