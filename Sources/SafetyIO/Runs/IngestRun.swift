import Foundation
import SafetyCore

/// Counts of one ingest, written as `summary.json`; read = accepted + rejected + duplicates, always.
public struct IngestSummary: Sendable, Equatable {
    public var file: String
    public var department: String
    public var kind: RecordKind
    public var mapping: String
    public var members: [String] = []
    public var read = 0
    public var accepted = 0
    public var rejected = 0
    /// Rows skipped on purpose (titles, 合计), not records; each has a note.
    public var skipped = 0
    /// Exact repeats of a record already read in this export, kept once.
    public var duplicates = 0
    public var notes: [String] = []
    /// The days the export covers (its rule's `covers`, up to its export date); nil ends are open.
    public var coversStart: LocalDate?
    public var coversEnd: LocalDate?

    /// Adds the counts and notes of `other`, a later run of records of the same export.
    mutating func addCounts(of other: IngestSummary) {
        read += other.read
        accepted += other.accepted
        rejected += other.rejected
        skipped += other.skipped
        duplicates += other.duplicates
        notes += other.notes
    }

    public var json: String {
        JSONText.object([
            ("file", JSONText.string(file)),
            ("department", JSONText.string(department)),
            ("kind", JSONText.string(kind.rawValue)),
            ("mapping", JSONText.string(mapping)),
            ("members", JSONText.array(members.map(JSONText.string), indent: "  ")),
            ("records_read", String(read)),
            ("accepted", String(accepted)),
            ("rejected", String(rejected)),
            ("skipped", String(skipped)),
            ("duplicates", String(duplicates)),
            ("covers_start", coversStart.map { JSONText.string($0.description) } ?? "null"),
            ("covers_end", coversEnd.map { JSONText.string($0.description) } ?? "null"),
            ("notes", JSONText.array(notes.map(JSONText.string), indent: "  ")),
        ]) + "\n"
    }
}

/// The columns of rejects.csv.
public enum RejectsFile {
    public static let columns = ["file", "member", "line", "record", "field", "value", "reason_code", "reason"]

    public static func line(_ rejection: Rejection) -> String {
        let p = rejection.position
        return CSVFormat.line([p.file, p.member ?? "", String(p.line), String(p.record), rejection.field,
                               rejection.value, rejection.reason.code, rejection.message], neutralizeFormulas: true)
    }
}

/// Ingests one department export: bytes → decoder → mapper → normalized rows or rejects.
///
/// Writes `<output>/<kind>.csv` (normalized, header first), `<output>/rejects.csv` and, last,
/// `<output>/summary.json`. Nothing is published unless the whole file was read and trusted:
/// every file is written to a temporary and renamed at the end.
public struct IngestRun {
    public let pipeline: LoadedPipeline
    public let exportPath: String
    public let outputDirectory: String
    /// Called every few thousand records with the records read and the file bytes consumed.
    public var progress: ((_ records: Int, _ bytes: Int) -> Void)?

    /// The export's name in summaries, rejects and provenance: its path below the data folder
    /// (`zhujian/hazards-2020.csv`, where departments drop files into folders of their own), or
    /// its file name when not given. Export dates and `covers` years are read from the file name.
    public var name: String?

    /// A plain CSV export of `minShardBytes` or more is read on up to `cores` cores in pieces.
    public var cores = ProcessInfo.processInfo.activeProcessorCount
    public var minShardBytes = 8 << 20

    public init(pipeline: LoadedPipeline, exportPath: String, outputDirectory: String, name: String? = nil) {
        self.pipeline = pipeline
        self.exportPath = exportPath
        self.outputDirectory = outputDirectory
        self.name = name
    }

    public static func summaryPath(in directory: String) -> String { directory + "/summary.json" }

    /// The days an export covers: its rule's `covers`, and no further than its export date.
    static func covers(_ rule: PipelineConfig.ExportRule, fileName: String, fileDate: LocalDate?,
                       pipelinePath: String) throws -> (LocalDate?, LocalDate?) {
        guard let covers = rule.covers else { return (nil, fileDate) }
        let span: (start: LocalDate?, end: LocalDate?)
        do { span = try covers.span(fileName: fileName) } catch {
            throw IngestFailure.configuration(file: pipelinePath, problems: [error.description])
        }
        return (span.start, [span.end, fileDate].compactMap { $0 }.min())
    }

