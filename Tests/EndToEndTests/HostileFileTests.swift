import Foundation
import Testing

/// The bombs of the hostile-input list, each run through `safety-ingest` with the sample
/// pipeline: each hits its documented limit with a clear message and exit 65, nothing from it is
/// published, and the process's peak memory stays under 256 MiB.
@Suite(.serialized)
struct HostileFileTests {
    static let root = SamplePipelineTests.root

    static let files: Result<String, any Error> = Result {
        let folder = NSTemporaryDirectory() + "hostile-\(UUID().uuidString)"
        let (status, output) = try CommandLine.run(["python3", root + "/tools/hostile.py", "write", folder])
        guard status == 0 else { throw ReportOutputTests.CheckFailed(output) }
        return folder
    }

    @Test(arguments: [
        ("jiaojing-accidents-2020-20201201.xml.gz", "decompresses to more than 268435456 bytes (limit); refusing a possible decompression bomb"),
        ("anweiban-inspections-20201201.zip", "检查记录/专项督查.csv: inflates beyond its declared size (declares 1024 bytes)"),
        ("yingji-accidents-20201201.csv", "yingji-accidents-20201201.csv:3: quoted field starting here is never closed"),
        ("shichang-enforcement-2021.tar.gz", "archive has more than 10000 members (limit)"),
    ])
    func bombHitsItsLimitInBoundedMemory(file: String, message: String) throws {
        let folder = try Self.files.get()
        let out = folder + "/out/" + file
        let (_, json) = try CommandLine.run(["python3", Self.root + "/tools/hostile.py", "run", SamplePipelineTests.bin + "/safety-ingest",
                                             "--pipeline", Self.root + "/Pipelines/mingguang/pipeline.yaml", "--output", out,
                                             folder + "/" + file])
        let result = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], "\(json)")
        #expect(result["status"] as? Int == 65)
        let output = result["output"] as? String ?? ""
        #expect(output.contains(message), "\(output)")
        let peak = result["peak_kib"] as? Int ?? .max
        #expect(peak < 256 * 1024, "peak RSS \(peak) KiB")
        print("\(file): peak RSS \(peak / 1024) MiB")
        #expect(!FileManager.default.fileExists(atPath: out + "/summary.json"))
    }
}
