#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import SafetyCore

/// Resolves re-exports of one record kind in bounded memory and writes the kind's normalized
/// file and its corrections.
///
/// The same (source, id) in several exports is one record; the row of the latest export date
/// wins (on a tie, the later input, then the later row) and the others are superseded. Rows are
/// hash-partitioned by (source, id) into buckets on disk, so every version of a record meets in
/// one bucket; each bucket is resolved alone in memory (about `bucketBytes`) into a sorted run of
/// the rows it supersedes and a sorted run of corrections. A last pass copies the inputs' rows in
/// order, skipping the superseded ones (the runs merged by position). Memory therefore does not
/// grow with the data: only the number of bucket files does. Inputs small enough for one bucket
/// never touch the disk.
///
/// Keys are compared as the bytes the ingest wrote: its CSV quoting is canonical (a value has
/// one spelling), so equal bytes are equal values.
struct ReexportResolver {
    let kind: RecordKind
    let pipeline: PipelineConfig
    /// A bucket's target size; one bucket is held in memory at a time.
    var bucketBytes = 4 << 20
    var maxBuckets = 512
    /// Where bucket files go (removed when done).
    let spillDirectory: String
    /// One shard of the keys: only records whose (source, id) falls in shard `index` of `count`
    /// are resolved and written, so shards can be resolved apart (one task each) and assembled
    /// (`assemble`) into exactly the single run's output.
    var shard: (index: Int, count: Int)?
    /// With `shard`: where the shard keeps its sorted runs of superseded rows and corrections
    /// (`<kind>.superseded`, `<kind>.corrections`), which `assemble` merges.
    var runsDirectory: String?
    /// With `shard`, per input: when the input is the shard's split of an ingest file
    /// (`PackageRun.split`), its `.offsets` file — each row's offset in the whole file — so the
    /// runs kept for the assembly name rows as the whole files hold them.
    var offsetsFiles: [String?] = []

    /// Pass 1 cuts an input this large or larger into one piece per core.
    var minShardBytes = 8 << 20

    /// Per input: rows superseded by a later export.
    private(set) var superseded: [Int]

    /// The shard a key hash falls in (other bits than the buckets' `h >> 33`).
    @inline(__always) static func shard(of h: UInt64, count: Int) -> Int { Int((h ^ (h >> 29)) % UInt64(count)) }

    static func runPaths(kind: RecordKind, in directory: String) -> (superseded: String, corrections: String) {
        (directory + "/\(kind.rawValue).superseded", directory + "/\(kind.rawValue).corrections")
    }

    init(kind: RecordKind, pipeline: PipelineConfig, inputs: Int, spillDirectory: String) {
        self.kind = kind
        self.pipeline = pipeline
        self.spillDirectory = spillDirectory
        superseded = Array(repeating: 0, count: inputs)
    }

    /// The bytes of one bucket: entries of `[seq: u64][input: u32][length: u32][row bytes]`, rows
    /// in input order. In memory, or spilled to a file when there are several buckets.
    /// Used by one thread at a time (pass 2 gives each bucket and its runs to one task).
    final class Bucket: @unchecked Sendable {
        var memory: [UInt8] = []
        var writer: SpillWriter?
        /// A finished run kept in a file by an earlier process (a shard's), read only.
        var file: String?
        /// Pass 1's buckets: one per worker, in input order, read as one.
        var parts: [Bucket] = []
        init() {}
        init(file: String) { self.file = file }
        init(parts: [Bucket]) { self.parts = parts }
        func append(seq: UInt64, input: Int, row: UnsafeBufferPointer<UInt8>) throws {
            // The 16-byte head in one piece: one append instead of three.
            var head: (UInt64, UInt32, UInt32) = (seq.littleEndian, UInt32(input).littleEndian, UInt32(row.count).littleEndian)
            try withUnsafeBytes(of: &head) { head in
                if let writer {
                    try writer.append(head)
                    try writer.append(UnsafeRawBufferPointer(row))
                } else {
                    memory.append(contentsOf: head.bindMemory(to: UInt8.self))
                    memory.append(contentsOf: row)
                }
            }
        }
        /// The bucket's bytes (its parts' one after another): spilled ones read into one array
        /// and their files removed.
        func load() throws -> [UInt8] {
            let pieces = parts.isEmpty ? [self] : parts
            let writers = pieces.compactMap(\.writer)
            if writers.isEmpty { return pieces.count == 1 ? pieces[0].memory : pieces.flatMap(\.memory) }  // one small bucket
            guard writers.count == pieces.count else {
                throw IngestFailure.corruptNormalizedData(message: "a re-export bucket is partly on disk, partly in memory")
            }
            for writer in writers { try writer.finish() }
            let bytes = try readWholeFiles(writers.map(\.path))
            for writer in writers { unlink(writer.path) }
            return bytes
        }
    }

