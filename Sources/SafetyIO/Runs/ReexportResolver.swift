#if canImport(Glibc)
import Glibc
#endif
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
    var bucketBytes = 8 << 20
    var maxBuckets = 512
    /// Where bucket files go (removed when done).
    let spillDirectory: String

    /// Per input: rows superseded by a later export.
    private(set) var superseded: [Int]

    init(kind: RecordKind, pipeline: PipelineConfig, inputs: Int, spillDirectory: String) {
        self.kind = kind
        self.pipeline = pipeline
        self.spillDirectory = spillDirectory
        superseded = Array(repeating: 0, count: inputs)
    }

    /// The bytes of one bucket: entries of `[seq: u64][input: u32][length: u32][row bytes]`, rows
    /// in input order. In memory, or spilled to a file when there are several buckets.
    final class Bucket {
        var memory: [UInt8] = []
        var writer: SpillWriter?
        func append(seq: UInt64, input: Int, row: UnsafeBufferPointer<UInt8>) throws {
            if let writer {
                try writer.append(integer: seq)
                try writer.append(integer: UInt32(input))
                try writer.append(integer: UInt32(row.count))
                try writer.append(UnsafeRawBufferPointer(row))
            } else {
                withUnsafeBytes(of: seq.littleEndian) { memory.append(contentsOf: $0) }
                withUnsafeBytes(of: UInt32(input).littleEndian) { memory.append(contentsOf: $0) }
                withUnsafeBytes(of: UInt32(row.count).littleEndian) { memory.append(contentsOf: $0) }
                memory.append(contentsOf: row)
            }
        }
        func load() throws -> [UInt8] {
            guard let writer else { return memory }
            try writer.finish()
            let bytes = try readWholeFile(writer.path)
            unlink(writer.path)
            return bytes
        }
    }

    /// FNV-1a over the key's bytes: the record's source, a separator, its id (values, unquoted).
    @inline(__always) static func hash(_ bytes: UnsafeBufferPointer<UInt8>, into h: inout UInt64) {
        for byte in bytes { h = (h ^ UInt64(byte)) &* 0x100000001b3 }
    }

    /// Resolves `files` (one per input, missing ones skipped) into `output` (header included)
    /// and appends the corrections lines to `corrections`.
    mutating func run(files: [String], output: AtomicFile, corrections: AtomicFile) throws {
        let header = RecordSchema.fields(of: kind).map(\.name)
        try output.write(CSVFormat.line(header))
        let existing = files.enumerated().filter { access($0.element, F_OK) == 0 }
        var total = 0
        for (_, file) in existing {
            var info = stat()
            if stat(file, &info) == 0 { total += Int(info.st_size) }
        }
        let count = max(1, min(maxBuckets, (total + bucketBytes - 1) / bucketBytes))
        let buckets = (0..<count).map { _ in Bucket() }
        if count > 1 {
            try AtomicFile.makeDirectories(spillDirectory)
            for (b, bucket) in buckets.enumerated() {
                bucket.writer = try SpillWriter(path: spillDirectory + "/\(kind.rawValue)-\(b).bucket")
            }
        }
        defer { for bucket in buckets { if let w = bucket.writer { unlink(w.path) } } }

        // Pass 1: every data row to the bucket of its key, in input order.
        let width = header.count
        var seq: UInt64 = 0
        var split = CSVFieldSplitter()
        for (input, file) in existing {
            try CSVRecordScanner(path: file).forEach { record, index in
                split.split(record, fields: index == 0 ? Int.max : 2)
                if index == 0 {
                    guard split.strings(in: record) == header else {
                        throw IngestFailure.corruptNormalizedData(message: "\(file):1: header is not the \(kind.rawValue) schema")
                    }
                    return
                }
                guard split.count == 2 else {
                    throw IngestFailure.corruptNormalizedData(message: "\(file): record \(index): \(split.count) fields, expected \(width)")
                }
                var h: UInt64 = 0xcbf29ce484222325
                ReexportResolver.hash(split.raw(1, in: record), into: &h)
                h = (h ^ 0x1F) &* 0x100000001b3
                ReexportResolver.hash(split.raw(0, in: record), into: &h)
                try buckets[Int((h >> 33) % UInt64(count))].append(seq: seq, input: input, row: record)
                seq += 1
            }
        }

        // Pass 2: each bucket alone, into a run of superseded rows and a run of corrections.
        var loserRuns: [Bucket] = []
        var correctionRuns: [Bucket] = []
        defer { for run in loserRuns + correctionRuns { if let w = run.writer { unlink(w.path) } } }
        for (b, bucket) in buckets.enumerated() {
            let bytes = try bucket.load()
            let losers = Bucket(), fixes = Bucket()
            if count > 1 {
                losers.writer = try SpillWriter(path: spillDirectory + "/\(kind.rawValue)-\(b).superseded")
                fixes.writer = try SpillWriter(path: spillDirectory + "/\(kind.rawValue)-\(b).corrections")
            }
            loserRuns.append(losers)
            correctionRuns.append(fixes)
            try resolve(bucket: bytes, width: width, superseded: losers, corrections: fixes)
            try losers.writer?.finish()
            try fixes.writer?.finish()
        }

        // Pass 3: the inputs again, in order, without the superseded rows.
        var skip = try RunMerger(loserRuns)
        var next = skip.next()
        seq = 0
        for (_, file) in existing {
            try CSVRecordScanner(path: file).forEach { record, index in
                guard index > 0 else { return }
                defer { seq += 1 }
                if let head = next, head.seq == seq {
                    next = skip.next()
                    return
                }
                try output.write(bytes: record)
                try output.write(bytes: CollectionOfOne(0x0A))
            }
        }
        try skip.finish()
        var merged = try RunMerger(correctionRuns)
        while let entry = merged.next() {
            try merged.withBytes(of: entry) { try corrections.write(bytes: $0) }
        }
        try merged.finish()
    }

    /// Resolves one bucket (entries in input order): the superseded rows' positions to
    /// `superseded`, corrections (by the winner's, then the earlier row's position) to `corrections`.
    private mutating func resolve(bucket bytes: [UInt8], width: Int, superseded losers: Bucket, corrections: Bucket) throws {
        try bytes.withUnsafeBufferPointer { all in
            let raw = UnsafeRawBufferPointer(all)
            // Entries: position, input and row range; then per entry its key, date and content ranges.
            var seqs: [UInt64] = [], inputs: [Int32] = [], starts: [Int] = [], ends: [Int] = []
            var offset = 0
            while offset + 16 <= all.count {
                seqs.append(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
                inputs.append(Int32(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 8, as: UInt32.self))))
                let length = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self)))
                starts.append(offset + 16)
                ends.append(offset + 16 + length)
                offset += 16 + length
            }
            let n = seqs.count
            let columns = RecordSchema.contentColumns(of: kind)
            // Ranges in the bucket: [id, source, date, content] per entry.
            var ranges = [Int](repeating: 0, count: n * 8)
            var split = CSVFieldSplitter()
            for e in 0..<n {
                let record = UnsafeBufferPointer(rebasing: all[starts[e]..<ends[e]])
                split.split(record)
                guard split.count == width else {
                    throw IngestFailure.corruptNormalizedData(message: "\(kind.rawValue) row \(seqs[e] + 1): \(split.count) fields, expected \(width)")
                }
                let base = starts[e]
                ranges[8 * e + 0] = base + split.starts[0]; ranges[8 * e + 1] = base + split.ends[0]
                ranges[8 * e + 2] = base + split.starts[1]; ranges[8 * e + 3] = base + split.ends[1]
                ranges[8 * e + 4] = base + split.starts[2]; ranges[8 * e + 5] = base + split.ends[2]
                ranges[8 * e + 6] = base + split.starts[columns.lowerBound]
                ranges[8 * e + 7] = base + split.ends[columns.upperBound - 1]
            }
            @inline(__always) func bytes(_ e: Int, _ field: Int) -> Slice<UnsafeBufferPointer<UInt8>> {
                all[ranges[8 * e + 2 * field]..<ranges[8 * e + 2 * field + 1]]
            }
            // Key (source, id) → the group's first entry, by open addressing; each group's winner.
            var slots = [Int32](repeating: -1, count: max(16, (n * 2).nextPowerOfTwo))
            let mask = slots.count - 1
            var winner = [Int32](repeating: -1, count: n)     // indexed by the group's first entry
            var groupOf = [Int32](repeating: 0, count: n)
            for e in 0..<n {
                var h: UInt64 = 0xcbf29ce484222325
                ReexportResolver.hash(UnsafeBufferPointer(rebasing: bytes(e, 1)), into: &h)
                h = (h ^ 0x1F) &* 0x100000001b3
                ReexportResolver.hash(UnsafeBufferPointer(rebasing: bytes(e, 0)), into: &h)
                var slot = Int(truncatingIfNeeded: h) & mask
                while true {
                    let first = Int(slots[slot])
                    if first < 0 {
                        slots[slot] = Int32(e)
                        groupOf[e] = Int32(e)
                        winner[e] = Int32(e)
                        break
                    }
                    if bytes(first, 0).elementsEqual(bytes(e, 0)) && bytes(first, 1).elementsEqual(bytes(e, 1)) {
                        groupOf[e] = Int32(first)
                        // The latest export date wins; on a tie the later row (entries are in input order).
                        let w = Int(winner[first])
                        if !bytes(e, 2).lexicographicallyPrecedes(bytes(w, 2)) { winner[first] = Int32(e) }
                        break
                    }
                    slot = (slot + 1) & mask
                }
            }
            // Superseded rows in order; the changed ones give corrections lines.
            var fixes: [(winner: UInt64, earlier: UInt64, lines: [UInt8])] = []
            for e in 0..<n {
                let w = Int(winner[Int(groupOf[e])])
                if w == e { continue }
                superseded[Int(inputs[e])] += 1
                try losers.append(seq: seqs[e], input: 0, row: UnsafeBufferPointer(start: nil, count: 0))
                if !bytes(e, 3).elementsEqual(bytes(w, 3)) {
                    split.split(UnsafeBufferPointer(rebasing: all[starts[e]..<ends[e]]))
                    let earlier = split.strings(in: UnsafeBufferPointer(rebasing: all[starts[e]..<ends[e]]))
                    split.split(UnsafeBufferPointer(rebasing: all[starts[w]..<ends[w]]))
                    let later = split.strings(in: UnsafeBufferPointer(rebasing: all[starts[w]..<ends[w]]))
                    var text: [UInt8] = []
                    for line in PackageRun.differences(kind: kind, earlier: earlier, later: later, pipeline: pipeline) {
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
        if let writer = run.writer {
            path = writer.path
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
        let want = max(count - bytes.count, 1 << 18)
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
