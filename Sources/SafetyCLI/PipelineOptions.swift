import ArgumentParser
import Logging
import SafetyIO

/// Options every executable shares.
public struct PipelineOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The pipeline file: code lists, export rules, periods.", valueName: "pipeline.yaml"))
    public var pipeline: String = "Pipelines/mingguang/pipeline.yaml"

    @Flag(name: .long, help: "Print nothing but errors (no progress, no summary line).")
    public var quiet = false

    public init() {}

    public func load() throws -> LoadedPipeline { try PipelineLoader.load(pipeline) }
}

/// The one place executables log, turn failures into a message and an exit status, and (for
/// the nightly wrapper) record that status in `$SAFETY_STATUS_FILE`.
public enum CommandRunner {
    public static func run(_ command: String, quiet: Bool = false, _ body: (Logger) throws -> Void) throws {
        SafetyLog.bootstrap(quiet: quiet)
        let logger = Logger(label: command)
        do {
            try body(logger)
        } catch let failure as IngestFailure {
            logger.error("\(failure.description)", metadata: ["exit": "\(failure.exitStatus.rawValue)"])
            recordStatus(failure.exitStatus.rawValue)
            throw ExitCode(failure.exitStatus.rawValue)
        }
    }

    static func recordStatus(_ status: Int32) {
        guard let path = ProcessInfoEnvironment.value("SAFETY_STATUS_FILE"), !path.isEmpty else { return }
        try? AtomicFile.write("\(status)\n", to: path)
    }
}
