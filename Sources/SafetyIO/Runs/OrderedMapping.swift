import Dispatch
import SafetyCore

/// What mapping made of one decoded item, handed back in input order.
enum MappedItem {
    /// A normalized record: its row, and the bytes of its CSV line in the batch's `lines`.
    case accepted(row: [String], position: SourcePosition, line: Range<Int>)
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
        var lines: [UInt8] = []
        let done = DispatchGroup()

        init(items: [DecodedItem]) { self.items = items }

        func map(with mapper: RecordMapper, fileExportDate: LocalDate?) {
            mapped.reserveCapacity(items.count)
            lines.reserveCapacity(items.count * 160)
            for item in items {
                switch item {
                case .record(let raw):
                    switch mapper.map(raw, fileExportDate: fileExportDate) {
                    case .success(let record):
                        let row = RecordSchema.row(record)
                        let start = lines.count
                        CSVFormat.append(row, to: &lines)
                        mapped.append(.accepted(row: row, position: record.provenance.position, line: start..<lines.count))
                    case .failure(let rejection):
                        mapped.append(.rejected(rejection))
                    }
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
    private let commit: (MappedItem, Batch) throws -> Void
    private let batchSize: Int
    private let window: Int
    private let queue = DispatchQueue(label: "safety-ingest.mapping", attributes: .concurrent)
    private var pending: [DecodedItem] = []
    private var inFlight: [Batch] = []

    init(mapper: RecordMapper, fileExportDate: LocalDate?, batchSize: Int = 2048, window: Int = 4,
         commit: @escaping (MappedItem, Batch) throws -> Void) {
        self.mapper = mapper
        self.fileExportDate = fileExportDate
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
        let mapper = mapper, date = fileExportDate
        queue.async(group: batch.done) { batch.map(with: mapper, fileExportDate: date) }
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
