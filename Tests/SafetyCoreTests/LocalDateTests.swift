import Testing
@testable import SafetyCore

struct LocalDateTests {
    @Test(arguments: [(2020, 2, 29, true), (2019, 2, 29, false), (2020, 2, 30, false), (1900, 2, 29, false),
                      (2000, 2, 29, true), (2020, 4, 31, false), (2020, 12, 31, true), (2020, 13, 1, false), (2020, 0, 1, false)])
    func validity(year: Int, month: Int, day: Int, valid: Bool) {
        #expect((LocalDate(year: year, month: month, day: day) != nil) == valid)
    }

    @Test func dayNumbersRoundTripAndMatchKnownDays() {
        #expect(LocalDate(year: 1970, month: 1, day: 1)!.dayNumber == 0)
        #expect(LocalDate(year: 2020, month: 7, day: 20)!.adding(days: 99) == LocalDate(year: 2020, month: 10, day: 27))
        for n in stride(from: -800_000, to: 800_000, by: 997) {
            #expect(LocalDate(dayNumber: n).dayNumber == n)
        }
    }

    @Test func sameDayLastYearClampsLeapDay() {
        #expect(LocalDate(year: 2020, month: 2, day: 29)!.sameDayLastYear == LocalDate(year: 2019, month: 2, day: 28))
        #expect(LocalDate(year: 2020, month: 10, day: 31)!.sameDayLastYear == LocalDate(year: 2019, month: 10, day: 31))
    }

    @Test func isoTextRoundTrips() {
        let date = LocalDate(year: 2020, month: 3, day: 5)!
        #expect(date.description == "2020-03-05")
        #expect(LocalDate(iso: "2020-03-05") == date)
        #expect(LocalDate(iso: "2020-3-5") == nil)
    }
}

struct ReportingPeriodTests {
    @Test(arguments: [("2020-YTD-10", "2020-01-01", "2020-10-31", ReportingPeriod.Kind.yearToDate),
                      ("2020Q3", "2020-07-01", "2020-09-30", .quarter), ("2020", "2020-01-01", "2020-12-31", .year),
                      ("2020-02", "2020-02-01", "2020-02-29", .month), ("2019-YTD-2", "2019-01-01", "2019-02-28", .yearToDate)])
    func parsing(text: String, start: String, end: String, kind: ReportingPeriod.Kind) throws {
        let period = try #require(ReportingPeriod(parsing: text))
        #expect(period.start.description == start)
        #expect(period.end.description == end)
        #expect(period.kind == kind)
    }

    /// One canonical name for a year to date, zero-padded like a month; both spellings are read.
    @Test func yearToDateHasOneSpelling() throws {
        #expect(ReportingPeriod(parsing: "2022-YTD-9")?.name == "2022-YTD-09")
        #expect(ReportingPeriod(parsing: "2022-ytd-09")?.name == "2022-YTD-09")
        #expect(ReportingPeriod(parsing: "2022-YTD-11")?.name == "2022-YTD-11")
        #expect(ReportingPeriod(parsing: "2022-YTD-009") == nil)
    }

    @Test(arguments: ["2020-13", "2020Q5", "20", "last month", "2020-YTD-13", "2020-YTD-0"])
    func rejectsNonsense(text: String) {
        #expect(ReportingPeriod(parsing: text) == nil)
    }

    @Test func sameLastYearShiftsBothEnds() {
        let period = ReportingPeriod(parsing: "2020-YTD-10")!.sameLastYear
        #expect(period.start.description == "2019-01-01")
        #expect(period.end.description == "2019-10-31")
    }
}
