import ArgumentParser
import Foundation
import SafetyCLI
import SafetyIO

@main
struct SafetyPublish: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "safety-publish",
        abstract: "Publish a finished run atomically: runs/<id>/ with manifest.json, then switch current/ to it.",
        discussion: """
        Links the pipeline's outputs (bulletin, indicators, rejects, corrections, summaries, the \
        normalized package) into OUTPUT/runs/RUN-ID/, writes manifest.json (every input with size, \
        sha256 and record counts; the pipeline, mapping and reference files' hashes; the tool \
        version; timings; every output with its hash), then points OUTPUT/current at it in one \
        rename and keeps the newest --keep runs. --sweep removes what a killed run left behind.

        Example:
          safety-publish --pipeline Pipelines/mingguang/pipeline.yaml --output out/mingguang \\
            --data landing/mingguang --run-id 20201105T020000Z --keep 14
        """)

    @OptionGroup var options: PipelineOptions

    @Option(name: .long, help: ArgumentHelp("The pipeline's output folder.", valueName: "folder"))
    var output: String

    @Option(name: .long, help: ArgumentHelp("The folder the exports were read from.", valueName: "folder"))
    var data: String?

    @Option(name: .long, help: ArgumentHelp("Name of the run folder (a UTC timestamp).", valueName: "id"))
    var runID: String?

    @Option(name: .long, help: ArgumentHelp("When the run started, seconds since 1970 (for the timings).", valueName: "seconds"))
    var startedAt: Double?

    @Option(name: .long, help: ArgumentHelp("How many published runs to keep.", valueName: "n"))
    var keep = 14

    @Option(name: .long, help: ArgumentHelp("The run's log file, named in the manifest.", valueName: "file"))
    var log: String?

    @Flag(name: .long, help: "Only remove staging folders and temporaries left by killed runs.")
    var sweep = false

    @Flag(name: .long, help: "Only prune old runs and logs.")
    var prune = false

    func validate() throws {
        if !sweep && !prune && (data == nil || runID == nil) { throw ValidationError("publishing needs --data and --run-id") }
        if keep < 1 { throw ValidationError("--keep must be at least 1") }
    }

    func run() throws {
        try CommandRunner.run("safety-publish", quiet: options.quiet) { logger in
            if sweep {
                for path in PublishRun.sweep(output) { logger.info("removed \(path) left by a killed run") }
                return
            }
            let pipeline = try options.load()
            let publish = PublishRun(pipeline: pipeline, outputDirectory: output, dataDirectory: data ?? "", runID: runID ?? "",
                                     startedAt: startedAt ?? Date().timeIntervalSince1970, keep: keep, logFile: log)
            if prune { return try publish.prune() }
            let result = try publish.run()
            logger.info("\(pipeline.config.name): published \(result.runDirectory): \(result.files) files, \(result.read) records, \(result.rejected) rejected, \(result.superseded) superseded, \(String(format: "%.1f", result.seconds)) s")
        }
    }
}
