import SafetyCore
import SafetyIO

/// Which periods a run computes: the pipeline's (report period, campaigns, extra periods), or the
/// ones named on the command line together with the campaigns that overlap them.
public enum PeriodSelection {
    public static func periods(_ names: [String], pipeline: LoadedPipeline) throws -> [ReportingPeriod] {
        do {
            if names.isEmpty { return try pipeline.config.reportingPeriods() }
            var result: [ReportingPeriod] = []
            for name in names {
                let period = try pipeline.config.period(named: name)
                if !result.contains(period) { result.append(period) }
            }
            for campaign in pipeline.config.campaigns {
                let period = try pipeline.config.period(named: campaign.name)
                if result.contains(where: { $0.start <= period.end && period.start <= $0.end }), !result.contains(period) {
                    result.append(period)
                }
            }
            return result
        } catch {
            throw IngestFailure.configuration(file: pipeline.path, problems: [error.description])
        }
    }
}
