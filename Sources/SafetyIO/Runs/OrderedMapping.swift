import Dispatch
import Foundation
import SafetyCore

/// What mapping made of one decoded item, handed back in input order.
enum MappedItem {
    /// A normalized record: its identity and position for the duplicate check (only when ids
    /// are checked: the position's file name is a reference to count), and the bytes of its CSV
    /// line in the batch's `sink`.
    case accepted(check: (identity: DuplicateIDs.Identity, position: SourcePosition)?, line: Range<Int>)
    /// The mapper refused the record.
    case rejected(Rejection)
    /// The decoder refused the record (malformed bytes); never reached the mapper.
    case undecodable(Rejection)
    case skipped(SourcePosition, note: String)
}

/// Maps decoded records on every core while keeping the single-threaded result exactly.
///
/// The decoder runs on the calling thread and hands items in (an array per chunk); about every
/// `batchSize` items are mapped (typed, validated, looked up in the code lists, written as CSV
/// bytes) as one task on a concurrent queue. `commit` then sees every item strictly in input
/// order, one batch after another on a serial queue of its own (so the decoding thread does
/// nothing but decode), so counts, duplicate-id checks, rejects and notes are those of a
/// sequential run. At most `window` batches are in flight, so memory stays bounded whatever the
/// export's size.
///
/// `commit` runs on that queue only: what it changes, the calling thread leaves alone until
/// `finish` (or `stop`) returns. The first error it throws ends the committing; `add` and
/// `finish` throw it.
final class OrderedMapping: @unchecked Sendable {
    final class Batch: @unchecked Sendable {
        /// The decoder's arrays as it handed them on: an array is one reference, where copying
        /// its items into one array retained and released each item's references.
        var parts: [[DecodedItem]]
        var mapped: [MappedItem] = []
        /// The accepted records' CSV lines, end to end.
        var sink = CSVLineSink()
        /// The export's bytes read when the batch was handed on (for progress).
        let bytesRead: Int
        let done = DispatchGroup()

        init(parts: [[DecodedItem]], bytesRead: Int) { self.parts = parts; self.bytesRead = bytesRead }

        /// What a mapped item leaves in its place: no reference to release (an empty string is
        /// kept inline, the empty array is the shared immortal one).
        static let emptied = DecodedItem.record(RawRecord(position: SourcePosition(file: "", line: 0, record: 0), values: []))

        func map(with mapper: RecordMapper, fileExportDate: LocalDate?, identities: Bool) {
            let count = parts.reduce(0) { $0 + $1.count }
            mapped.reserveCapacity(count)
            // Room for rows of up to 256 bytes (a hazard row is ~170): a sink that outgrows its
            // room copies itself whole (at 160 it did, every batch: ~1.5% of the mapping threads).
            sink = CSVLineSink(capacity: count * 256)
            func accept(_ result: Result<NormalizedRecord, Rejection>) {
                switch result {
                case .success(let record):
                    let start = sink.count
                    RecordSchema.write(record, to: &sink)
                    sink.endLine()
                    let check = identities
                        ? (DuplicateIDs.identity(of: RecordSchema.row(record), kind: record.kind), record.provenance.position) : nil
                    mapped.append(.accepted(check: check, line: start..<sink.count))
                case .failure(let rejection):
                    mapped.append(.rejected(rejection))
                }
            }
            // Each item is moved out of its array (an empty record left behind, which costs nothing
            // to destroy): reading it in place, or iterating, copied it, retaining its references.
            for p in parts.indices { parts[p].withUnsafeMutableBufferPointer { items in
                for index in items.indices {
                    let item = (items.baseAddress! + index).move()
                    (items.baseAddress! + index).initialize(to: Batch.emptied)
                    switch consume item {
                    case .record(let raw):
                        accept(mapper.map(raw, fileExportDate: fileExportDate))
                    case .textRecord(let text):
                        accept(mapper.map(text, fileExportDate: fileExportDate))
                    case .rejection(let rejection):
                        mapped.append(.undecodable(rejection))
                    case .skipped(let position, let note):
                        mapped.append(.skipped(position, note: note))
                    }
                }
            } }
            parts = []
        }
    }

    private let mapper: RecordMapper
    private let fileExportDate: LocalDate?
    private let identities: Bool
    private let commit: (MappedItem, Batch) throws -> Void
    private let bytesRead: () -> Int
    private let batchSize: Int
    private let queue = DispatchQueue(label: "safety-ingest.mapping", attributes: .concurrent)
    private let committer = DispatchQueue(label: "safety-ingest.commit")
    /// Free places in the window: taken when a batch is handed on, given back when it is committed.
    private let places: DispatchSemaphore
    private var pending: [[DecodedItem]] = []
    private var pendingCount = 0
    /// The first error `commit` threw, or a stop; guarded by `lock`.
    private var failure: (any Error)?
    private var stopped = false
    private let lock = NSLock()

    /// `identities`: make each accepted record's `DuplicateIDs.Identity`; `bytesRead`: the export's
    /// bytes read so far, asked on the calling thread when a batch is handed on.
    init(mapper: RecordMapper, fileExportDate: LocalDate?, identities: Bool, batchSize: Int = 2048, window: Int = 4,
         bytesRead: @escaping () -> Int = { 0 }, commit: @escaping (MappedItem, Batch) throws -> Void) {
        self.mapper = mapper
        self.fileExportDate = fileExportDate
        self.identities = identities
        self.batchSize = batchSize
        self.places = DispatchSemaphore(value: window)
        self.bytesRead = bytesRead
        self.commit = commit
    }

    /// Takes the items a decoder completed (from one chunk, say), in input order.
    func add(_ items: [DecodedItem]) throws {
        guard !items.isEmpty else { return }
        pending.append(items)
        pendingCount += items.count
        if pendingCount >= batchSize { try submit() }
    }

    /// Maps and commits everything added so far.
    func finish() throws {
        try submit()
        committer.sync {}
        if let failure = state().failure { throw failure }
    }

    /// Commits nothing more and waits for the commit in progress: the calling thread may then
    /// touch what `commit` changes (after a decoding error, say).
    func stop() {
        lock.lock(); stopped = true; lock.unlock()
        committer.sync {}
    }

    private func state() -> (failure: (any Error)?, stopped: Bool) {
        lock.lock(); defer { lock.unlock() }
        return (failure, stopped)
    }

    private func submit() throws {
        if let failure = state().failure { throw failure }
        guard !pending.isEmpty else { return }
        places.wait()
        let batch = Batch(parts: pending, bytesRead: bytesRead())
        pending = []
        pendingCount = 0
        let mapper = mapper, date = fileExportDate, identities = identities
        queue.async(group: batch.done) { batch.map(with: mapper, fileExportDate: date, identities: identities) }
        committer.async { [self] in
            batch.done.wait()
            defer { places.signal() }
            let now = state()
            guard now.failure == nil, !now.stopped else { return }
            do {
                for item in batch.mapped { try commit(item, batch) }
            } catch {
                lock.lock(); failure = failure ?? error; lock.unlock()
            }
        }
    }
}
