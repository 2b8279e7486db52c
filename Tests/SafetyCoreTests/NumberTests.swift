import Testing
@testable import SafetyCore

struct RoundingTests {
    @Test(arguments: [(8125, 100, 81), (1625, 20, 81), (5, 10, 1), (4, 10, 0), (-5, 10, -1), (-25, 10, -3), (15, 10, 2), (25, 10, 3)] as [(Int64, Int64, Int64)])
    func divide(numerator: Int64, denominator: Int64, expected: Int64) {
        #expect(Rounding.divide(numerator, by: denominator) == expected)
    }

    @Test func percentRoundsHalfUpNeverBankers() {
        // 81.25 → 81.3 (banker's rounding would give 81.2)
        #expect(Rounding.percent(325, of: 400)?.fixed(1) == "81.3")
        #expect(Rounding.percent(418, of: 494)?.fixed(1) == "84.6")
        #expect(Rounding.percent(-9, of: 400)?.fixed(1) == "-2.3")
        #expect(Rounding.percent(0, of: 0) == nil)
        #expect(Rounding.percent(5, of: 0) == nil)
    }
}

struct ExactDecimalTests {
    @Test func shortestExactText() {
        #expect(ExactDecimal.wanYuan(fen: 118_300_000).description == "118.3")
        #expect(ExactDecimal.wanYuan(fen: 23_950_049).description == "23.950049")
        #expect(ExactDecimal.yuan(fen: 250_050).description == "2500.5")
        #expect(ExactDecimal(integer: -5).description == "-5")
        #expect(ExactDecimal.wanYuan(fen: 0).description == "0")
        #expect(ExactDecimal(units: 5, scale: 3).description == "0.005")
    }

    @Test func fixedPlacesRoundHalfUp() {
        #expect(ExactDecimal(units: 8125, scale: 2).fixed(1) == "81.3")
        #expect(ExactDecimal(units: 846, scale: 1).fixed(1) == "84.6")
        #expect(ExactDecimal(units: -25, scale: 1).fixed(0) == "-3")
        #expect(ExactDecimal(units: 7, scale: 0).fixed(2) == "7.00")
    }

    @Test func subtractionAlignsScales() {
        #expect((ExactDecimal(units: 1183, scale: 1) - ExactDecimal(units: 95, scale: 0)).description == "23.3")
    }
}

struct DecimalTextTests {
    @Test(arguments: [("118.3万", MoneyUnit.yuan, 118_300_000), ("118.3", .wanYuan, 118_300_000), ("0.07万", .yuan, 70_000),
                      ("1,183,000", .yuan, 118_300_000), ("２５００.５０元", .wanYuan, 250_050), ("239500.49", .yuan, 23_950_049),
                      (" 42.08 ", .wanYuan, 42_080_000), ("0", .yuan, 0)] as [(String, MoneyUnit, Int64)])
    func moneyIsExactInFen(text: String, unit: MoneyUnit, fen: Int64) {
        #expect(DecimalText.fen(text, unit: unit) == fen)
    }

    @Test(arguments: ["1,2O", "1.234", "abc", "", "1.2.3", "--1"])
    func notMoney(text: String) {
        #expect(DecimalText.fen(text, unit: .yuan) == nil)
    }

    @Test func counts() {
        #expect(DecimalText.count("１２") == 12)
        #expect(DecimalText.count("1,001") == 1001)
        #expect(DecimalText.count("两") == nil)
        #expect(DecimalText.count("-1") == nil)
        #expect(DecimalText.count("1.5") == nil)
    }
}

struct DateTextTests {
    @Test(arguments: ["2020-10-31", "2020/10/31", "2020.10.31", "2020年10月31日", "20201031", "2020-10-31 08:30", "２０２０年１０月３１日", "2020/10/31T00:00"])
    func acceptedForms(text: String) throws {
        #expect(try DateText.parse(text).get() == LocalDate(year: 2020, month: 10, day: 31))
    }

    @Test(arguments: [("2020-02-30", RejectionReason.impossibleDate), ("10/11/2020", .ambiguousDate), ("yesterday", .notADate),
                      ("2020-1", .notADate), ("202010311", .notADate), ("20-10-31", .notADate)])
    func refusedForms(text: String, reason: RejectionReason) {
        #expect(throws: reason) { try DateText.parse(text).get() }
    }
}

struct ScientificNotationTests {
    @Test(arguments: ["3.41182E+17", "1E+15", "3.4e17", "-2.5E-3", "12E3"])
    func excelsScientificFormIsRecognised(text: String) { #expect(DecimalText.isScientific(text)) }

    @Test(arguments: ["341182000000000000", "E+17", "3.E+17", "3.4E", "3.4E+", "YH-2E5", "1E5a", "", "2020-10-31"])
    func otherTextIsNot(text: String) { #expect(!DecimalText.isScientific(text)) }
}

struct ExcelSerialDateTests {
    @Test(arguments: [("44135", "2020-10-31"), ("43831", "2020-01-01"), ("61", "1900-03-01"), ("59", "1900-02-28"),
                      ("1", "1900-01-01"), ("44135.75", "2020-10-31")])
    func serialsFollowExcelsCalendar(serial: String, iso: String) throws {
        #expect(try DateText.excelSerial(serial)?.get() == LocalDate(iso: iso))
    }

    @Test func theQuirkDayAndNonSerialsAreNotDates() {
        #expect(throws: RejectionReason.impossibleDate) { try DateText.excelSerial("60")?.get() }
        #expect(throws: RejectionReason.notADate) { try DateText.excelSerial("0")?.get() }
        #expect(DateText.excelSerial("2020-10-31") == nil)
        #expect(DateText.excelSerial("abc") == nil)
        #expect(DateText.excelSerial("2020.10.31") == nil)
        #expect(DateText.excelSerial("44135.") == nil)
        #expect(DateText.excelSerial("2020", plausible: DateText.plausibleSerials) == nil)
        #expect((try? DateText.excelSerial("44135", plausible: DateText.plausibleSerials)?.get()) == LocalDate(iso: "2020-10-31"))
    }
}
