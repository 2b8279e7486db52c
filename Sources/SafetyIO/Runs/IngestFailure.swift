import SafetyCore

/// Why a run cannot be trusted. Each message starts with `file[:member]:line:` where there is a
/// position, then says what to do. Executables turn these into one exit status.
public enum IngestFailure: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(file: String, reason: String)
    case configuration(file: String, problems: [String])
    case corruptGzip(file: String, byteOffset: Int, reason: String)
    case truncatedGzip(file: String)
    case trailingGarbage(file: String, byteOffset: Int)
    case notGzip(file: String)
    case inflationLimit(file: String, limitBytes: Int)
    case corruptArchive(file: String, byteOffset: Int, reason: String)
    case unsafeArchiveMember(file: String, member: String, reason: String)
    case unsupportedArchive(file: String, member: String?, reason: String)
    case tooManyMembers(file: String, limit: Int)
    case noMatchingMembers(file: String, pattern: String)
    case notWellFormed(file: String, member: String?, line: Int, column: Int, message: String)
    case entityDeclared(file: String, member: String?, line: Int, name: String)
    case recordTooLarge(file: String, member: String?, line: Int, limitBytes: Int)
    case unclosedQuote(file: String, member: String?, line: Int)
    case invalidEncoding(file: String, member: String?, byteOffset: Int, encoding: String)
    case missingColumn(file: String, member: String?, column: String, header: [String])
    case ambiguousColumn(file: String, member: String?, column: String, positions: [Int])
    case emptyExport(file: String, member: String?, what: String)
    case unexpectedRoot(file: String, member: String?, found: String, expected: String)
    case tooDeep(file: String, member: String?, line: Int, limit: Int)
    case nestedArchivesOnly(file: String, members: [String])
    case noMapping(file: String)
    case rejectRateExceeded(file: String, rejected: Int, read: Int, limit: Double, floor: Int)
    case corruptNormalizedData(message: String)
    case outputNotWritable(path: String, reason: String)

    static func place(_ file: String, _ member: String?) -> String {
        member.map { "\(file):\($0)" } ?? file
    }

    public var description: String {
        switch self {
        case .unreadable(let file, let reason): "\(file): cannot be read: \(reason)"
        case .configuration(let file, let problems): "\(file): configuration is not usable:\n  " + problems.joined(separator: "\n  ")
        case .corruptGzip(let file, let offset, let reason): "\(file): gzip data is corrupt near compressed byte \(offset) (\(reason)); ask the department to export the file again"
        case .truncatedGzip(let file): "\(file): gzip file ends before its last member is complete (truncated); copy or export it again"
        case .trailingGarbage(let file, let offset): "\(file): bytes after the end of the gzip data at byte \(offset) are not a gzip member; the file is damaged"
        case .notGzip(let file): "\(file): named .gz but is not gzip data; rename it or export it again"
        case .inflationLimit(let file, let limit): "\(file): decompresses to more than \(limit) bytes (limit); refusing a possible decompression bomb"
        case .corruptArchive(let file, let offset, let reason): "\(file): archive is corrupt at byte \(offset): \(reason)"
        case .unsupportedArchive(let file, let member, let reason): "\(IngestFailure.place(file, member)): not read: \(reason); ask the department to send it unencrypted, as a plain (stored or deflate) zip or as tar.gz"
        case .unsafeArchiveMember(let file, let member, let reason): "\(file): archive member \"\(member)\" refused: \(reason)"
        case .tooManyMembers(let file, let limit): "\(file): archive has more than \(limit) members (limit)"
        case .noMatchingMembers(let file, let pattern): "\(file): no archive member matches \"\(pattern)\"; check the mapping's members pattern"
        case .notWellFormed(let file, let member, let line, let column, let message): "\(IngestFailure.place(file, member)):\(line):\(column): XML is not well-formed: \(message); nothing from this file was used"
        case .entityDeclared(let file, let member, let line, let name): "\(IngestFailure.place(file, member)):\(line): XML declares entity \"\(name)\"; entity declarations are refused (they can expand without bound or read local files)"
        case .recordTooLarge(let file, let member, let line, let limit): "\(IngestFailure.place(file, member)):\(line): record starting here is larger than \(limit) bytes (limit); an unclosed quote is the usual cause"
        case .unclosedQuote(let file, let member, let line): "\(IngestFailure.place(file, member)):\(line): quoted field starting here is never closed; fix the quote and export again"
        case .invalidEncoding(let file, let member, let offset, let encoding): "\(IngestFailure.place(file, member)): byte \(offset) is not valid \(encoding); check the mapping's encoding"
        case .missingColumn(let file, let member, let column, let header): "\(IngestFailure.place(file, member)):1: column \"\(column)\" not found; header has: \(header.joined(separator: ", "))"
        case .ambiguousColumn(let file, let member, let column, let positions):
            "\(IngestFailure.place(file, member)): the header has \(positions.count) columns named \"\(column)\" (columns \(positions.map(String.init).joined(separator: " and "))); say which one the mapping means: "
                + (1...positions.count).map { "\"\(column)#\($0)\" (column \(positions[$0 - 1]))" }.joined(separator: " or ")
        case .emptyExport(let file, let member, let what): "\(IngestFailure.place(file, member)): the export is empty (\(what)); nothing was read from it: ask the department to export it again"
        case .unexpectedRoot(let file, let member, let found, let expected):
            "\(IngestFailure.place(file, member)): XML root element is <\(found)>, the mapping expects <\(expected)>; this is not the department's export (another format, or an error page saved as XML)"
        case .tooDeep(let file, let member, let line, let limit): "\(IngestFailure.place(file, member)):\(line): XML nests elements more than \(limit) deep (limit); refused"
        case .nestedArchivesOnly(let file, let members):
            "\(file): the archive holds only other archives (\(members.joined(separator: ", "))); nested archives are not read: unpack them and send their exports, or an archive of the exports themselves"
        case .noMapping(let file): "\(file): no export rule of the pipeline matches this file name; add one under exports"
        case .rejectRateExceeded(let file, let rejected, let read, let limit, let floor):
            "\(file): \(rejected) of \(read) records rejected, over both the pipeline's max_reject_rate of \(limit * 100)% "
                + "and its min_rejects_to_fail of \(floor) (a run fails only past both); see rejects.csv"
        case .corruptNormalizedData(let message): "normalized data is not as written: \(message); re-run the ingest"
        case .outputNotWritable(let path, let reason): "\(path): cannot write output: \(reason)"
        }
    }

    /// The process exit status for this failure.
    public var exitStatus: ExitStatus {
        switch self {
        case .unreadable: .inputUnreadable
        case .configuration, .noMapping, .missingColumn, .ambiguousColumn, .noMatchingMembers: .configuration
        case .rejectRateExceeded: .rejectsOverThreshold
        case .outputNotWritable: .outputNotWritable
        default: .inputNotTrustworthy
        }
    }
}

/// Process exit statuses, documented in the README and pinned by tests.
public enum ExitStatus: Int32, Sendable, CaseIterable {
    case success = 0
    case internalError = 1
    case usage = 64
    case inputNotTrustworthy = 65
    case inputUnreadable = 66
    case outputNotWritable = 73
    case lockHeld = 75
    case configuration = 78
    case rejectsOverThreshold = 79
}