    @inline(__always) static func hash(_ bytes: UnsafeBufferPointer<UInt8>, into h: inout UInt64) {
        for byte in bytes { h = (h ^ UInt64(byte)) &* 0x100000001b3 }
    }

    /// FNV-1a over a record's key: its source, a separator, its id (values as the ingest wrote
    /// them). Buckets, shards and the splits all place a record by this one hash.
    @inline(__always) static func keyHash(source: UnsafeBufferPointer<UInt8>, id: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf29ce484222325
        hash(source, into: &h)
        h = (h ^ 0x1F) &* 0x100000001b3
        hash(id, into: &h)
        return h
    }

    /// A row's position: its input in the high bits, its byte offset in that input below.
    /// Ordering positions orders rows as the inputs are given, then as each file holds them.
    static func position(input: Int, offset: Int) -> UInt64 { UInt64(input) << 40 | UInt64(offset) }

    /// Two independent 64-bit multiply-and-mix hashes over a row's content columns, eight bytes
    /// at a step (the last word padded with zeros, the length mixed in at the end): two versions
    /// of a record with equal hashes are taken as unchanged; unequal ones are read back from
    /// their files and compared field by field. Only compared within one run, never stored.
    @inline(__always) static func contentHash(_ bytes: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64) {
        var a: UInt64 = 0xcbf29ce484222325, b: UInt64 = 0x84222325cbf29ce4
        @inline(__always) func mix(_ word: UInt64) {
            a = (a ^ word) &* 0x100000001b3
            a ^= a >> 32
            b = (b &+ word) &* 0x9E3779B97F4A7C15
            b ^= b >> 29
        }
        let n = bytes.count
        var i = 0
        if let base = bytes.baseAddress {
            while i + 8 <= n {
                mix(UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
                i += 8
            }
            var last: UInt64 = 0
            var shift: UInt64 = 0
            while i < n {
                last |= UInt64(base[i]) << shift
                shift += 8
                i += 1
            }
            mix(last)
        }
        mix(UInt64(n))
        a = (a ^ (a >> 31)) &* 0xBF58476D1CE4E5B9
        b = (b ^ (b >> 27)) &* 0x94D049BB133111EB
        return (a ^ (a >> 33), b ^ (b >> 31))
    }

    /// Resolves `files` (one per input, missing ones skipped) into `output` (header included)
    /// and appends the corrections lines to `corrections`.
    ///
    /// Buckets hold a compact entry per row (its position and length, the key and export date,
    /// a hash of its content), not the row: the rows themselves stay in the inputs, and the
    /// output is the inputs' bytes copied by the kernel around the superseded rows.
    mutating func run(files: [String], output: AtomicFile, corrections: AtomicFile, cores: Int = 2) throws {
        let header = RecordSchema.fields(of: kind).map(\.name)
        try output.write(CSVFormat.line(header))
        let existing = files.enumerated().filter { access($0.element, F_OK) == 0 }
        var total = 0
        for (_, file) in existing {
            var info = stat()
            if stat(file, &info) == 0 { total += Int(info.st_size) }
        }
        // An entry is about two fifths of its row.
        let count = max(1, min(maxBuckets, (total / 5 * 2 + bucketBytes - 1) / bucketBytes))

        // Pass 1 on every core: the inputs cut at record boundaries into pieces (a large file in
        // `cores` shards), each worker given a run of consecutive pieces. A worker writes its own
        // buckets, so bucket b is worker 0's part, then worker 1's…: entries in input order.
        var pieces: [Pass1Piece] = []
        for (input, file) in existing {
            for shard in try CSVRecordScanner.shardStarts(of: file, count: max(1, cores), minBytes: minShardBytes) {
                pieces.append(Pass1Piece(input: input, file: file, range: shard.range, firstIndex: shard.firstIndex))
            }
        }
        // Consecutive pieces to each worker, about equal bytes each (a worker left without a piece is dropped).
        var assigned = Array(repeating: [Pass1Piece](), count: max(1, cores))
        var before = 0, last = 0
        for piece in pieces {
            last = max(last, min(assigned.count - 1, total > 0 ? before * assigned.count / total : 0))
            assigned[last].append(piece)
            before += piece.range.count
        }
        assigned.removeAll { $0.isEmpty }
        if assigned.isEmpty { assigned = [[]] }  // no input: one worker with nothing to read
        let (workers, work) = (assigned.count, assigned)
        if count > 1 || shard != nil { try AtomicFile.makeDirectories(spillDirectory) }
        // The writers' buffers share what one worker's had, so memory does not grow with the cores.
        let capacity = max(1 << 12, (1 << 16) / workers)
        let parts = try (0..<workers).map { w in
            try Pass1Part(buckets: count, spill: count > 1 ? spillDirectory + "/\(kind.rawValue)-\(w)" : nil,
                          foreign: shard != nil ? spillDirectory + "/\(kind.rawValue)-\(w).foreign" : nil, capacity: capacity)
        }
        defer { for part in parts { part.removeFiles() } }
        let results = ShardResults<[Pass1Piece.Layout]>(count: workers)
        let (kindName, shardOf, contentColumns) = (kind.rawValue, shard, RecordSchema.contentColumns(of: kind))
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            results.set(w, Result {
                try work[w].map { piece in
                    try ReexportResolver.passOne(piece, into: parts[w], buckets: count, header: header, kind: kindName,
                                                 shard: shardOf, contentColumns: contentColumns)
                }
            })
        }
        var dataStart = Array(repeating: 0, count: files.count)
        var plain = Array(repeating: true, count: files.count)
        var layouts: [(Pass1Piece, Pass1Piece.Layout)] = []
        for (w, result) in results.values.enumerated() { layouts += zip(assigned[w], try result.get()).map { ($0, $1) } }
        for (input, file) in existing {
            var end = 0
            for (piece, layout) in layouts where piece.input == input {
                if let start = layout.dataStart { dataStart[input] = start }
                // Every row followed by exactly one LF (as the ingest writes), so rows can be copied as byte ranges.
                plain[input] = plain[input] && layout.regular && layout.end == piece.range.upperBound
                end = max(end, layout.end)
            }
            var info = stat()
            plain[input] = plain[input] && stat(file, &info) == 0 && Int(info.st_size) == end
        }
        let buckets = (0..<count).map { b in Bucket(parts: parts.map { $0.buckets[b] }) }
        let foreign = parts.compactMap(\.foreign)
        for run in foreign { try run.writer?.finish() }

        // Pass 2: each bucket alone (on every core), into a run of superseded rows and a run of corrections.
        let sources = try existing.map { input, file -> (Int, Int32, String) in
            let fd = open(file, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw IngestFailure.unreadable(file: file, reason: String(cString: strerror(errno))) }
            return (input, fd, file)
        }
        defer { for (_, fd, _) in sources { close(fd) } }
        let inputFiles = Dictionary(uniqueKeysWithValues: sources.map { ($0.0, (fd: $0.1, path: $0.2)) })
        let loserRuns = (0..<count).map { _ in Bucket() }
        let correctionRuns = (0..<count).map { _ in Bucket() }
        defer { for run in loserRuns + correctionRuns { if let w = run.writer { unlink(w.path) } } }
        if count > 1 {
            for b in 0..<count {
                // Runs are small and many: small buffers keep memory flat however many buckets there are.
                loserRuns[b].writer = try SpillWriter(path: spillDirectory + "/\(kind.rawValue)-\(b).superseded", capacity: 1 << 14)
                correctionRuns[b].writer = try SpillWriter(path: spillDirectory + "/\(kind.rawValue)-\(b).corrections", capacity: 1 << 14)
            }
        }
        let counts = ShardResults<[Int]>(count: count)
        let (recordKind, config, inputs) = (kind, pipeline, files.count)
        let next = WorkCounter(limit: count)
        DispatchQueue.concurrentPerform(iterations: max(1, min(cores, count))) { _ in
            while let b = next.claim() {
                counts.set(b, Result {
                    var superseded = Array(repeating: 0, count: inputs)
                    try ReexportResolver.resolve(kind: recordKind, pipeline: config, bucket: try buckets[b].load(), inputs: inputFiles,
                                                 superseded: &superseded, losers: loserRuns[b], corrections: correctionRuns[b])
                    try loserRuns[b].writer?.finish()
                    try correctionRuns[b].writer?.finish()
                    return superseded
                })
            }
        }
        for result in counts.values {
            for (input, n) in try result.get().enumerated() { superseded[input] += n }
        }

        // A shard keeps its runs, merged, for the assembly of every shard's.
        if shard != nil, let directory = runsDirectory {
            let paths = ReexportResolver.runPaths(kind: kind, in: directory)
            let offsets = offsetsFiles.count == files.count ? offsetsFiles : Array(repeating: nil, count: files.count)
            try ReexportResolver.save(loserRuns, to: paths.superseded, inputs: existing, offsets: offsets)
            try ReexportResolver.save(correctionRuns, to: paths.corrections, inputs: existing, offsets: offsets)
        }

        // Pass 3: the inputs again, in order, without the superseded rows (nor other shards').
        var skip = try RunMerger(loserRuns + foreign)
        var head = skip.next()
        for (input, file) in existing {
            let fd = inputFiles[input]!.fd
            var info = stat()
            guard fstat(fd, &info) == 0 else { throw IngestFailure.unreadable(file: file, reason: String(cString: strerror(errno))) }
            let size = Int(info.st_size)
            if plain[input], existing.count == 1, shard == nil, head == nil,
               output.link(to: file, sourceFD: fd, sourcePrefix: dataStart[input]) {
                // One input, nothing superseded: the output is the input, linked (header compared byte for byte).
                continue
            }
            if plain[input] {
                // Byte ranges between the superseded rows, copied by the kernel.
                var cursor = dataStart[input]
                while let h = head, Int(h.seq >> 40) == input {
                    let offset = Int(h.seq & ((1 << 40) - 1))
                    var length = 0
                    try skip.withBytes(of: h) { length = Int(UInt32(littleEndian: UnsafeRawBufferPointer($0).loadUnaligned(as: UInt32.self))) }
                    if offset > cursor { try output.copy(from: fd, range: cursor..<offset, sourcePath: file) }
                    cursor = offset + length + 1
                    head = skip.next()
                }
                if size > cursor { try output.copy(from: fd, range: cursor..<size, sourcePath: file) }
            } else {
                try ReexportResolver.copyRows(of: file, input: input, skipping: &skip, head: &head, to: output)
            }
        }
        try skip.finish()
        try ReexportResolver.drain(correctionRuns, to: corrections)
    }

