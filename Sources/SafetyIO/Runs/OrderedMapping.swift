import Dispatch
import SafetyCore

/// What mapping made of one decoded item, handed back in input order.
enum MappedItem {
    /// A normalized record: its identity for the duplicate check (when checked), and the bytes
    /// of its CSV line in the batch's `lines`.
    case accepted(identity: DuplicateIDs.Identity?, position: SourcePosition, line: Range<Int>)
    /// The mapper refused the record.
    case rejected(Rejection)
    /// The decoder refused the record (malformed bytes); never reached the mapper.
    case undecodable(Rejection)
    case skipped(SourcePosition, note: String)
}

/// Maps decoded records on every core while keeping the single-threaded result exactly.
///
/// The decoder runs on the calling thread and hands items in; every `batchSize` items are mapped
/// (typed, validated, looked up in the code lists, written as CSV bytes) as one task on a
/// concurrent queue. `commit` then sees every item strictly in input order, on the calling
/// thread, so counts, duplicate-id checks, rejects and notes are those of a sequential run. At most
/// `window` batches are in flight, so memory stays bounded whatever the export's size.
final class OrderedMapping {
    final class Batch: @unchecked Sendable {
        var items: [DecodedItem]
        var mapped: [MappedItem] = []
        /// The accepted records' CSV lines, end to end.
        var sink = CSVLineSink()
        let done = DispatchGroup()

        init(items: [DecodedItem]) { self.items = items }

        func map(with mapper: RecordMapper, fileExportDate: LocalDate?, identities: Bool) {
            mapped.reserveCapacity(items.count)
            sink = CSVLineSink(capacity: items.count * 160)
            func accept(_ result: Result<NormalizedRecord, Rejection>) {
                switch result {
                case .success(let record):
                    let start = sink.count
                    RecordSchema.write(record, to: &sink)
                    sink.endLine()
                    let identity = identities ? DuplicateIDs.identity(of: RecordSchema.row(record), kind: record.kind) : nil
                    mapped.append(.accepted(identity: identity, position: record.provenance.position, line: start..<sink.count))
                case .failure(let rejection):
                    mapped.append(.rejected(rejection))
                }
            }
            for item in items {
                switch item {
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
            items = []
        }
    }

    private let mapper: RecordMapper
    private let fileExportDate: LocalDate?
    private let identities: Bool
    private let commit: (MappedItem, Batch) throws -> Void
    private let batchSize: Int
    private let window: Int
    private let queue = DispatchQueue(label: "safety-ingest.mapping", attributes: .concurrent)
    private var pending: [DecodedItem] = []
    private var inFlight: [Batch] = []

    /// `identities`: make each accepted record's `DuplicateIDs.Identity`.
    init(mapper: RecordMapper, fileExportDate: LocalDate?, identities: Bool, batchSize: Int = 2048, window: Int = 4,
         commit: @escaping (MappedItem, Batch) throws -> Void) {
        self.mapper = mapper
        self.fileExportDate = fileExportDate
        self.identities = identities
        self.batchSize = batchSize
        self.window = window
        self.commit = commit
        pending.reserveCapacity(batchSize)
    }

    func add(_ item: DecodedItem) throws {
        pending.append(item)
        if pending.count >= batchSize {
            submit()
            try drain(keeping: window)
        }
    }

    /// Maps and commits everything added so far.
    func finish() throws {
        submit()
        try drain(keeping: 0)
    }

    private func submit() {
        guard !pending.isEmpty else { return }
        let batch = Batch(items: pending)
        pending = []
        pending.reserveCapacity(batchSize)
        let mapper = mapper, date = fileExportDate, identities = identities
        queue.async(group: batch.done) { batch.map(with: mapper, fileExportDate: date, identities: identities) }
        inFlight.append(batch)
    }

    private func drain(keeping limit: Int) throws {
        while inFlight.count > limit {
            let batch = inFlight.removeFirst()
            batch.done.wait()
            for item in batch.mapped { try commit(item, batch) }
        }
    }
}
