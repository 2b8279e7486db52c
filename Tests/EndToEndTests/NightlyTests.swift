import Foundation
import Testing
@testable import SafetyIO

/// `make nightly` over a landing folder: incremental, locked, atomic, idempotent, observable.
@Suite(.serialized)
struct NightlyTests {
    static let root = SamplePipelineTests.root
    static let bin = SamplePipelineTests.bin

    struct Workspace {
        var landing: String
        var out: String

        init(only subset: Set<String>? = nil) throws {
            let base = NSTemporaryDirectory() + "safety-nightly-" + UUID().uuidString
            landing = base + "/landing"
            out = base + "/out"
            try FileManager.default.createDirectory(atPath: landing, withIntermediateDirectories: true)
            for name in try FileManager.default.contentsOfDirectory(atPath: NightlyTests.root + "/SampleData/mingguang")
            where subset?.contains(name) ?? true {
                try FileManager.default.copyItem(atPath: NightlyTests.root + "/SampleData/mingguang/" + name, toPath: landing + "/" + name)
            }
        }

        var environment: [String: String] {
            var env = ProcessInfo.processInfo.environment
            env["BUILD"] = "no"; env["BIN"] = NightlyTests.bin; env["LANDING"] = landing; env["OUT"] = out
            env["KEEP"] = "3"; env["PIPELINE"] = "mingguang"
            return env
        }

        /// Starts `make nightly`; Foundation starts it as the leader of its own process group, so
        /// a kill of the group reaches make and every child (checked by the kill test).
        func start(arguments: [String] = ["make", "nightly"], environment extra: [String: String] = [:]) throws -> (Process, Pipe) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = arguments
            process.currentDirectoryURL = URL(fileURLWithPath: NightlyTests.root)
            process.environment = environment.merging(extra) { $1 }
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            try process.run()
            return (process, pipe)
        }

