import ArgumentParser
import SafetyCLI
import SafetyIO
import SafetyCore

@main
struct SafetyIndicators: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "safety-indicators",
        abstract: "Compute the published indicators from the common format, with the same period last year.",
        discussion: """
        Periods: the pipeline's report period, its campaigns and extra periods, or the ones named \
        with --period (2020-10, 2020Q3, 2020, 2020-YTD-10, or a campaign name). Rows go out overall, \
        by sector and by region. Memory holds one tally per (period, breakdown), never records.

        Example:
          safety-indicators --pipeline Pipelines/mingguang/pipeline.yaml \\
            --data out/mingguang/normalized --output out/mingguang --period 2020-YTD-10
        """)

    @OptionGroup var options: PipelineOptions

    @Option(name: .long, help: ArgumentHelp("The normalized data package folder.", valueName: "folder"))
    var data: String

    @Option(name: .long, help: ArgumentHelp("Folder for indicators.csv and indicators.json.", valueName: "folder"))
    var output: String

    @Option(name: .long, help: ArgumentHelp("A period to compute instead of the pipeline's; repeatable.", valueName: "period"))
    var period: [String] = []

    func run() throws {
        try CommandRunner.run("safety-indicators") {
            let pipeline = try options.load()
            let periods: [ReportingPeriod]
            do {
                periods = period.isEmpty ? try pipeline.config.reportingPeriods()
                    : try period.map { text throws(MappingProblem) in try pipeline.config.period(named: text) }
            } catch {
                throw IngestFailure.configuration(file: pipeline.path, problems: ["\(error)"])
            }
            let (table, records) = try IndicatorRun(pipeline: pipeline, normalizedDirectory: data, periods: periods).table()
            try IndicatorRun.write(table, pipeline: pipeline.config.name,
                                   csvPath: output + "/indicators.csv", jsonPath: output + "/indicators.json")
            if !options.quiet { print("\(records) records, \(periods.count) periods: \(table.rows.count) indicator rows") }
        }
    }
}