    /// A part of one input that pass 1 reads on its own: whole records, from a record boundary.
    struct Pass1Piece {
        let input: Int
        let file: String
        let range: Range<Int>
        /// The index of its first record in the file (0 is the header).
        let firstIndex: Int
        /// How the piece is laid out: `regular` when every record starts where the one before it
        /// ended plus one LF, from the piece's start to `end`; the header's end when it holds the header.
        struct Layout { var regular = true; var end = 0; var dataStart: Int? }
    }

    /// One pass-1 worker's buckets (and, for a shard, its run of other shards' rows).
    final class Pass1Part: @unchecked Sendable {
        let buckets: [Bucket]
        let foreign: Bucket?
        init(buckets count: Int, spill: String?, foreign: String?, capacity: Int) throws {
            buckets = try (0..<count).map { b in
                let bucket = Bucket()
                if let spill { bucket.writer = try SpillWriter(path: spill + "-\(b).bucket", capacity: capacity) }
                return bucket
            }
            self.foreign = try foreign.map { path in
                let run = Bucket()
                run.writer = try SpillWriter(path: path, capacity: capacity)
                return run
            }
        }
        func removeFiles() {
            for bucket in buckets + (foreign.map { [$0] } ?? []) { if let w = bucket.writer { unlink(w.path) } }
        }
    }