    public func run() throws -> IngestSummary {
        // A failed run must not leave an earlier success looking current.
        AtomicFile.remove(IngestRun.summaryPath(in: outputDirectory))
        let (rule, mapping) = try pipeline.mapping(forExport: exportPath, name: name)
        let baseName = (exportPath as NSString).lastPathComponent
        let fileName = name ?? baseName
        let fileDate: LocalDate?
        do { fileDate = try mapping.exportDate.fileDate(fileName: baseName) } catch {
            throw IngestFailure.configuration(file: rule.mapping, problems: [error.description])
        }
        let mapper = RecordMapper(mapping: mapping, regions: pipeline.config.regionList, sectors: pipeline.config.sectorList,
                                  categories: pipeline.config.categoryList)
        var summary = IngestSummary(file: fileName, department: mapping.department, kind: mapping.kind, mapping: rule.mapping)
        (summary.coversStart, summary.coversEnd) = try IngestRun.covers(rule, fileName: baseName, fileDate: fileDate, pipelinePath: pipeline.path)

        func openOutputs() throws -> (records: AtomicFile, rejects: AtomicFile) {
            let records = try AtomicFile(path: outputDirectory + "/\(mapping.kind.rawValue).csv")
            try records.write(CSVFormat.line(RecordSchema.fields(of: mapping.kind).map(\.name)))
            let rejects = try AtomicFile(path: outputDirectory + "/rejects.csv")
            try rejects.write(CSVFormat.line(RejectsFile.columns))
            return (records, rejects)
        }
        var (records, rejects) = try openOutputs()

        let limits = pipeline.config.limits
        let ids = DuplicateIDs(enabled: limits.checkDuplicateIDs, kind: mapping.kind)
        let (opened, file) = try ExportOpener.open(path: exportPath, display: fileName, maxInflatedBytes: limits.maxInflatedBytes)
        if opened.isGzip, !ExportOpener.hasGzipName(fileName) {
            summary.notes.append("\(fileName): gzip data under a name without .gz; read decompressed")
        }
        let base = IngestSummary(file: fileName, department: mapping.department, kind: mapping.kind, mapping: rule.mapping)
        let magic = try opened.peek(512)
        // A large plain CSV file is read in pieces, one per core, when they join exactly.
        var pieced: IngestSummary?
        if PieceIngest.applies(to: mapping, isGzip: opened.isGzip, magic: magic, checksIDs: ids.enabled) {
            let pieces = PieceIngest(path: exportPath, mapping: mapping, mapper: mapper, fileName: fileName, fileExportDate: fileDate,
                                     maxRecordBytes: limits.maxRecordBytes, outputDirectory: outputDirectory, counts: base,
                                     progress: progress)
            pieced = try pieces.run(records: records, rejects: rejects, cores: cores, minBytes: minShardBytes)
            if pieced == nil {
                records.abandon(); rejects.abandon()
                (records, rejects) = try openOutputs()
            }
        }
        // Otherwise records are mapped on every core and committed in input order on a thread of
        // their own (OrderedMapping): the committer, which this thread leaves alone until the
        // mapping has finished or stopped, counts them.
        let committer = IngestCommitter(counts: base, ids: ids, records: records, rejects: rejects, progress: progress)
        let ordered = OrderedMapping(mapper: mapper, fileExportDate: fileDate, identities: ids.enabled,
                                     bytesRead: { file.offset }) { item, batch in try committer.commit(item, batch) }
        // Whatever ends the run, nothing is committed after it.
        defer { ordered.stop() }
        let consume: ([DecodedItem]) throws -> Void = { try ordered.add($0) }

        func zip() throws -> ZipReader {
            try ZipReader(path: exportPath, file: fileName, maxMembers: limits.maxArchiveMembers, maxInflatedBytes: limits.maxInflatedBytes)
        }
        if pieced != nil {
            // Read already.
        } else if mapping.format == .xlsx {
            guard ZipReader.hasMagic(magic) else {
                // Excel saves password-protected workbooks, and old .xls ones, as OLE compound files.
                if magic.starts(with: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
                    throw IngestFailure.unsupportedArchive(file: fileName, member: nil, reason:
                        "a password-protected workbook or an old .xls (OLE compound file); save it as .xlsx without a password")
                }
                throw IngestFailure.corruptArchive(file: fileName, byteOffset: 0, reason: "not an .xlsx workbook (no zip signature)")
            }
            let archive = try zip()
            let workbook = try XLSXReader(zip: archive, sheet: mapping.sheet,
                                          maxSharedStringBytes: min(limits.maxInflatedBytes, XLSXReader.maxSharedStringBytes))
            let sheet = "sheet:" + workbook.sheetName
            summary.members.append(sheet)
            let decoder = CSVRecordDecoder(layout: mapping.csv, sourceKeys: mapper.sourceKeys, file: fileName, member: sheet,
                                           maxRecordBytes: limits.maxRecordBytes, optionalKeys: mapper.optionalSourceKeys)
            try workbook.forEachRow(maxRowBytes: limits.maxRecordBytes) { rows in
                try consume(decoder.feed(rows: rows))
            }
            try decoder.finishRows()
            summary.notes.append(contentsOf: archive.notes)
        } else if let pattern = mapping.members {
            var seen: [String] = []
            func selected(_ name: String) -> Bool {
                seen.append(name)
                let base = name.split(separator: "/").last.map(String.init) ?? name
                guard Glob.matches(pattern, name) || Glob.matches(pattern, base) else {
                    summary.notes.append("\(fileName):\(name): skipped (does not match \(pattern))")
                    return false
                }
                summary.members.append(name)
                return true
            }
            if ZipReader.hasMagic(magic) {
                let archive = try zip()
                for member in archive.members where selected(member.name) {
                    try ExportOpener.decode(try archive.source(for: member), mapping: mapping, mapper: mapper,
                                            file: fileName, member: member.name, maxRecordBytes: limits.maxRecordBytes, consume: consume)
                }
                summary.notes.append(contentsOf: archive.notes)
            } else {
                guard TarReader.hasMagic(magic) else {
                    throw IngestFailure.corruptArchive(file: fileName, byteOffset: 0, reason: "neither a tar nor a zip archive (the mapping names members)")
                }
                let tar = TarReader(opened, file: fileName, maxMembers: limits.maxArchiveMembers)
                while let member = try tar.nextMember() {
                    guard selected(member.name) else { continue }
                    try ExportOpener.decode(TarMemberSource(tar), mapping: mapping, mapper: mapper,
                                            file: fileName, member: member.name, maxRecordBytes: limits.maxRecordBytes, consume: consume)
                }
                summary.notes.append(contentsOf: tar.notes)
            }
            if summary.members.isEmpty {
                // An archive of archives fails on what it holds, not on the mapping's pattern.
                let nested = seen.filter(ExportOpener.isArchiveName)
                if !nested.isEmpty && nested.count == seen.count { throw IngestFailure.nestedArchivesOnly(file: fileName, members: nested) }
                throw IngestFailure.noMatchingMembers(file: fileName, pattern: pattern)
            }
        } else {
            if ZipReader.hasMagic(magic) {
                throw IngestFailure.configuration(file: fileName, problems: [
                    "a zip archive, but its mapping names no members (add members: \"*.csv\") and is not format xlsx"])
            }
            try ExportOpener.decode(opened, mapping: mapping, mapper: mapper, file: fileName, member: nil,
                                    maxRecordBytes: limits.maxRecordBytes, consume: consume)
        }

        try ordered.finish()
        summary.addCounts(of: pieced ?? committer.counts)
        let conflicts = committer.ids.conflicts

        // The first of each conflicting pair was written before its twin appeared: take it back out.
        var output = records
        if !conflicts.isEmpty {
            let kept = try AtomicFile(path: outputDirectory + "/\(mapping.kind.rawValue).csv")
            var header = true
            try CSVFile.forEachRow(path: try records.flushedTemporaryPath()) { fields, _ in
                defer { header = false }
                if !header, let conflict = conflicts[DuplicateIDs.key(fields)] {
                    summary.accepted -= 1
                    summary.rejected += 1
                    try rejects.write(RejectsFile.line(Rejection(position: conflict.first, field: "id", value: fields[0],
                                                                 reason: .conflictingDuplicate(otherLine: conflict.laterLine))))
                } else {
                    try kept.write(CSVFormat.line(fields))
                }
            }
            records.abandon()
            output = kept
        }

        if pipeline.config.rejectsFail(rejected: summary.rejected, read: summary.read) {
            try rejects.commit()
            output.abandon()
            throw IngestFailure.rejectRateExceeded(file: fileName, rejected: summary.rejected, read: summary.read,
                                                   limit: pipeline.config.maxRejectRate, floor: pipeline.config.minRejectsToFail)
        }
        try output.commit()
        try rejects.commit()
        try AtomicFile.write(summary.json, to: IngestRun.summaryPath(in: outputDirectory))
        return summary
    }
}

