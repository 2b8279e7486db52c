import ArgumentParser
import SafetyCLI
import SafetyIO

@main
struct SafetyIngest: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "safety-ingest",
        abstract: "Normalise one department export into the common format, rejecting bad records with reasons.",
        discussion: """
        The export's path below the data folder (--name) or its file name picks its mapping through \
        the pipeline's `exports` rules. gzip is \
        recognised by its magic bytes; archives are read member by member (the mapping's `members` glob). \
        Writes OUTPUT/<kind>.csv, OUTPUT/rejects.csv and, last, OUTPUT/summary.json; nothing is published \
        unless the whole file was read and trusted. Memory does not grow with the file.

        Example:
          safety-ingest --pipeline Pipelines/mingguang/pipeline.yaml \\
            --output out/mingguang/ingest/yingji-hazards-2020.csv SampleData/mingguang/yingji-hazards-2020.csv
          safety-ingest --check SampleData/mingguang/yingji-accidents-20201105.csv   # rejects by reason, nothing written
          safety-ingest --describe new-export.csv                                   # columns and a draft mapping
        """)

    @OptionGroup var options: PipelineOptions

    @Option(name: .long, help: ArgumentHelp("Folder for this export's normalized rows, rejects and summary.", valueName: "folder"))
    var output: String?

    @Flag(name: .long, help: "Run the mapping over the export without writing anything: print the counts and the rejects by reason.")
    var check = false

    @Flag(name: .long, help: "Describe an export nobody has mapped yet: format, encoding, delimiter, header row, columns with samples, and a draft mapping.")
    var describe = false

    @Option(name: .long, help: ArgumentHelp(
        "The export's name in summaries, rejects and provenance: its path below the data folder (default: its file name).",
        valueName: "path"))
    var name: String?

    @Argument(help: ArgumentHelp("The department export: CSV, XML, gzipped, or a tar(.gz) bundle.", valueName: "export"))
    var export: String

    func validate() throws {
        if output == nil && !check && !describe { throw ValidationError("give --output FOLDER, or --check or --describe to write nothing") }
    }

    func run() throws {
        if describe {
            try CommandRunner.run("safety-ingest", quiet: options.quiet) { _ in print(try ExportDescription.describe(path: export), terminator: "") }
            return
        }
        if check {
            try CommandRunner.run("safety-ingest", quiet: options.quiet) { _ in
                let result = try IngestCheck.run(pipeline: try options.load(), exportPath: export, name: name)
                print(result.report, terminator: "")
                if let failure = result.failure { throw failure }
            }
            return
        }
        try CommandRunner.run("safety-ingest", quiet: options.quiet) { log in
            var run = IngestRun(pipeline: try options.load(), exportPath: export, outputDirectory: output!, name: name)
            let meter = ProgressLine(label: export, enabled: !options.quiet)
            run.progress = { records, bytes in meter.update(records: records, bytes: bytes) }
            let summary = try run.run()
            meter.finish()
            log.info("\(summary.file): \(summary.read) read, \(summary.accepted) accepted, \(summary.rejected) rejected, \(summary.skipped) skipped")
        }
    }
}
