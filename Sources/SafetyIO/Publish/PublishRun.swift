import Foundation
import SafetyCore

/// Publishes a finished pipeline run atomically: the outputs are linked into a new folder
/// `runs/<run-id>/` with a `manifest.json`, and the `current` symlink is switched to it in one
/// rename. Readers of `current/` see the old run or the new one, never a mix; a run killed at
/// any moment leaves the previous `current` complete.
public struct PublishRun {
    public let pipeline: LoadedPipeline
    public let outputDirectory: String
    public let dataDirectory: String
    public let runID: String
    public let startedAt: Double
    public let keep: Int
    public let logFile: String?

    public init(pipeline: LoadedPipeline, outputDirectory: String, dataDirectory: String, runID: String,
                startedAt: Double, keep: Int, logFile: String?) {
        self.pipeline = pipeline; self.outputDirectory = outputDirectory; self.dataDirectory = dataDirectory
        self.runID = runID; self.startedAt = startedAt; self.keep = keep; self.logFile = logFile
    }

    /// What a run published, for the one-line summary.
    public struct Published: Sendable {
        public var runDirectory: String
        public var files = 0, read = 0, rejected = 0, superseded = 0
        public var seconds = 0.0
    }

    /// The outputs a run publishes, relative to the output folder.
    public static let outputs = ["bulletin.md", "bulletin.txt", "bulletin.docx", "indicators.xlsx", "report.html", "indicators-excel.csv",
                                 "supervision.csv", "listed-hazards.csv", "repeat-offenders.csv",
                                 "safety.sqlite", "indicators.csv", "indicators.json", "rejects.csv", "corrections.csv",
                                 "ingest-summary.csv"]

    public static let version = "0.4.0"

    public var runsDirectory: String { outputDirectory + "/runs" }
    public var currentLink: String { outputDirectory + "/current" }

    public func run() throws -> Published {
        let fm = FileManager.default
        try AtomicFile.makeDirectories(runsDirectory)
        let staging = runsDirectory + "/.staging-\(runID)"
        try? fm.removeItem(atPath: staging)
        try AtomicFile.makeDirectories(staging + "/normalized")
        var files: [String] = PublishRun.outputs
        let normalized = (try? fm.contentsOfDirectory(atPath: outputDirectory + "/normalized")) ?? []
        files += normalized.filter { !$0.hasPrefix(".") }.sorted().map { "normalized/" + $0 }
        var outputEntries: [String] = []
        for file in files {
            let source = outputDirectory + "/" + file
            guard fm.fileExists(atPath: source) else {
                throw IngestFailure.unreadable(file: source, reason: "missing; the pipeline did not finish")
            }
            let target = staging + "/" + file
            // Outputs are only ever replaced by rename, never changed in place, so a hard link is a safe copy.
            if link(source, target) != 0 { try fm.copyItem(atPath: source, toPath: target) }
            let (hex, size) = try SHA256.file(target)
            outputEntries.append(JSONText.object([("path", JSONText.string(file)), ("size", String(size)),
                                                  ("sha256", JSONText.string(hex))], indent: "    "))
        }
        var published = Published(runDirectory: runsDirectory + "/" + runID)
        let manifest = try manifestText(outputs: outputEntries, published: &published)
        try AtomicFile.write(manifest, to: staging + "/manifest.json")
        let final = runsDirectory + "/" + runID
        guard rename(staging, final) == 0 else {
            throw IngestFailure.outputNotWritable(path: final, reason: String(cString: strerror(errno)))
        }
        try PublishRun.pointSymlink(currentLink, to: "runs/" + runID)
        try prune()
        return published
    }

