import Foundation
import SafetyCore
import Yams

/// A pipeline file with its mappings loaded and checked.
public struct LoadedPipeline: Sendable {
    public let config: PipelineConfig
    /// The pipeline file's path.
    public let path: String
    /// Mappings by their path as written in the pipeline file.
    public let mappings: [String: DepartmentMapping]

    /// The export rule and mapping for an export file: the first rule whose `files` glob matches
    /// its path below the data folder (`name`, e.g. `zhujian/hazards-2020.csv`) or its file name.
    public func mapping(forExport path: String, name: String? = nil) throws -> (rule: PipelineConfig.ExportRule, mapping: DepartmentMapping) {
        let base = (path as NSString).lastPathComponent
        guard let rule = config.exports.first(where: { Glob.matches($0.files, name ?? base) || Glob.matches($0.files, base) }),
              let mapping = mappings[rule.mapping] else { throw IngestFailure.noMapping(file: name ?? path) }
        return (rule, mapping)
    }

    /// The folder holding the pipeline file, for resolving relative paths.
    public var directory: String { (path as NSString).deletingLastPathComponent }
}

/// Reads pipeline and mapping YAML into core values; every problem is a configuration failure
/// naming the file.
public enum PipelineLoader {
    public static func load(_ path: String) throws -> LoadedPipeline {
        let config: PipelineConfig = try decode(path)
        var problems = config.problems()
        var mappings: [String: DepartmentMapping] = [:]
        let directory = (path as NSString).deletingLastPathComponent
        for rule in config.exports where mappings[rule.mapping] == nil {
            let mappingPath = directory.isEmpty ? rule.mapping : directory + "/" + rule.mapping
            let mapping: DepartmentMapping = try decode(mappingPath)
            let mappingProblems = mapping.problems()
            if !mappingProblems.isEmpty { throw IngestFailure.configuration(file: mappingPath, problems: mappingProblems) }
            mappings[rule.mapping] = mapping
        }
        if mappings.isEmpty { problems.append("no mappings") }
        if !problems.isEmpty { throw IngestFailure.configuration(file: path, problems: problems) }
        return LoadedPipeline(config: config, path: path, mappings: mappings)
    }

    static func decode<T: Decodable>(_ path: String) throws -> T {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw IngestFailure.unreadable(file: path, reason: "no such file or not readable")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw IngestFailure.configuration(file: path, problems: ["not UTF-8 text"])
        }
        do {
            return try YAMLDecoder().decode(T.self, from: text)
        } catch let error as DecodingError {
            throw IngestFailure.configuration(file: path, problems: [describe(error)])
        } catch {
            throw IngestFailure.configuration(file: path, problems: ["\(error)"])
        }
    }

    /// A YAML syntax error where a clerk can find it: line and column (from 1), and what is wrong.
    static func describe(_ error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            return "line \(mark.line), column \(mark.column): not valid YAML: " + [context?.text, problem].compactMap { $0 }.joined(separator: ", ")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return "line \(context.mark.line), column \(context.mark.column): not valid YAML: a key appears twice (\(duplicates.joined(separator: ", ")))"
        case .reader(let problem, let offset, _, _):
            return "not valid YAML: \(problem)" + (offset.map { " at byte \($0)" } ?? "")
        default:
            return "not valid YAML: \(error)"
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func where_(_ path: [any CodingKey]) -> String {
            path.isEmpty ? "top level" : path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(where_(context.codingPath + [key])): required key is missing"
        case .typeMismatch(_, let context): return "\(where_(context.codingPath)): \(context.debugDescription)"
        case .dataCorrupted(let context):
            if let yaml = context.underlyingError as? YamlError { return describe(yaml) }
            return "\(where_(context.codingPath)): \(context.debugDescription)"
        case .valueNotFound(_, let context): return "\(where_(context.codingPath)): value is missing"
        @unknown default: return "\(error)"
        }
    }
}
