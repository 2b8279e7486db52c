import ArgumentParser
import SafetyCLI
import SafetyIO

@main
struct SafetyPackage: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "safety-package",
        abstract: "Assemble ingested exports into the common format's data package, rejects and summary.",
        discussion: """
        Concatenates each ingest folder's normalized rows (in the order given) into \
        OUTPUT/normalized/<kind>.csv with a Frictionless datapackage.json, all rejects into \
        OUTPUT/rejects.csv, and one line per export into OUTPUT/ingest-summary.csv.

        Example:
          safety-package --pipeline Pipelines/mingguang/pipeline.yaml --output out/mingguang out/mingguang/ingest/*
        """)

    @OptionGroup var options: PipelineOptions

    @Option(name: .long, help: ArgumentHelp("The pipeline's output folder.", valueName: "folder"))
    var output: String

    @Argument(help: ArgumentHelp("Ingest folders written by safety-ingest.", valueName: "ingest-folder"))
    var ingested: [String]

    func validate() throws {
        if ingested.isEmpty { throw ValidationError("name at least one ingest folder") }
    }

    func run() throws {
        try CommandRunner.run("safety-package", quiet: options.quiet) { log in
            let totals = try PackageRun(pipeline: options.load(), ingestDirectories: ingested, outputDirectory: output).run()
            log.info("\(totals.exports) exports: \(totals.read) records read, \(totals.accepted) accepted (\(totals.superseded) superseded by later exports), \(totals.rejected) rejected, \(totals.skipped) rows skipped")
        }
    }
}
