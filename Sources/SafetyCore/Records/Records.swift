/// The kinds of record in the common format; each is one CSV file of the data package.
public enum RecordKind: String, Sendable, Hashable, CaseIterable, Codable, CodingKeyRepresentable {
    case accident, hazard, enforcement, inspection, drill
    case hazardSummary = "hazard_summary"
}

/// Whether an accident happened in production and business activity (生产经营性), which decides
/// whether it enters the work-safety statistics (统计口径). Unknown is reported, never guessed.
public enum AccidentScope: String, Sendable, Hashable, CaseIterable, Codable {
    case operating
    case nonOperating = "non_operating"
    case unknown
}

/// What the department wrote in words, carried as it wrote it (never interpreted, never counted):
/// the description (事故简况, 隐患描述, 违法行为), the address of the site or enterprise, a remark (备注).
public struct FreeText: Hashable, Sendable {
    public var description = ""
    public var address = ""
    public var remark = ""
    public init(description: String = "", address: String = "", remark: String = "") {
        self.description = description; self.address = address; self.remark = remark
    }
}

/// A production-safety accident (生产安全事故) with its casualties and loss.
///
/// Example: a road traffic accident on 2020-03-14 in 女山湖镇 with 1 death, 0 serious injuries
/// and a direct loss of 3.2万元 (3,200,000 fen) is graded 一般.
public struct AccidentRecord: Hashable, Sendable {
    public var id: String
    public var provenance: Provenance
    public var date: LocalDate
    public var region: String
    public var sector: String
    public var deaths: Int
    public var seriousInjuries: Int
    /// Minor injuries; nil when unknown (the department does not export them, or left the cell empty).
    public var minorInjuries: Int?
    /// Direct economic loss (直接经济损失) in fen, exact; nil when unknown, never 0 for unknown.
    public var directLossFen: Int64?
    /// Inside the statistical scope only when `.operating`.
    public var scope: AccidentScope
    /// Persons missing (下落不明), apart from `deaths`; nil when unknown. Published with the
    /// deaths (死亡和下落不明) and graded with them.
    public var missing: Int? = nil
    /// Acute industrial poisoning (急性工业中毒), apart from `seriousInjuries`; nil when unknown.
    /// The grade counts them as serious injuries (重伤，包括急性工业中毒).
    public var acutePoisonings: Int? = nil
    /// Accident category (事故类别, GB 6441-86), canonical name; empty when not given.
    public var category = ""
    /// Time of day, `HH:MM`; empty when not given.
    public var time = ""
    /// The enterprise or unit where it happened; empty when not given.
    public var enterprise = ""
    /// Graded by what is known (条例 art. 3): deaths with the missing, serious injuries with acute
    /// industrial poisoning, direct loss; an unknown figure adds nothing.
    public var grade: SeverityGrade {
        SeverityGrade(deaths: deaths + (missing ?? 0), seriousInjuries: seriousInjuries + (acutePoisonings ?? 0),
                      directLossFen: directLossFen ?? 0)
    }

    /// What the department wrote in words (optional text columns).
    public var text = FreeText()

    public init(id: String, provenance: Provenance, date: LocalDate, region: String, sector: String,
                deaths: Int, seriousInjuries: Int, minorInjuries: Int?, directLossFen: Int64?, scope: AccidentScope = .operating) {
        self.id = id; self.provenance = provenance; self.date = date; self.region = region; self.sector = sector
        self.deaths = deaths; self.seriousInjuries = seriousInjuries; self.minorInjuries = minorInjuries
        self.directLossFen = directLossFen; self.scope = scope
    }
}

/// Hazard level (隐患等级).
public enum HazardLevel: String, Sendable, Hashable, CaseIterable {
    case general = "一般"
    case major = "重大"
}

/// An identified accident hazard (事故隐患) and its rectification (整改).
public struct HazardRecord: Hashable, Sendable {
    public var id: String
    public var provenance: Provenance
    public var foundDate: LocalDate
    public var region: String
    public var sector: String
    public var enterprise: String
    public var level: HazardLevel
    /// Date rectification was accepted; nil while open.
    public var rectifiedDate: LocalDate?
    public var deadline: LocalDate?
    /// Listed for supervision by the safety committee (挂牌督办).
    public var listed: Bool
    /// The listing batch (批次), empty when not listed.
    public var listingBatch: String

    /// What the department wrote in words (optional text columns).
    public var text = FreeText()

    public init(id: String, provenance: Provenance, foundDate: LocalDate, region: String, sector: String,
                enterprise: String, level: HazardLevel, rectifiedDate: LocalDate?, deadline: LocalDate?,
                listed: Bool, listingBatch: String) {
        self.id = id; self.provenance = provenance; self.foundDate = foundDate; self.region = region
        self.sector = sector; self.enterprise = enterprise; self.level = level
        self.rectifiedDate = rectifiedDate; self.deadline = deadline; self.listed = listed
        self.listingBatch = listingBatch
    }
}

