import ArgumentParser
import SafetyCLI
import SafetyIO

@main
struct SafetyMerge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "safety-merge",
        abstract: "Combine partial aggregates into the indicator table one run over all the data gives.",
        discussion: """
        Each partial is written by `safety-indicators --partial` over part of the normalized data \
        (one kind file, one shard); all must cover the same periods. Counts add and distinct keys \
        (inspection groups, listing batches) unite, so the merge is exact.

        Example:
          safety-merge --pipeline Pipelines/mingguang/pipeline.yaml --output out/mingguang out/mingguang/partials/*.json
        """)

    @OptionGroup var options: PipelineOptions

    @Option(name: .long, help: ArgumentHelp("Folder for indicators.csv and indicators.json.", valueName: "folder"))
    var output: String

    @Argument(help: ArgumentHelp("Partial aggregate files.", valueName: "partial"))
    var partials: [String]

    func validate() throws {
        if partials.isEmpty { throw ValidationError("name at least one partial aggregate") }
    }

    func run() throws {
        try CommandRunner.run("safety-merge", quiet: options.quiet) { log in
            let pipeline = try options.load()
            let merged = try PartialAggregateFile.merge(partials)
            let (table, notes) = try IndicatorRun(pipeline: pipeline, periods: merged.periods).table(merged)
            notes.forEach { log.warning("note: \($0)") }
            try IndicatorRun.write(table, pipeline: pipeline.config.name, notes: notes,
                                   csvPath: output + "/indicators.csv", jsonPath: output + "/indicators.json")
            log.info("\(partials.count) partials: \(table.rows.count) indicator rows")
        }
    }
}