    /// Pass 1 over one piece: an entry per data row to the bucket of its key, in the piece's
    /// order (rows of other shards to `part.foreign`); the header checked where the piece holds it.
    static func passOne(_ piece: Pass1Piece, into part: Pass1Part, buckets count: Int, header: [String], kind: String,
                        shard: (index: Int, count: Int)?, contentColumns columns: Range<Int>) throws -> Pass1Piece.Layout {
        let (input, file) = (piece.input, piece.file)
        let width = header.count
        var split = CSVFieldSplitter()
        var entry: [UInt8] = []
        var layout = Pass1Piece.Layout(end: piece.range.lowerBound)
        try CSVRecordScanner(path: file, range: piece.range, firstIndex: piece.firstIndex).forEachRecord { record, index, offset in
            layout.regular = layout.regular && offset == layout.end
            layout.end = offset + record.count + 1
            split.split(record)
            if index == 0 {
                guard split.strings(in: record) == header else {
                    throw IngestFailure.corruptNormalizedData(message: "\(file):1: header is not the \(kind) schema")
                }
                layout.dataStart = layout.end
                return
            }
            guard split.count == width else {
                throw IngestFailure.corruptNormalizedData(message: "\(file): record \(index): \(split.count) fields, expected \(width)")
            }
            let id = split.raw(0, in: record), source = split.raw(1, in: record), date = split.raw(2, in: record)
            let h = ReexportResolver.keyHash(source: source, id: id)
            if let shard, ReexportResolver.shard(of: h, count: shard.count) != shard.index {
                try withUnsafeBytes(of: UInt32(record.count).littleEndian) {
                    try part.foreign!.append(seq: ReexportResolver.position(input: input, offset: offset), input: 0,
                                             row: $0.bindMemory(to: UInt8.self))
                }
                return
            }
            let content = UnsafeBufferPointer(rebasing: record[split.start(columns.lowerBound)..<split.end(columns.upperBound - 1)])
            let (c1, c2) = ReexportResolver.contentHash(content)
            guard id.count <= Int(UInt16.max), source.count <= Int(UInt16.max), date.count <= Int(UInt16.max) else {
                throw IngestFailure.corruptNormalizedData(message: "\(file): record \(index): id, source or export date over 64 KB")
            }
            // The entry: both content hashes, then id, source and export date, each after its length.
            let size = 16 + 6 + id.count + source.count + date.count
            if entry.count < size { entry = [UInt8](repeating: 0, count: max(size, 2 * entry.count, 256)) }
            try entry.withUnsafeMutableBytes { out in
                out.storeBytes(of: c1.littleEndian, toByteOffset: 0, as: UInt64.self)
                out.storeBytes(of: c2.littleEndian, toByteOffset: 8, as: UInt64.self)
                var at = 16
                func put(_ field: UnsafeBufferPointer<UInt8>) {
                    out.storeBytes(of: UInt16(truncatingIfNeeded: field.count).littleEndian, toByteOffset: at, as: UInt16.self)
                    if let from = field.baseAddress {
                        ByteText.copy(from, to: out.baseAddress!.assumingMemoryBound(to: UInt8.self) + at + 2, count: field.count)
                    }
                    at += 2 + field.count
                }
                put(id); put(source); put(date)
                try part.buckets[Int((h >> 33) % UInt64(count))].append(
                    seq: ReexportResolver.position(input: input, offset: offset), input: record.count,
                    row: UnsafeBufferPointer(start: out.baseAddress!.assumingMemoryBound(to: UInt8.self), count: size))
            }
        }
        return layout
    }