/// Decides once how an export's bytes are read: gzip by magic number (a `.gz` name without it
/// is refused), then the encoding (a BOM wins over the mapping), then CSV or XML.
public enum ExportOpener {
    /// The export's bytes (inflated if gzip), and the file underneath for progress.
    public static func open(path: String, display: String,
                            maxInflatedBytes: Int = GzipByteSource.defaultMaxOutputBytes) throws -> (PeekableSource, FileByteSource) {
        let file = try FileByteSource(path: path)
        let raw = PeekableSource(file)
        let magic = try raw.peek(2)
        if magic.isEmpty { throw IngestFailure.emptyExport(file: display, member: nil, what: "0 bytes") }
        if GzipByteSource.hasMagic(magic) {
            let inflated = PeekableSource(try GzipByteSource(raw, file: display, maxOutputBytes: maxInflatedBytes))
            inflated.isGzip = true
            if try inflated.peek(1).isEmpty {
                throw IngestFailure.emptyExport(file: display, member: nil, what: "gzip data that decompresses to 0 bytes")
            }
            return (inflated, file)
        }
        if hasGzipName(display) { throw IngestFailure.notGzip(file: display) }
        return (raw, file)
    }

    static func hasGzipName(_ name: String) -> Bool {
        let lower = name.lowercased()
        return lower.hasSuffix(".gz") || lower.hasSuffix(".tgz")
    }