        func run(environment extra: [String: String] = [:]) throws -> (status: Int32, output: String) {
            let (process, pipe) = try start(environment: extra)
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, output)
        }

        var current: String { out + "/current" }

        func read(_ file: String) throws -> String { try String(contentsOfFile: current + "/" + file, encoding: .utf8) }

        /// Files a killed run may leave: temporaries and staging folders.
        func leftovers() -> [String] {
            let all = (FileManager.default.enumerator(atPath: out)?.allObjects as? [String]) ?? []
            return all.filter { $0.contains(".tmp-") || $0.contains(".staging-") }
        }
    }

    @Test func unchangedInputsIngestNothingAndGiveTheSameBytes() throws {
        let w = try Workspace()
        let first = try w.run()
        #expect(first.status == 0, "\(first.output)")
        #expect(first.output.contains("mingguang: published"))
        let indicators = try w.read("indicators.csv"), bulletin = try w.read("bulletin.md")
        for file in ["bulletin.docx", "supervision.csv", "listed-hazards.csv", "repeat-offenders.csv"] {
            #expect(FileManager.default.fileExists(atPath: w.current + "/" + file), "the nightly run publishes \(file)")
        }
        let second = try w.run()
        #expect(second.status == 0)
        #expect(!second.output.contains("safety-ingest"), "nothing should be re-ingested:\n\(second.output)")
        #expect(try w.read("indicators.csv") == indicators && w.read("bulletin.md") == bulletin)
        // A touched file with the same bytes is not re-ingested either.
        try FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: w.landing + "/yingji-drills-2020.csv")
        #expect(try !w.run().output.contains("safety-ingest"))
    }

    @Test func aNewExportIsTheOnlyOneIngested() throws {
        let w = try Workspace()
        #expect(try w.run().status == 0)
        let extra = "演练编号,演练日期,乡镇,演练名称,参加人数,投入资金(元),是否全市性\nYL2020-900,2020-10-20,古沛镇,消防演练,40,1000,否\n"
        try extra.write(toFile: w.landing + "/yingji-drills-2020b.csv", atomically: true, encoding: .utf8)
        let run = try w.run()
        #expect(run.status == 0, "\(run.output)")
        let ingests = run.output.split(separator: "\n").filter { $0.hasPrefix(Self.bin + "/safety-ingest") }
        #expect(ingests.count == 1 && ingests[0].hasSuffix("yingji-drills-2020b.csv"), "\(ingests)")
        #expect(try w.read("ingest-summary.csv").contains("yingji-drills-2020b.csv,应急管理局,drill,1,1,0,0,0,0"))
    }

    @Test func aSecondRunDoesNotOverlap() throws {
        let w = try Workspace()
        try FileManager.default.createDirectory(atPath: w.out, withIntermediateDirectories: true)
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        holder.arguments = [w.out + "/.nightly.lock", "sleep", "30"]
        try holder.run()
        defer { kill(-holder.processIdentifier, SIGKILL); holder.waitUntilExit() }
        Thread.sleep(forTimeInterval: 0.3)
        let blocked = try w.run()
        #expect(blocked.status == 2, "make fails when the script exits 75:\n\(blocked.output)")
        #expect(blocked.output.contains("another run holds"))
        #expect(!FileManager.default.fileExists(atPath: w.current))
        // The script itself exits 75.
        let direct = try w.start(arguments: ["tools/nightly.sh"], environment: ["MAKE": "make", "PIPELINE_FILE": "Pipelines/mingguang/pipeline.yaml"])
        _ = direct.1.fileHandleForReading.readDataToEndOfFile()
        direct.0.waitUntilExit()
        #expect(direct.0.terminationStatus == 75)
    }

    @Test func manifestListsEveryInputWithItsHash() throws {
        let w = try Workspace()
        #expect(try w.run().status == 0)
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(w.read("manifest.json").utf8)) as? [String: Any])
        let inputs = try #require(manifest["inputs"] as? [[String: Any]])
        let names = try FileManager.default.contentsOfDirectory(atPath: w.landing).sorted()
        #expect(inputs.compactMap { $0["file"] as? String } == names)
        for input in inputs {
            let name = input["file"] as! String
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
            process.arguments = [w.landing + "/" + name]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let expected = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).prefix(64)
            process.waitUntilExit()
            #expect(input["sha256"] as? String == String(expected), "\(name)")
            let size = try FileManager.default.attributesOfItem(atPath: w.landing + "/" + name)[.size] as? Int
            #expect(input["size"] as? Int == size)
            #expect((input["records_read"] as? Int) == (input["accepted"] as! Int) + (input["rejected"] as! Int))
        }
        let outputs = try #require(manifest["outputs"] as? [[String: Any]])
        for output in outputs {
            let path = w.current + "/" + (output["path"] as! String)
            #expect(try SHA256.file(path).hex == output["sha256"] as? String)
        }
        #expect((manifest["configuration"] as? [[String: Any]])?.count ?? 0 >= 10)
        #expect(manifest["tool_version"] as? String == PublishRun.version)
    }

    @Test func killedRunsLeaveThePreviousOutputsAndTheNextRunSucceeds() throws {
        // The road-accident exports and two small ones keep each of the 50 trials short.
        let w = try Workspace(only: ["jiaojing-accidents-2019-20200110.xml.gz", "jiaojing-accidents-2020-20201031.xml.gz",
                                     "jiaojing-accidents-2020-20201105.xml.gz", "yingji-accidents-20201105.csv",
                                     "xiaofang-fires-20201105.csv", "yingji-drills-2020.csv"])
        #expect(try w.run().status == 0)
        let drillsFile = w.landing + "/yingji-drills-2020.csv"
        func addDrill(_ n: Int) throws {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: drillsFile))
            handle.seekToEndOfFile()
            handle.write(Data("YL2020-K\(n),2020-10-0\(n % 9 + 1),古沛镇,演练,\(n),500,否\n".utf8))
            handle.closeFile()
        }
        // How long an incremental run takes here, so kills land across all of its stages.
        try addDrill(0)
        let clock = Date()
        #expect(try w.run().status == 0)
        let runSeconds = Date().timeIntervalSince(clock)
        var seed: UInt64 = 20201105
        var interrupted = 0
        print("SIGKILL trials seed \(seed)")
        for trial in 1...50 {
            let before = try w.read("manifest.json")
            let runBefore = try FileManager.default.destinationOfSymbolicLink(atPath: w.current)
            // New work for this trial: one more drill in the export.
            try addDrill(trial)
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            let delay = Double(seed >> 40) / Double(1 << 24) * runSeconds * 0.9
            let (process, pipe) = try w.start()
            #expect(getpgid(process.processIdentifier) == process.processIdentifier, "the run must lead its own process group")
            Thread.sleep(forTimeInterval: delay)
            kill(-process.processIdentifier, SIGKILL)
            _ = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            while kill(-process.processIdentifier, 0) == 0 { Thread.sleep(forTimeInterval: 0.01) }
            // Whatever moment it died, current/ is a whole run: the previous one or, if the kill
            // came after the switch, the new one.
            let runAfter = try FileManager.default.destinationOfSymbolicLink(atPath: w.current)
            let manifest = try w.read("manifest.json")
            #expect(runAfter == runBefore ? manifest == before : manifest.contains("\"run_id\""), "trial \(trial)")
            #expect(try w.read("bulletin.md").contains("截至10月底，全市共发生道路交通运输业事故9起"), "trial \(trial)")
            if runAfter == runBefore { interrupted += 1 }
            let next = try w.run()
            #expect(next.status == 0, "trial \(trial): next run failed\n\(next.output)")
            #expect(w.leftovers().isEmpty, "trial \(trial): left behind \(w.leftovers())")
            #expect(try w.read("ingest-summary.csv").contains("yingji-drills-2020.csv,应急管理局,drill,\(39 + trial),"), "trial \(trial)")
        }
        print("SIGKILL trials: \(interrupted) of 50 killed before the switch; an incremental run takes \(runSeconds) s")
        #expect(interrupted >= 25, "most kills must land before the switch (\(interrupted) of 50 did)")
        let runs = try FileManager.default.contentsOfDirectory(atPath: w.out + "/runs").filter { !$0.hasPrefix(".") }
        #expect(runs.count <= 3, "KEEP=3 prunes old runs: \(runs)")
    }

    @Test func theSystemdUnitsCommandRuns() throws {
        let unit = try String(contentsOfFile: Self.root + "/deploy/safety-nightly.service", encoding: .utf8)
        let lines = unit.split(separator: "\n").map(String.init)
        let directory = try #require(lines.first { $0.hasPrefix("WorkingDirectory=") }).dropFirst("WorkingDirectory=".count)
        // The unit's command, with this checkout in place of the install folder.
        let exec = try #require(lines.first { $0.hasPrefix("ExecStart=") }).dropFirst("ExecStart=".count)
            .replacingOccurrences(of: directory, with: Self.root)
        var environment: [String: String] = [:]
        for line in lines where line.hasPrefix("Environment=") {
            let pair = line.dropFirst("Environment=".count).split(separator: "=", maxSplits: 1)
            environment[String(pair[0])] = String(pair[1])
        }
        #expect(environment["LOG_FORMAT"] == "json")
        let w = try Workspace()
        // The unit's own environment, with this machine's folders for landing and output.
        environment["LANDING"] = w.landing
        environment["OUT"] = w.out
        environment["BUILD"] = "no"
        environment["BIN"] = Self.bin
        let (process, pipe) = try w.start(arguments: exec.split(separator: " ").map(String.init), environment: environment)
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(output)")
        let jsonLines = output.split(separator: "\n").filter { $0.hasPrefix("{") }
        #expect(!jsonLines.isEmpty)
        for line in jsonLines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["level"] != nil && object?["tool"] != nil && object?["message"] != nil, "\(line)")
        }
        #expect(FileManager.default.fileExists(atPath: w.current + "/manifest.json"))
        let logs = try FileManager.default.contentsOfDirectory(atPath: w.out + "/logs")
        #expect(logs.count == 1 && logs[0].hasSuffix(".log"))
    }
}
