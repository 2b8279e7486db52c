import Foundation
import Testing
@testable import SafetyIO
@testable import SafetyCore

/// Property: split records into random shards, write each shard's partial aggregate to disk,
/// merge the files: the indicator table is byte for byte the single run's.
struct PartialAggregateTests {
    static func records(seed: UInt64, count: Int) -> [NormalizedRecord] {
        var state = seed
        func next() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(state >> 33)
        }
        let sectors = ["建筑", "道路交通运输", "商贸制造"], regions = ["明光街道", "女山湖镇"]
        let origin = LocalDate(year: 2019, month: 1, day: 1)!.dayNumber
        return (0..<count).map { i in
            let day = LocalDate(dayNumber: origin + next() % 730)
            let p = Provenance(source: ["交警大队", "应急管理局"][next() % 2], exportDate: day, position: SourcePosition(file: "f", line: i + 1, record: i + 1))
            let sector = sectors[next() % 3], region = regions[next() % 2]
            switch next() % 4 {
            case 0: return .accident(AccidentRecord(id: "A\(i)", provenance: p, date: day, region: region, sector: sector,
                                                    deaths: next() % 4, seriousInjuries: next() % 12, minorInjuries: 0, directLossFen: Int64(next() % 10_000_000)))
            case 1: return .hazard(HazardRecord(id: "H\(i)", provenance: p, foundDate: day, region: region, sector: sector, enterprise: "e",
                                                level: next() % 5 == 0 ? .major : .general, rectifiedDate: next() % 3 == 0 ? nil : day.adding(days: next() % 40),
                                                deadline: day.adding(days: 30), listed: next() % 7 == 0, listingBatch: "B\(next() % 3)"))
            case 2: return .enforcement(EnforcementRecord(id: "E\(i)", provenance: p, date: day, region: region, sector: sector, enterprise: "e",
                                                          action: EnforcementAction.allCases[next() % 5], fineFen: Int64(next() % 1_000_000)))
            default: return .inspection(InspectionRecord(id: "I\(i)", provenance: p, date: day, region: region, sector: sector, enterprise: "e", groupID: "G\(next() % 50)"))
            }
        }
    }

    @Test(arguments: [1 as UInt64, 2, 3, 20201031])
    func mergedShardsEqualTheSingleRun(seed: UInt64) throws {
        print("partial-merge property seed \(seed)")
        let periods = ["2020-YTD-10", "2020Q3", "2020-06"].map { ReportingPeriod(parsing: $0)! }
        let groups = ["建筑": ["工矿商贸"], "商贸制造": ["工矿商贸"]]
        let sectors = CodeList([.init(name: "道路交通运输"), .init(name: "建筑"), .init(name: "商贸制造")])
        let regions = CodeList([.init(name: "明光街道"), .init(name: "女山湖镇")])
        let all = Self.records(seed: seed, count: 600)
        var single = IndicatorAccumulator(periods: periods, sectorGroups: groups)
        all.forEach { single.add($0) }

        let shardCount = Int(seed % 4) + 2
        var shards = Array(repeating: IndicatorAccumulator(periods: periods, sectorGroups: groups), count: shardCount)
        var state = seed
        for record in all {
            state = state &* 2862933555777941757 &+ 3037000493
            shards[Int(state >> 40) % shardCount].add(record)
        }
        let directory = try Fixture.temporaryDirectory()
        let paths = try shards.enumerated().map { i, shard -> String in
            let path = directory + "/p\(i).json"
            try PartialAggregateFile.write(shard, to: path)
            return path
        }
        let merged = try PartialAggregateFile.merge(paths.reversed())
        let expected = IndicatorRun.json(single.table(sectors: sectors, regions: regions), pipeline: "t")
        let actual = IndicatorRun.json(merged.table(sectors: sectors, regions: regions), pipeline: "t")
        #expect(actual == expected)
    }

    @Test func partialsOverDifferentPeriodsRefuseToMerge() throws {
        let directory = try Fixture.temporaryDirectory()
        try PartialAggregateFile.write(IndicatorAccumulator(periods: [ReportingPeriod(parsing: "2020")!]), to: directory + "/a.json")
        try PartialAggregateFile.write(IndicatorAccumulator(periods: [ReportingPeriod(parsing: "2019")!]), to: directory + "/b.json")
        #expect(throws: IngestFailure.self) { try PartialAggregateFile.merge([directory + "/a.json", directory + "/b.json"]) }
    }
}