/// What an enforcement decision imposed (执法处理措施).
public enum EnforcementAction: String, Sendable, Hashable, CaseIterable, Codable, CodingKeyRepresentable {
    case fine
    /// 责令停产停业整顿
    case suspension
    /// 关闭取缔
    case closure
    /// 暂扣或吊销证照
    case licenceSuspendedOrRevoked = "licence_suspended_or_revoked"
    /// 责令限期整改
    case rectificationOrder = "rectification_order"
}

/// One enforcement decision on one violation (违法违规行为).
public struct EnforcementRecord: Hashable, Sendable {
    public var id: String
    public var provenance: Provenance
    public var date: LocalDate
    public var region: String
    public var sector: String
    public var enterprise: String
    public var action: EnforcementAction
    /// Fine imposed in fen; zero when none; nil when a fine was imposed but its amount is unknown.
    public var fineFen: Int64?

    /// What the department wrote in words (optional text columns).
    public var text = FreeText()

    public init(id: String, provenance: Provenance, date: LocalDate, region: String, sector: String,
                enterprise: String, action: EnforcementAction, fineFen: Int64?) {
        self.id = id; self.provenance = provenance; self.date = date; self.region = region
        self.sector = sector; self.enterprise = enterprise; self.action = action; self.fineFen = fineFen
    }
}

/// One enterprise inspected by one inspection group sortie (检查组批次).
public struct InspectionRecord: Hashable, Sendable {
    public var id: String
    public var provenance: Provenance
    public var date: LocalDate
    public var region: String
    public var sector: String
    public var enterprise: String
    /// The inspection group sortie; groups are counted as distinct ids.
    public var groupID: String

    public init(id: String, provenance: Provenance, date: LocalDate, region: String, sector: String,
                enterprise: String, groupID: String) {
        self.id = id; self.provenance = provenance; self.date = date; self.region = region
        self.sector = sector; self.enterprise = enterprise; self.groupID = groupID
    }
}

/// An emergency drill (应急演练).
public struct DrillRecord: Hashable, Sendable {
    public var id: String
    public var provenance: Provenance
    public var date: LocalDate
    public var region: String
    public var name: String
    public var participants: Int
    /// Funds spent in fen; nil when unknown.
    public var fundsFen: Int64?
    /// A city-wide comprehensive drill (全市性综合演练).
    public var cityWide: Bool

    public init(id: String, provenance: Provenance, date: LocalDate, region: String, name: String,
                participants: Int, fundsFen: Int64?, cityWide: Bool) {
        self.id = id; self.provenance = provenance; self.date = date; self.region = region
        self.name = name; self.participants = participants; self.fundsFen = fundsFen; self.cityWide = cityWide
    }
}

/// A department's own summary of hazard work (隐患排查治理情况汇总): the counts it reports and
/// the rectification rate it states. Never counted into indicators (figures come from records);
/// kept so a stated rate that disagrees with its own counts is caught.
public struct HazardSummaryRecord: Hashable, Sendable {
    public var id: String
    public var provenance: Provenance
    public var periodStart: LocalDate
    public var periodEnd: LocalDate
    /// The region the row sums up; empty when it sums up a department.
    public var region: String
    /// The department the row sums up (部门); empty when it sums up a region.
    public var department: String
    public var identified: Int
    public var rectified: Int
    /// The rate as the department printed it, percent; nil where it printed none (only for 0 identified: 0/0 has no rate).
    public var statedRate: ExactDecimal?

    public init(id: String, provenance: Provenance, periodStart: LocalDate, periodEnd: LocalDate, region: String,
                department: String = "", identified: Int, rectified: Int, statedRate: ExactDecimal?) {
        self.id = id; self.provenance = provenance; self.periodStart = periodStart; self.periodEnd = periodEnd
        self.region = region; self.department = department
        self.identified = identified; self.rectified = rectified; self.statedRate = statedRate
    }
}

/// Any record of the common format.
public enum NormalizedRecord: Hashable, Sendable {
    case accident(AccidentRecord)
    case hazard(HazardRecord)
    case enforcement(EnforcementRecord)
    case inspection(InspectionRecord)
    case drill(DrillRecord)
    case hazardSummary(HazardSummaryRecord)

    public var kind: RecordKind {
        switch self {
        case .accident: .accident
        case .hazard: .hazard
        case .enforcement: .enforcement
        case .inspection: .inspection
        case .drill: .drill
        case .hazardSummary: .hazardSummary
        }
    }

    public var provenance: Provenance {
        switch self {
        case .accident(let r): r.provenance
        case .hazard(let r): r.provenance
        case .enforcement(let r): r.provenance
        case .inspection(let r): r.provenance
        case .drill(let r): r.provenance
        case .hazardSummary(let r): r.provenance
        }
    }
}
