import ArgumentParser
import SafetyCLI
import SafetyCore
import SafetyIO
import SafetyReports

@main
struct SafetyReport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "safety-report",
        abstract: "Write what people read and systems load from an indicator table.",
        discussion: """
        Each --output is written whole (temporary file, then rename); its extension says what it is:
          .md       the Chinese bulletin (月度通报 / 季度分析 / 年度总结, from the pipeline's templates/)
          .txt      the same bulletin as plain text
          .docx     the same bulletin as a 公文 (GB/T 9704-2012 layout) for Word and WPS
          .xlsx     the workbook: 总体, 分行业, 分乡镇, 分事故类别, 隐患整改, 执法, 月度 (and, with
                    --database, 督办清单, 挂牌督办, 重点关注企业, 较大以上事故)
          supervision.csv, listed-hazards.csv, repeat-offenders.csv
                    the lists for Excel, from --database
          .html     the self-contained report with charts (inline CSS and SVG, no scripts)
          -excel.csv  indicators for Excel: UTF-8 with BOM, formula-like cells neutralised
          .sqlite   the normalised records (--normalized) and the indicators, with views

        Example:
          safety-report --pipeline Pipelines/mingguang/pipeline.yaml \\
            --indicators out/mingguang/indicators.csv --output out/mingguang/bulletin.md \\
            --output out/mingguang/indicators.xlsx --output out/mingguang/report.html
        """)

    @OptionGroup var options: PipelineOptions

    @Option(name: .long, help: ArgumentHelp("indicators.csv written by safety-merge or safety-indicators.", valueName: "file"))
    var indicators: String

    @Option(name: .long, help: ArgumentHelp("A file to write (repeatable); the extension picks the format.", valueName: "file"))
    var output: [String]

    @Option(name: .long, help: ArgumentHelp("The period reported on (default: the pipeline's report_period).", valueName: "period"))
    var period: String?

    @Option(name: .long, help: ArgumentHelp("The normalized data package folder, for .sqlite.", valueName: "folder"))
    var normalized: String?

    @Option(name: .long, help: ArgumentHelp("safety.sqlite written before: the lists (督办清单, 挂牌督办, 重点关注企业, 较大以上事故) for the other outputs.", valueName: "file"))
    var database: String?

    func run() throws {
        try CommandRunner.run("safety-report", quiet: options.quiet) { log in
            let pipeline = try options.load()
            let table = try IndicatorRun.readTable(csvPath: indicators, rounding: pipeline.config.rounding)
            let report = ReportWriter(pipeline: pipeline, table: table, period: period, database: database)
            for path in output {
                try report.write(path, normalized: normalized)
                log.info("wrote \(path)")
            }
        }
    }
}
