import Foundation
import Testing

/// What an operator sees: a progress line on a terminal only, JSON log lines on request.
struct ObservabilityTests {
    static let root = SamplePipelineTests.root
    static let bin = SamplePipelineTests.bin

    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (Int32, String) {
        try CommandLine.run(arguments, environment: environment)
    }

    func bigExport() throws -> (String, String) {
        let directory = NSTemporaryDirectory() + "safety-obs-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var csv = "演练编号,演练日期,乡镇,演练名称,参加人数,投入资金(元),是否全市性\n"
        for i in 0..<9000 { csv += "YL-\(i),2020-06-01,古沛镇,演练,1,1,否\n" }
        let path = directory + "/yingji-drills-2099.csv"
        try csv.write(toFile: path, atomically: true, encoding: .utf8)
        return (path, directory + "/out")
    }

    @Test func progressOnlyOnATerminal() throws {
        let (path, out) = try bigExport()
        let ingest = "\(Self.bin)/safety-ingest --output \(out) \(path)"
        let (status, onTerminal) = try run(["script", "-qec", ingest, "/dev/null"])
        #expect(status == 0, "\(onTerminal)")
        #expect(onTerminal.contains("records/s"), "a terminal shows progress: \(onTerminal)")
        let (_, quiet) = try run(["script", "-qec", ingest + " --quiet", "/dev/null"])
        #expect(!quiet.contains("records/s") && !quiet.contains("accepted"))
        let (_, piped) = try run([Self.bin + "/safety-ingest", "--output", out, path])
        #expect(!piped.contains("records/s") && piped.contains("9000 read, 9000 accepted"))
    }

    @Test func jsonLogLinesOnRequest() throws {
        let (path, out) = try bigExport()
        let (ok, success) = try run([Self.bin + "/safety-ingest", "--output", out, path], environment: ["LOG_FORMAT": "json"])
        #expect(ok == 0)
        let line = try #require(success.split(separator: "\n").first { $0.hasPrefix("{") })
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(object["level"] == "info" && object["tool"] == "safety-ingest" && object["message"]?.contains("9000 read") == true)
        let (failed, failure) = try run([Self.bin + "/safety-ingest", "--output", out, "/no/such/file.csv"], environment: ["LOG_FORMAT": "json"])
        #expect(failed == 78 || failed == 66)
        let error = try #require(failure.split(separator: "\n").first { $0.hasPrefix("{") })
        let errorObject = try #require(try JSONSerialization.jsonObject(with: Data(error.utf8)) as? [String: String])
        #expect(errorObject["level"] == "error" && errorObject["exit"] == String(failed))
    }
}
