import ArgumentParser
import SafetyIO

/// Options every executable shares.
public struct PipelineOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The pipeline file: code lists, export rules, periods.", valueName: "pipeline.yaml"))
    public var pipeline: String = "Pipelines/mingguang/pipeline.yaml"

    @Flag(name: .long, help: "Print nothing but errors.")
    public var quiet = false

    public init() {}

    public func load() throws -> LoadedPipeline { try PipelineLoader.load(pipeline) }
}

/// The one place executables turn failures into a message on stderr and an exit status.
public enum CommandRunner {
    public static func run(_ command: String, _ body: () throws -> Void) throws {
        do {
            try body()
        } catch let failure as IngestFailure {
            printError("\(command): \(failure.description)")
            throw ExitCode(failure.exitStatus.rawValue)
        }
    }

    public static func printError(_ text: String) {
        var stream = StandardError()
        print(text, to: &stream)
    }
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandleWriter.write(string, fd: 2)
    }
}

enum FileHandleWriter {
    static func write(_ text: String, fd: Int32) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { posixWrite(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n <= 0 { return }
            offset += n
        }
    }
}