    /// Copies a file's data rows record by record, leaving out those `skip` names (position order);
    /// with `header`, the file's header must be it.
    static func copyRows(of file: String, input: Int, skipping skip: inout RunMerger, head: inout RunMerger.Head?,
                         to output: AtomicFile, header: [String]? = nil) throws {
        var split = CSVFieldSplitter()
        try CSVRecordScanner(path: file).forEachRecord { record, index, offset in
            guard index > 0 else {
                if let header {
                    split.split(record)
                    guard split.strings(in: record) == header else {
                        throw IngestFailure.corruptNormalizedData(message: "\(file):1: header is not \(header.joined(separator: ","))")
                    }
                }
                return
            }
            if let h = head, h.seq == ReexportResolver.position(input: input, offset: offset) {
                head = skip.next()
                return
            }
            try output.write(bytes: record)
            try output.write(bytes: CollectionOfOne(0x0A))
        }
    }

    /// Writes sorted runs' entries to `out` in position order (corrections lines).
    static func drain(_ runs: [Bucket], to out: AtomicFile) throws {
        var merged = try RunMerger(runs)
        while let entry = merged.next() {
            try merged.withBytes(of: entry) { try out.write(bytes: $0) }
        }
        try merged.finish()
    }

    /// Merges sorted runs into one run file, positions as the whole ingest files hold the rows:
    /// an input split for its shard is read again beside its offsets (both in row order), so the
    /// conversion streams and keeps the order.
    static func save(_ runs: [Bucket], to path: String, inputs: [(offset: Int, element: String)], offsets: [String?]) throws {
        let saved = Bucket()
        saved.writer = try SpillWriter(path: path)
        var merged = try RunMerger(runs)
        var head = merged.next()
        func emit(_ h: RunMerger.Head, as seq: UInt64) throws {
            try merged.withBytes(of: h) { try saved.append(seq: seq, input: 0, row: $0) }
            head = merged.next()
        }
        for (input, file) in inputs {
            guard let sidecar = offsets[input] else {
                while let h = head, Int(h.seq >> 40) == input { try emit(h, as: h.seq) }
                continue
            }
            var originals = try OffsetReader(path: sidecar)
            defer { originals.close() }
            try CSVRecordScanner(path: file).forEachRecord { _, index, offset in
                guard index > 0 else { return }
                let original = try originals.next()
                while let h = head, h.seq == ReexportResolver.position(input: input, offset: offset) {
                    try emit(h, as: ReexportResolver.position(input: input, offset: original))
                }
            }
        }
        try merged.finish()
        guard head == nil else { throw IngestFailure.corruptNormalizedData(message: "\(path): a run names a row its input does not hold") }
        try saved.writer!.finish()
    }

