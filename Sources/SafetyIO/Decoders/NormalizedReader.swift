import Foundation
import SafetyCore

/// Reads the common format's CSV files back into typed records, streaming. Any row that does
/// not parse is a failure: normalized data was written by us and must read back exactly.
public struct NormalizedReader {
    /// A normalized folder (every kind file in it), or one kind file (`hazard.csv`).
    public let path: String

    public init(directory: String) { self.path = directory }
    public init(path: String) { self.path = path }

    public static func path(of kind: RecordKind, in directory: String) -> String {
        directory + "/\(kind.rawValue).csv"
    }

    /// Calls `body` with every record of every kind present, kind by kind in schema order.
    public func forEach(_ body: (NormalizedRecord) throws -> Void) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw IngestFailure.unreadable(file: path, reason: "no such file or folder")
        }
        if !isDirectory.boolValue {
            let name = (path as NSString).lastPathComponent
            guard let kind = RecordKind.allCases.first(where: { name == "\($0.rawValue).csv" }) else {
                throw IngestFailure.unreadable(file: path, reason: "not a normalized kind file (accident.csv, hazard.csv, …)")
            }
            return try read(kind, path: path, body)
        }
        for kind in RecordKind.allCases {
            let file = NormalizedReader.path(of: kind, in: path)
            guard FileManager.default.fileExists(atPath: file) else { continue }
            try read(kind, path: file, body)
        }
    }

    func read(_ kind: RecordKind, path: String, _ body: (NormalizedRecord) throws -> Void) throws {
        let expected = RecordSchema.fields(of: kind).map(\.name)
        let columns = Dictionary(uniqueKeysWithValues: expected.enumerated().map { ($1, $0) })
        var sawHeader = false
        try CSVFile.forEachRow(path: path) { fields, line in
            guard sawHeader else {
                guard fields == expected else {
                    throw IngestFailure.corruptNormalizedData(message: "\(path):1: header is not the \(kind.rawValue) schema")
                }
                sawHeader = true
                return
            }
            guard fields.count == expected.count else {
                throw IngestFailure.corruptNormalizedData(message: "\(path):\(line): \(fields.count) fields, expected \(expected.count)")
            }
            let member = fields[columns["source_member"]!]
            let position = SourcePosition(file: fields[columns["source_file"]!], member: member.isEmpty ? nil : member,
                                          line: Int(fields[columns["source_line"]!]) ?? 0,
                                          record: Int(fields[columns["source_record"]!]) ?? 0)
            var fieldReader = FieldReader(position: position) { name in columns[name].map { fields[$0] } }
            switch RecordSchema.read(kind, from: &fieldReader, position: position) {
            case .success(let value): try body(value)
            case .failure(let rejection):
                throw IngestFailure.corruptNormalizedData(message: "\(path):\(line): \(rejection.message)")
            }
        }
    }
}
