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

        In parts (what the Spark driver runs): --split N splits each ingest folder's rows by shard \
        (where it was ingested); --shard I/N resolves only the records whose (source, id) falls in \
        shard I of N (reading the split rows where there are), into OUTPUT (its normalized rows, \
        for its own partial indicators, and its runs); then --assemble SHARD ... (every shard once) \
        writes the package, rejects, corrections and summary byte for byte as one run would:
          safety-package --pipeline P --split 4 --output ingest/x ingest/x       (per ingest folder)
          safety-package --pipeline P --shard 0/4 --output shards/0 ingest/*   (… 1/4, 2/4, 3/4)
          safety-package --pipeline P --assemble shards/0 … --assemble shards/3 --output out ingest/*
        """)

    @OptionGroup var options: PipelineOptions

    @Option(name: .long, help: ArgumentHelp("The pipeline's output folder.", valueName: "folder"))
    var output: String

    @Option(name: .long, help: ArgumentHelp("Resolve one shard of the records' keys only.", valueName: "index/count"))
    var shard: String?

    @Option(name: .long, help: ArgumentHelp("A shard folder to assemble from (repeat for every shard).", valueName: "folder"))
    var assemble: [String] = []

    @Option(name: .long, help: ArgumentHelp("Split each ingest folder's rows into COUNT shards (split-COUNT/), so --shard reads its own.", valueName: "count"))
    var split: Int?

    @Argument(help: ArgumentHelp("Ingest folders written by safety-ingest.", valueName: "ingest-folder"))
    var ingested: [String]

    func validate() throws {
        if ingested.isEmpty { throw ValidationError("name at least one ingest folder") }
        if [shard != nil, !assemble.isEmpty, split != nil].filter({ $0 }).count > 1 {
            throw ValidationError("--split, --shard and --assemble are separate steps")
        }
        if let split, split < 1 { throw ValidationError("--split takes a count of 1 or more") }
        if let shard, parsedShard(shard) == nil { throw ValidationError("--shard is INDEX/COUNT, 0 <= INDEX < COUNT (0/4)") }
    }

    func parsedShard(_ text: String) -> (index: Int, count: Int)? {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count >= 1, (0..<count).contains(index) else { return nil }
        return (index, count)
    }

    func run() throws {
        try CommandRunner.run("safety-package", quiet: options.quiet) { log in
            if let split {
                for folder in ingested { try PackageRun.split(ingestDirectory: folder, count: split) }
                log.info("split \(ingested.count) ingest folders into \(split) shards")
                return
            }
            var package = PackageRun(pipeline: try options.load(), ingestDirectories: ingested, outputDirectory: output)
            package.shard = shard.flatMap(parsedShard)
            package.assembling = assemble
            let totals = try package.run()
            if let shard = package.shard {
                log.info("shard \(shard.index)/\(shard.count) of \(totals.exports) exports: \(totals.superseded) rows superseded by later exports")
                return
            }
            log.info("\(totals.exports) exports: \(totals.read) records read, \(totals.accepted) accepted (\(totals.superseded) superseded by later exports), \(totals.rejected) rejected, \(totals.skipped) rows skipped")
        }
    }
}