    func manifestText(outputs: [String], published: inout Published) throws -> String {
        var inputs: [String] = []
        var header = true
        var columns: [String] = []
        try CSVFile.forEachRow(path: outputDirectory + "/ingest-summary.csv") { fields, _ in
            if header { columns = fields; header = false; return }
            let row = Dictionary(uniqueKeysWithValues: zip(columns, fields))
            let name = row["file"] ?? ""
            let (hex, size) = try SHA256.file(dataDirectory + "/" + name)
            let counts = ["records_read", "accepted", "rejected", "skipped", "superseded", "duplicates"].map { ($0, row[$0] ?? "0") }
            published.files += 1
            published.read += Int(row["records_read"] ?? "") ?? 0
            published.rejected += Int(row["rejected"] ?? "") ?? 0
            published.superseded += Int(row["superseded"] ?? "") ?? 0
            inputs.append(JSONText.object([("file", JSONText.string(name)), ("size", String(size)), ("sha256", JSONText.string(hex)),
                                           ("department", JSONText.string(row["department"] ?? "")),
                                           ("kind", JSONText.string(row["kind"] ?? ""))] + counts, indent: "    "))
        }
        var configuration: [String] = []
        let directory = pipeline.directory.isEmpty ? "." : pipeline.directory
        var configFiles = [pipeline.path] + pipeline.config.exports.map { directory + "/" + $0.mapping }
        if let reference = pipeline.config.referenceData { configFiles.append(directory + "/" + reference) }
        var seen = Set<String>()
        for file in configFiles where seen.insert(file).inserted {
            configuration.append(JSONText.object([("path", JSONText.string(file)), ("sha256", JSONText.string(try SHA256.file(file).hex))],
                                                 indent: "    "))
        }
        let finished = Date().timeIntervalSince1970
        published.seconds = finished - startedAt
        func iso(_ seconds: Double) -> String {
            let formatter = ISO8601DateFormatter()
            return formatter.string(from: Date(timeIntervalSince1970: seconds))
        }
        return JSONText.object([
            ("run_id", JSONText.string(runID)),
            ("pipeline", JSONText.string(pipeline.config.name)),
            ("tool_version", JSONText.string(PublishRun.version)),
            ("started_at", JSONText.string(iso(startedAt))),
            ("finished_at", JSONText.string(iso(finished))),
            ("duration_seconds", String(format: "%.3f", published.seconds)),
            ("log", logFile.map(JSONText.string) ?? "null"),
            ("configuration", JSONText.array(configuration, indent: "  ")),
            ("inputs", JSONText.array(inputs, indent: "  ")),
            ("outputs", JSONText.array(outputs, indent: "  ")),
        ]) + "\n"
    }

    /// Points `link` at `target` in one rename, so it is never missing or half-made.
    public static func pointSymlink(_ link: String, to target: String) throws {
        let temporary = link + ".tmp-\(getpid())"
        unlink(temporary)
        guard symlink(target, temporary) == 0, rename(temporary, link) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw IngestFailure.outputNotWritable(path: link, reason: reason)
        }
    }

    /// Keeps the newest `keep` published runs (and always the current one) and their logs.
    public func prune() throws {
        let fm = FileManager.default
        let current = (try? fm.destinationOfSymbolicLink(atPath: currentLink)).map { ($0 as NSString).lastPathComponent }
        let runs = ((try? fm.contentsOfDirectory(atPath: runsDirectory)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        for old in runs.dropLast(max(keep, 1)) where old != current {
            try fm.removeItem(atPath: runsDirectory + "/" + old)
        }
        let logs = outputDirectory + "/logs"
        let logFiles = ((try? fm.contentsOfDirectory(atPath: logs)) ?? []).filter { $0.hasSuffix(".log") }.sorted()
        for old in logFiles.dropLast(max(keep, 1)) { try? fm.removeItem(atPath: logs + "/" + old) }
    }

    /// Removes what a killed run can leave behind: staging folders and temporaries of processes
    /// that are gone. Safe while the nightly lock is held.
    public static func sweep(_ outputDirectory: String) -> [String] {
        let fm = FileManager.default
        var removed: [String] = []
        guard let walker = fm.enumerator(atPath: outputDirectory) else { return [] }
        while let relative = walker.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            let isStaging = name.hasPrefix(".staging-")
            var isTemporary = false
            if let range = name.range(of: ".tmp-", options: .backwards),
               let pid = name[range.upperBound...].split(separator: "-").first.flatMap({ Int32($0) }) {
                isTemporary = kill(pid, 0) != 0 && errno == ESRCH
            }
            if isStaging || isTemporary {
                if isStaging { walker.skipDescendants() }
                if (try? fm.removeItem(atPath: outputDirectory + "/" + relative)) != nil { removed.append(relative) }
            }
        }
        return removed
    }
}
