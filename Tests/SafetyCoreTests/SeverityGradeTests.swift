import Testing
@testable import SafetyCore

struct SeverityGradeTests {
    static let wan: Int64 = 1_000_000 // fen in 1万元

    @Test(arguments: [
        (2, 0, 0, SeverityGrade.ordinary), (3, 0, 0, .large), (9, 0, 0, .large),
        (10, 0, 0, .major), (29, 0, 0, .major), (30, 0, 0, .extraordinary),
        (0, 9, 0, .ordinary), (0, 10, 0, .large), (0, 49, 0, .large), (0, 50, 0, .major), (0, 99, 0, .major), (0, 100, 0, .extraordinary),
        (0, 0, 999 * wan + 999_999, .ordinary), (0, 0, 1000 * wan, .large), (0, 0, 5000 * wan - 1, .large),
        (0, 0, 5000 * wan, .major), (0, 0, 10_000 * wan - 1, .major), (0, 0, 10_000 * wan, .extraordinary),
    ] as [(Int, Int, Int64, SeverityGrade)])
    func gradeAtEachBoundary(deaths: Int, serious: Int, lossFen: Int64, expected: SeverityGrade) {
        #expect(SeverityGrade(deaths: deaths, seriousInjuries: serious, directLossFen: lossFen) == expected)
    }

    @Test func largeOrAboveIncludesLarge() {
        #expect(!SeverityGrade.ordinary.isLargeOrAbove)
        #expect(SeverityGrade.large.isLargeOrAbove && SeverityGrade.major.isLargeOrAbove && SeverityGrade.extraordinary.isLargeOrAbove)
    }
}