    /// The single run's output from the shards' runs: the inputs copied in order without every
    /// shard's superseded rows, and every shard's corrections in position order — the bytes
    /// `run` writes over the same inputs.
    static func assemble(kind: RecordKind, files: [String], shards: [String], output: AtomicFile, corrections: AtomicFile) throws {
        let header = RecordSchema.fields(of: kind).map(\.name)
        try output.write(CSVFormat.line(header))
        let runs = shards.map { ReexportResolver.runPaths(kind: kind, in: $0) }
        for run in runs where access(run.superseded, R_OK) != 0 || access(run.corrections, R_OK) != 0 {
            throw IngestFailure.unreadable(file: run.superseded, reason: "a shard's runs are missing; resolve every shard first")
        }
        var skip = try RunMerger(runs.map { Bucket(file: $0.superseded) })
        var head = skip.next()
        for (input, file) in files.enumerated() where access(file, F_OK) == 0 {
            try copyRows(of: file, input: input, skipping: &skip, head: &head, to: output, header: header)
        }
        try skip.finish()
        guard head == nil else { throw IngestFailure.corruptNormalizedData(message: "the shards' runs name rows the inputs do not hold") }
        try drain(runs.map { Bucket(file: $0.corrections) }, to: corrections)
    }

    /// Resolves one bucket (entries in input order): the superseded rows' positions and lengths
    /// to `losers`, corrections (by the winner's, then the earlier row's position) to `corrections`.
    /// Versions whose content hashes differ are read back from their inputs and compared.
    private static func resolve(kind: RecordKind, pipeline: PipelineConfig, bucket bytes: [UInt8],
                                inputs: [Int: (fd: Int32, path: String)], superseded: inout [Int],
                                losers: Bucket, corrections: Bucket) throws {
        try bytes.withUnsafeBufferPointer { all in
            let raw = UnsafeRawBufferPointer(all)
            // Per entry: position, row length, content hash, and the ranges of id, source and date.
            var seqs: [UInt64] = [], lengths: [Int32] = [], hashes: [(UInt64, UInt64)] = [], ranges: [Int32] = []
            var offset = 0
            while offset + 16 <= all.count {
                seqs.append(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
                lengths.append(Int32(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 8, as: UInt32.self))))
                let size = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self)))
                var p = offset + 16
                hashes.append((UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: p, as: UInt64.self)),
                               UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: p + 8, as: UInt64.self))))
                p += 16
                for _ in 0..<3 {
                    let n = Int(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: p, as: UInt16.self)))
                    ranges.append(Int32(p + 2)); ranges.append(Int32(p + 2 + n))
                    p += 2 + n
                }
                offset += 16 + size
            }
            let n = seqs.count
            @inline(__always) func field(_ e: Int, _ f: Int) -> Slice<UnsafeBufferPointer<UInt8>> {
                all[Int(ranges[6 * e + 2 * f])..<Int(ranges[6 * e + 2 * f + 1])]
            }
            // Key (source, id) → the group's first entry, by open addressing; each group's winner.
            var slots = [Int32](repeating: -1, count: max(16, (n * 2).nextPowerOfTwo))
            let mask = slots.count - 1
            var winner = [Int32](repeating: -1, count: n)     // indexed by the group's first entry
            var groupOf = [Int32](repeating: 0, count: n)
            for e in 0..<n {
                let h = ReexportResolver.keyHash(source: UnsafeBufferPointer(rebasing: field(e, 1)),
                                                 id: UnsafeBufferPointer(rebasing: field(e, 0)))
                var slot = Int(truncatingIfNeeded: h) & mask
                while true {
                    let first = Int(slots[slot])
                    if first < 0 {
                        slots[slot] = Int32(e)
                        groupOf[e] = Int32(e)
                        winner[e] = Int32(e)
                        break
                    }
                    if field(first, 0).elementsEqual(field(e, 0)) && field(first, 1).elementsEqual(field(e, 1)) {
                        groupOf[e] = Int32(first)
                        // The latest export date wins; on a tie the later row (entries are in input order).
                        let w = Int(winner[first])
                        if !field(e, 2).lexicographicallyPrecedes(field(w, 2)) { winner[first] = Int32(e) }
                        break
                    }
                    slot = (slot + 1) & mask
                }
            }
            // Superseded rows in order; the changed ones give corrections lines.
            var fixes: [(winner: UInt64, earlier: UInt64, lines: [UInt8])] = []
            var split = CSVFieldSplitter()
            func fields(_ e: Int) throws -> [String] {
                let input = Int(seqs[e] >> 40), at = Int(seqs[e] & ((1 << 40) - 1))
                guard let file = inputs[input] else { throw IngestFailure.corruptNormalizedData(message: "no input \(input)") }
                var row = [UInt8](repeating: 0, count: Int(lengths[e]))
                let got = row.withUnsafeMutableBytes { pread(file.fd, $0.baseAddress!, $0.count, off_t(at)) }
                guard got == Int(lengths[e]) else { throw IngestFailure.unreadable(file: file.path, reason: "changed while it was read") }
                return row.withUnsafeBufferPointer { record in
                    split.split(record)
                    return split.strings(in: record)
                }
            }
            for e in 0..<n {
                let w = Int(winner[Int(groupOf[e])])
                if w == e { continue }
                superseded[Int(seqs[e] >> 40)] += 1
                try withUnsafeBytes(of: UInt32(bitPattern: lengths[e]).littleEndian) {
                    try losers.append(seq: seqs[e], input: 0, row: $0.bindMemory(to: UInt8.self))
                }
                if hashes[e] != hashes[w] {
                    var text: [UInt8] = []
                    for line in PackageRun.differences(kind: kind, earlier: try fields(e), later: try fields(w), pipeline: pipeline) {
                        text.append(contentsOf: CSVFormat.line(line, neutralizeFormulas: true).utf8)
                    }
                    fixes.append((seqs[w], seqs[e], text))
                }
            }
            fixes.sort { ($0.winner, $0.earlier) < ($1.winner, $1.earlier) }
            for fix in fixes {
                try fix.lines.withUnsafeBufferPointer { try corrections.append(seq: fix.winner, input: 0, row: $0) }
            }
        }
    }

}

