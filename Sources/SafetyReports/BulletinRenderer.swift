import Foundation
import Mustache
import SafetyCore
import SafetyIO

/// Renders the bulletin from the pipeline's Mustache templates (`templates/` beside pipeline.yaml):
/// `month.md`, `quarter.md` and `year.md`, with the partials they include. Any template the
/// pipeline does not have — all of them when it has no templates folder — comes from the built-in
/// defaults (the sample pipeline's, `DefaultTemplates`). A template that does not parse is a
/// configuration error naming the file; golden tests pin the rendered text.
public struct BulletinRenderer {
    public let directory: String
    let library: MustacheLibrary
    /// The templates the pipeline's folder provides (the rest are the defaults).
    public let own: Set<String>

    public init(directory: String) throws {
        self.directory = directory
        var library = MustacheLibrary()
        for (name, text) in DefaultTemplates.all {
            do { library.register(try MustacheTemplate(string: text), named: name) } catch {
                throw IngestFailure.configuration(file: "built-in template " + name, problems: ["template does not parse: \(error)"])
            }
        }
        var own: Set<String> = []
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names.sorted() where name.hasSuffix(".mustache") {
            let path = directory + "/" + name
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw IngestFailure.unreadable(file: path, reason: "not UTF-8 text")
            }
            do {
                library.register(try MustacheTemplate(string: text), named: String(name.dropLast(".mustache".count)))
                own.insert(String(name.dropLast(".mustache".count)))
            } catch {
                throw IngestFailure.configuration(file: path, problems: ["template does not parse: \(error)"])
            }
        }
        self.library = library
        self.own = own
    }

    /// The templates folder of a pipeline.
    public init(pipeline: LoadedPipeline) throws {
        try self.init(directory: (pipeline.directory.isEmpty ? "." : pipeline.directory) + "/templates")
    }

    /// The bulletin as Markdown for a period (default: the pipeline's report period).
    public func markdown(_ bulletin: BulletinText, period: String? = nil) throws -> String {
        let context: [String: Any]
        let report: ReportingPeriod
        do {
            report = try bulletin.pipeline.period(named: period ?? bulletin.pipeline.reportPeriod)
            context = try bulletin.context(reportPeriod: report.name)
        } catch {
            throw IngestFailure.configuration(file: directory, problems: ["\(error)"])
        }
        let name = BulletinText.template(for: report) + ".md"
        guard let text = library.render(context, withTemplate: name) else {
            throw IngestFailure.configuration(file: directory + "/" + name + ".mustache", problems: ["template missing"])
        }
        return BulletinRenderer.tidy(text)
    }

    /// At most one blank line in a row, and exactly one newline at the end.
    static func tidy(_ text: String) -> String {
        var lines: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.allSatisfy(\.isWhitespace), lines.last?.isEmpty ?? true { continue }
            lines.append(line.allSatisfy(\.isWhitespace) ? "" : line)
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Plain text from the Markdown: headings lose their `#` marks, tables become tab-separated
    /// lines without the rule row, list bullets stay.
    public static func plainText(_ markdown: String) -> String {
        var out: [String] = []
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("#") {
                out.append(String(line.drop { $0 == "#" }.drop { $0 == " " }))
            } else if line.hasPrefix("|") {
                if let cells = MarkupText.tableCells(line) { out.append(cells.joined(separator: "\t")) }
            } else {
                out.append(String(line))
            }
        }
        return out.joined(separator: "\n")
    }
}
