import Dispatch
import Foundation
import SafetyCore

/// Takes one run of consecutive mapped items in input order (a whole export, or one piece of
/// it): counts them, writes accepted lines and rejects, checks duplicate ids.
final class IngestCommitter {
    /// The counts and notes of the items committed (read = accepted + rejected + duplicates).
    private(set) var counts: IngestSummary
    private(set) var ids: DuplicateIDs
    let records: AtomicFile
    let rejects: AtomicFile
    /// Called every 8192 records with the records committed and the bytes read when their batch was handed on.
    private let progress: ((_ records: Int, _ bytes: Int) -> Void)?

    init(counts: IngestSummary, ids: DuplicateIDs, records: AtomicFile, rejects: AtomicFile,
         progress: ((_ records: Int, _ bytes: Int) -> Void)?) {
        self.counts = counts; self.ids = ids; self.records = records; self.rejects = rejects; self.progress = progress
    }

    func commit(_ item: MappedItem, _ batch: OrderedMapping.Batch) throws {
        switch item {
        case .accepted(let check, let line):
            counts.read += 1
            if counts.read % 8192 == 0 { progress?(counts.read, batch.bytesRead) }
            switch ids.check(check?.identity, at: check?.position) {
            case .first:
                counts.accepted += 1
                try batch.sink.withBytes { try records.write(bytes: UnsafeBufferPointer(rebasing: $0[line])) }
            case .exactRepeat(let firstLine, let position):
                counts.duplicates += 1
                counts.notes.append("\(position): exact repeat of line \(firstLine), kept once")
            case .conflict(let firstLine, let position, let id):
                counts.rejected += 1
                try rejects.write(RejectsFile.line(Rejection(position: position, field: "id", value: id,
                                                             reason: .conflictingDuplicate(otherLine: firstLine))))
            }
        case .rejected(let rejection), .undecodable(let rejection):
            counts.read += 1
            if counts.read % 8192 == 0 { progress?(counts.read, batch.bytesRead) }
            counts.rejected += 1
            try rejects.write(RejectsFile.line(rejection))
        case .skipped(let position, let note):
            counts.skipped += 1
            counts.notes.append("\(position): \(note)")
        }
    }
}

/// Reads one large plain CSV export on every core: the file is cut into pieces at record
/// boundaries (line ends outside quotes), and each core decodes, maps and writes its own piece,
/// its lines and rejects kept in files of its own, appended in order at the end.
///
/// The output is exactly that of reading the file on one core, or nothing is kept: each piece's
/// reader starts on the line and row number the cut predicts (line feeds and non-empty lines
/// before it), and the piece before must end exactly there, at a record boundary, on that line,
/// after that many rows. Anything else (a bare CR line end, a stray quote that misled the cut)
/// and `run` returns nil having written nothing: the caller reads the file on one core.
struct PieceIngest: @unchecked Sendable {  // read only while the pieces are read
    let path: String
    let mapping: DepartmentMapping
    let mapper: RecordMapper
    let fileName: String
    let fileExportDate: LocalDate?
    let maxRecordBytes: Int
    let outputDirectory: String
    let counts: IngestSummary
    let progress: ((_ records: Int, _ bytes: Int) -> Void)?

    /// What one piece made: its counts, where it ended, its own lines and rejects (nil for the
    /// first piece, which writes the run's files itself).
    private struct Piece {
        var counts: IngestSummary
        var end: (line: Int, rows: Int)?
        var files: (records: AtomicFile, rejects: AtomicFile)?
    }

    /// Whether an export may be read in pieces: a plain file (not gzip, not an archive) of CSV
    /// in UTF-8 (no UTF-16 byte-order mark), its duplicate ids not checked (the check needs every
    /// record in order).
    static func applies(to mapping: DepartmentMapping, isGzip: Bool, magic: [UInt8], checksIDs: Bool) -> Bool {
        mapping.format == .csv && mapping.members == nil && !isGzip && !ZipReader.hasMagic(magic) && !checksIDs
            && TranscodingSource.isUTF8(mapping.encoding) && !(magic.starts(with: [0xFF, 0xFE]) || magic.starts(with: [0xFE, 0xFF]))
    }

