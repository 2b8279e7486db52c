import Foundation
import Testing
@testable import SafetyIO

/// The fuzz harness runs over its committed seeds (and any crashers saved as regressions in
/// fuzz/seeds) without trapping; `make fuzz` explores from there.
struct FuzzTargetTests {
    static let seeds = Fixture.repositoryRoot.appendingPathComponent("fuzz/seeds")

    @Test(arguments: FuzzTargets.names)
    func seedsRunCleanly(target: String) throws {
        let directory = Self.seeds.appendingPathComponent(target)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(!files.isEmpty, "no seeds for \(target)")
        for file in files {
            FuzzTargets.run(target, [UInt8](try Data(contentsOf: directory.appendingPathComponent(file))))
        }
    }
}
