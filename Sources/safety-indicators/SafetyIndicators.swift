import ArgumentParser
import SafetyCLI
import SafetyIO

@main
struct SafetyIndicators: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "safety-indicators",
        abstract: "Compute the published indicators from the common format, with the same period last year.",
        discussion: """
        Periods: the pipeline's report period, campaigns and extra periods, or those named with \
        --period (2020-10, 2020Q3, 2020, 2020-YTD-10, or a campaign name) plus the campaigns that \
        overlap them. Rows go out overall and by sector, sector group, region, source department and \
        month; months and quarters also compare with the period before (环比). Memory holds one tally \
        per (period, breakdown) cell, never records. With --partial, writes a partial aggregate that \
        safety-merge combines with others into exactly the table one run gives.

        Example:
          safety-indicators --pipeline Pipelines/mingguang/pipeline.yaml \\
            --data out/mingguang/normalized --output out/mingguang --period 2020-YTD-10
        """)

    @OptionGroup var options: PipelineOptions

    @Option(name: .long, help: ArgumentHelp("A normalized folder or kind file (hazard.csv); repeatable.", valueName: "path"))
    var data: [String]

    @Option(name: .long, help: ArgumentHelp("Folder for indicators.csv and indicators.json.", valueName: "folder"))
    var output: String?

    @Option(name: .long, help: ArgumentHelp("Write a partial aggregate to this file instead of the table.", valueName: "file"))
    var partial: String?

    @Option(name: .long, help: ArgumentHelp("A period to compute instead of the pipeline's; repeatable.", valueName: "period"))
    var period: [String] = []

    func validate() throws {
        if data.isEmpty { throw ValidationError("name the normalized data with --data") }
        if (output == nil) == (partial == nil) { throw ValidationError("give exactly one of --output or --partial") }
    }

    func run() throws {
        try CommandRunner.run("safety-indicators", quiet: options.quiet) { log in
            let pipeline = try options.load()
            let run = IndicatorRun(pipeline: pipeline, periods: try PeriodSelection.periods(period, pipeline: pipeline))
            let (accumulator, records) = try run.accumulate(data)
            if let partial {
                try PartialAggregateFile.write(accumulator, to: partial)
                log.info("\(records) records: partial aggregate \(partial)")
            } else if let output {
                let (table, notes) = try run.table(accumulator)
                notes.forEach { log.warning("note: \($0)") }
                try IndicatorRun.write(table, pipeline: pipeline.config.name, notes: notes,
                                       csvPath: output + "/indicators.csv", jsonPath: output + "/indicators.json")
                log.info("\(records) records, \(run.periods.count) periods: \(table.rows.count) indicator rows")
            }
        }
    }
}