    /// Reads the export in up to `cores` pieces into `records` and `rejects` (both holding their
    /// header only) and returns the counts; nil, with nothing written, when the file is smaller
    /// than `minBytes` or the pieces do not join exactly.
    func run(records: AtomicFile, rejects: AtomicFile, cores: Int, minBytes: Int) throws -> IngestSummary? {
        guard cores > 1 else { return nil }
        let pieces: [(range: Range<Int>, firstIndex: Int)]
        do {
            pieces = try CSVRecordScanner.shardStarts(of: path, count: cores, minBytes: minBytes, maxRecordBytes: maxRecordBytes)
        } catch {
            return nil  // a quote never closed or a record too large for the cut: read on one core, which says so
        }
        guard pieces.count > 1 else { return nil }

        // The first piece's reader reads the header; the others start with it.
        let first = try FileByteSource(path: path, range: pieces[0].range)
        let firstDecoder = CSVRecordDecoder(layout: mapping.csv, sourceKeys: mapper.sourceKeys, file: fileName, member: nil,
                                            maxRecordBytes: maxRecordBytes, optionalKeys: mapper.optionalSourceKeys)
        var opening: [DecodedItem] = []
        while !firstDecoder.hasHeader, let chunk = try first.read() { opening += try firstDecoder.feed(chunk) }
        var jobs = [PieceJob.first(first, firstDecoder, opening: opening, files: (records, rejects))]
        for piece in pieces.dropFirst() {
            // A later piece's core makes its decoder from this one (never fed), once it has
            // counted the lines before its piece: the first decoder is being fed meanwhile.
            guard let template = firstDecoder.continuation(line: 1, offset: piece.range.lowerBound, rowsBefore: piece.firstIndex)
            else { return nil }
            jobs.append(.later(template: template, range: piece.range, firstIndex: piece.firstIndex))
        }

        let work = jobs
        // Each later piece's first line, as its core counted it (set before anything else can fail).
        let starts = ShardResults<Int>(count: pieces.count)
        let results = ShardResults<Piece>(count: pieces.count)
        let sums = ProgressSums(pieces: pieces.count, report: progress)
        DispatchQueue.concurrentPerform(iterations: pieces.count) { k in
            results.set(k, Result {
                switch work[k] {
                case .first(let source, let decoder, let opening, let files):
                    starts.set(k, .success(1))
                    return try read(source, decoder: decoder, opening: opening, last: false,
                                    records: files.records, rejects: files.rejects, progress: { sums.update(k, $0, $1) })
                case .later(let template, let range, let firstIndex):
                    let line: Int
                    do { line = 1 + (try CSVRecordScanner.lineFeeds(in: path, before: range.lowerBound)) } catch {
                        starts.set(k, .failure(error)); throw error
                    }
                    starts.set(k, .success(line))
                    let decoder = template.continuation(line: line, offset: range.lowerBound, rowsBefore: firstIndex)!
                    let own = (records: try AtomicFile(path: outputDirectory + "/\(mapping.kind.rawValue).csv.piece\(k)", syncsWhileWriting: false),
                               rejects: try AtomicFile(path: outputDirectory + "/rejects.csv.piece\(k)", syncsWhileWriting: false))
                    var piece = try read(try FileByteSource(path: path, range: range), decoder: decoder, opening: [],
                                         last: k == pieces.count - 1, records: own.records, rejects: own.rejects,
                                         progress: { sums.update(k, $0, $1) })
                    piece.files = own
                    return piece
                }
            })
        }

        let made = results.values, lines = starts.values
        defer { for case .success(let piece) in made { piece.files?.records.abandon(); piece.files?.rejects.abandon() } }
        // In file order: a piece that failed fails the run, once every piece before it is known
        // to have joined the one before exactly (its error is then the first a single reader meets).
        for k in made.indices {
            if k > 0 {
                guard case .success(let before) = made[k - 1], let end = before.end, case .success(let line) = lines[k],
                      end.line == line, end.rows == pieces[k].firstIndex else { return nil }
            }
            _ = try made[k].get()
        }
        var total = counts
        for case .success(let piece) in made {
            total.addCounts(of: piece.counts)
            if let files = piece.files {
                try records.append(contentsOf: files.records)
                try rejects.append(contentsOf: files.rejects)
            }
        }
        return total
    }

    /// Decodes, maps and commits one piece, batch by batch; the last piece ends the stream, the
    /// others say where they ended.
    private func read(_ source: FileByteSource, decoder: CSVRecordDecoder, opening: [DecodedItem], last: Bool,
                      records: AtomicFile, rejects: AtomicFile,
                      progress: @escaping (_ records: Int, _ bytes: Int) -> Void) throws -> Piece {
        let committer = IngestCommitter(counts: counts, ids: DuplicateIDs(enabled: false, kind: mapping.kind),
                                        records: records, rejects: rejects, progress: progress)
        var pending: [[DecodedItem]] = [opening]
        var pendingCount = opening.count
        func commitPending() throws {
            let batch = OrderedMapping.Batch(parts: pending, bytesRead: source.offset)
            pending = []
            pendingCount = 0
            batch.map(with: mapper, fileExportDate: fileExportDate, identities: false)
            for item in batch.mapped { try committer.commit(item, batch) }
        }
        while let chunk = try source.read() {
            let items = try decoder.feed(chunk)
            pending.append(items)
            pendingCount += items.count
            if pendingCount >= 2048 { try commitPending() }
        }
        if last { pending.append(try decoder.finish()) }
        try commitPending()
        return Piece(counts: committer.counts, end: last ? nil : decoder.boundary)
    }
}

/// What one core starts from: the first piece's reader, with the header read, and the run's
/// files; or a later piece's range and a decoder to continue from.
private enum PieceJob: @unchecked Sendable {  // each core touches its own job only
    case first(FileByteSource, CSVRecordDecoder, opening: [DecodedItem], files: (records: AtomicFile, rejects: AtomicFile))
    case later(template: CSVRecordDecoder, range: Range<Int>, firstIndex: Int)
}

/// Records and bytes read by each piece, added up for the progress line.
private final class ProgressSums: @unchecked Sendable {
    private var records: [Int]
    private var bytes: [Int]
    private let report: ((_ records: Int, _ bytes: Int) -> Void)?
    private let lock = NSLock()

    init(pieces: Int, report: ((_ records: Int, _ bytes: Int) -> Void)?) {
        records = Array(repeating: 0, count: pieces)
        bytes = records
        self.report = report
    }

    func update(_ piece: Int, _ read: Int, _ bytesRead: Int) {
        guard let report else { return }
        lock.lock(); defer { lock.unlock() }
        records[piece] = read
        bytes[piece] = bytesRead
        report(records.reduce(0, +), bytes.reduce(0, +))
    }
}
