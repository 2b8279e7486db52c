import ArgumentParser
import SafetyCLI
import SafetyIO
import SafetyCore

@main
struct SafetyReport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "safety-report",
        abstract: "Write the Chinese bulletin (通报) from an indicator table.",
        discussion: """
        Reads indicators.csv and writes bulletin.md: 总体形势 for the pipeline's report period and a \
        paragraph per campaign under 重点工作. Every figure comes from the table; 增加/减少/持平 follow the data.

        Example:
          safety-report --pipeline Pipelines/mingguang/pipeline.yaml \\
            --indicators out/mingguang/indicators.csv --output out/mingguang/bulletin.md
        """)

    @OptionGroup var options: PipelineOptions

    @Option(name: .long, help: ArgumentHelp("indicators.csv written by safety-indicators.", valueName: "file"))
    var indicators: String

    @Option(name: .long, help: ArgumentHelp("The bulletin to write.", valueName: "bulletin.md"))
    var output: String

    @Option(name: .long, help: ArgumentHelp("The period 总体形势 describes (default: the pipeline's report_period).", valueName: "period"))
    var period: String?

    func run() throws {
        try CommandRunner.run("safety-report", quiet: options.quiet) { log in
            let pipeline = try options.load()
            let table = try IndicatorRun.readTable(csvPath: indicators, rounding: pipeline.config.rounding)
            let text: String
            do { text = try BulletinText(table: table, pipeline: pipeline.config).markdown(reportPeriod: period) } catch {
                throw IngestFailure.configuration(file: pipeline.path, problems: ["\(error)"])
            }
            try AtomicFile.write(text, to: output)
            log.info("wrote \(output)")
        }
    }
}