    /// Names of archive members that are archives themselves (not read: one level only).
    static func isArchiveName(_ name: String) -> Bool {
        let lower = name.lowercased()
        return [".zip", ".tar", ".gz", ".tgz", ".rar", ".7z", ".bz2", ".xz"].contains { lower.hasSuffix($0) }
    }

    public static func decode(_ source: ByteSource, mapping: DepartmentMapping, mapper: RecordMapper, file: String,
                              member: String?, maxRecordBytes: Int = 1 << 20, consume: ([DecodedItem]) throws -> Void) throws {
        let peekable = PeekableSource(source)
        let decoder: RecordDecoder
        var input: ByteSource = peekable
        switch mapping.format {
        case .csv:
            let bom = try peekable.peek(2)
            if bom == [0xFF, 0xFE] || bom == [0xFE, 0xFF] {
                // Decoded as a stream; a bad code unit marks its record invalid instead of failing the file.
                input = try TranscodingSource(peekable, from: "UTF-16", file: file, member: member, markInvalid: true)
            } else if !TranscodingSource.isUTF8(mapping.encoding) && !FieldTranscoder.isGBFamily(mapping.encoding) {
                input = try TranscodingSource(peekable, from: mapping.encoding, file: file, member: member)
            }
            // GB-family bytes are split as CSV first and decoded per field, so a bad byte rejects one record.
            let transcoder = FieldTranscoder.isGBFamily(mapping.encoding) && input === peekable
                ? try FieldTranscoder(encoding: mapping.encoding, file: file) : nil
            decoder = CSVRecordDecoder(layout: mapping.csv, sourceKeys: mapper.sourceKeys, file: file, member: member,
                                       maxRecordBytes: maxRecordBytes, transcoder: transcoder, optionalKeys: mapper.optionalSourceKeys)
        case .xlsx:
            throw IngestFailure.configuration(file: file, problems: ["an .xlsx workbook inside a bundle is not supported; send it on its own"])
        case .xml:
            // libxml2 pulls the bytes itself (fewer instructions than pushing them chunk by chunk).
            let xml = try XMLRecordDecoder(layout: mapping.xml!, sourceKeys: mapper.sourceKeys, file: file, member: member,
                                           maxTextBytes: maxRecordBytes)
            try xml.decode(input, consume: consume)
            return
        }
        while let chunk = try input.read() { try consume(decoder.feed(chunk)) }
        try consume(decoder.finish())
    }
}
