/// Accident grade by 生产安全事故报告和调查处理条例, article 3.
///
/// 以上 includes the bound, 以下 excludes it: exactly 3 deaths is 较大, exactly 10 is 重大.
/// A grade is reached by any one of deaths (with persons missing, 下落不明, as the statistics
/// count them: 死亡和下落不明), serious injuries (including acute industrial poisoning, 重伤包括
/// 急性工业中毒) or direct economic loss. Callers pass the sums (`AccidentRecord.grade`).
public enum SeverityGrade: String, Sendable, Hashable, CaseIterable, Comparable, Codable, CodingKeyRepresentable {
    case ordinary = "一般"
    case large = "较大"
    case major = "重大"
    case extraordinary = "特别重大"

    public init(deaths: Int, seriousInjuries: Int, directLossFen: Int64) {
        let yi: Int64 = 10_000 * 10_000 * 100 // 1亿元 in fen
        let wan: Int64 = 10_000 * 100 // 1万元 in fen
        if deaths >= 30 || seriousInjuries >= 100 || directLossFen >= yi {
            self = .extraordinary
        } else if deaths >= 10 || seriousInjuries >= 50 || directLossFen >= 5000 * wan {
            self = .major
        } else if deaths >= 3 || seriousInjuries >= 10 || directLossFen >= 1000 * wan {
            self = .large
        } else {
            self = .ordinary
        }
    }

    /// 较大以上: 较大, 重大 and 特别重大.
    public var isLargeOrAbove: Bool { self >= .large }

    private var rank: Int { SeverityGrade.allCases.firstIndex(of: self)! }
    public static func < (lhs: SeverityGrade, rhs: SeverityGrade) -> Bool { lhs.rank < rhs.rank }
}