/// Merges sorted runs (bucket entries ordered by position) into one sequence. Entries of equal
/// position keep their run's order; one run's entries are never reordered.
struct RunMerger {
    struct Head { var seq: UInt64; var run: Int; var start: Int; var length: Int }
    private var readers: [RunReader]
    private var heap: [Int]

    init(_ runs: [ReexportResolver.Bucket]) throws {
        readers = try runs.map { try RunReader($0) }
        heap = []
        for i in readers.indices where readers[i].current != nil { push(i) }
    }

    private func less(_ a: Int, _ b: Int) -> Bool {
        let x = readers[a].current!.seq, y = readers[b].current!.seq
        return x != y ? x < y : a < b
    }

    private mutating func push(_ reader: Int) {
        heap.append(reader)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if !less(heap[i], heap[parent]) { break }
            heap.swapAt(i, parent); i = parent
        }
    }

    private mutating func siftDown() {
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < heap.count && less(heap[l], heap[m]) { m = l }
            if r < heap.count && less(heap[r], heap[m]) { m = r }
            if m == i { return }
            heap.swapAt(i, m); i = m
        }
    }

    /// The next entry in position order; its bytes stay readable until the following call.
    private var pending: Int?
    mutating func next() -> Head? {
        if let run = pending {
            pending = nil
            do { try readers[run].advance() } catch { failure = error; return nil }
            if readers[run].current == nil {
                heap[0] = heap[heap.count - 1]
                heap.removeLast()
            }
            if !heap.isEmpty { siftDown() }
        }
        guard let top = heap.first, let head = readers[top].current else { return nil }
        pending = top
        return Head(seq: head.seq, run: top, start: head.start, length: head.length)
    }

    /// A read error met while advancing (the sequence then ends early): rethrown by `withBytes`
    /// and `finish`.
    private(set) var failure: (any Error)?

    func withBytes(of head: Head, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        if let failure { throw failure }
        try readers[head.run].withCurrent(body)
    }

    func finish() throws { if let failure { throw failure } }
}

/// Reads a file of little-endian 64-bit offsets in order, through a small buffer.
struct OffsetReader {
    private let fd: Int32
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)
    private var start = 0, end = 0
    let path: String

    init(path: String) throws {
        self.path = path
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw IngestFailure.unreadable(file: path, reason: String(cString: strerror(errno))) }
    }

    mutating func next() throws -> Int {
        if end - start < 8 {
            buffer.replaceSubrange(0..<(end - start), with: buffer[start..<end])
            end -= start; start = 0
            while end < 8 {
                let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + end, $0.count - end) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw IngestFailure.corruptNormalizedData(message: "\(path): fewer offsets than rows") }
                end += n
            }
        }
        let value = buffer.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: start, as: UInt64.self)) }
        start += 8
        return Int(value)
    }

    func close() { Glibc.close(fd) }
}

/// Reads one run's entries in order, through a buffer (a spilled run) or from memory.
struct RunReader {
    struct Head { var seq: UInt64; var start: Int; var length: Int }
    private var bytes: [UInt8]
    private var offset = 0
    private var fd: Int32 = -1
    private var atEOF = true
    private(set) var current: Head?
    let path: String

    init(_ run: ReexportResolver.Bucket) throws {
        if let file = run.writer?.path ?? run.file {
            path = file
            fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw IngestFailure.unreadable(file: path, reason: String(cString: strerror(errno))) }
            bytes = []
            atEOF = false
        } else {
            path = ""
            bytes = run.memory
        }
        try advance(first: true)
    }

    /// Makes sure `count` bytes from `offset` are in the buffer (refilling from the file).
    private mutating func ensure(_ count: Int) throws -> Bool {
        if bytes.count - offset >= count { return true }
        if atEOF { return false }
        bytes.removeFirst(offset)
        offset = 0
        let want = max(count - bytes.count, 1 << 14)  // one buffer per run is open at once
        let old = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: want))
        var got = 0
        while got < want {
            let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + old + got, want - got) }
            if n < 0 {
                if errno == EINTR { continue }
                throw IngestFailure.unreadable(file: path, reason: String(cString: strerror(errno)))
            }
            if n == 0 { atEOF = true; close(fd); fd = -1; break }
            got += n
        }
        bytes.removeLast(want - got)
        return bytes.count - offset >= count
    }

    mutating func advance(first: Bool = false) throws {
        if !first, let head = current { offset = head.start + head.length }
        guard try ensure(16) else { current = nil; return }
        let seq = bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
        let length = bytes.withUnsafeBytes { Int(UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))) }
        guard try ensure(16 + length) else {
            throw IngestFailure.corruptNormalizedData(message: "\(path): spill file ends inside an entry")
        }
        current = Head(seq: seq, start: offset + 16, length: length)
    }

    func withCurrent(_ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        guard let head = current else { return }
        try bytes.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[head.start..<(head.start + head.length)])) }
    }
}

extension Int {
    var nextPowerOfTwo: Int {
        var n = 1
        while n < self { n <<= 1 }
        return n
    }
}
