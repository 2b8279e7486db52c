import Foundation
import Logging
import SafetyIO

/// Log output for every executable, through swift-log: human lines by default (info to stdout,
/// warnings and errors to stderr as `tool: message`), or one JSON object per line on stderr
/// when `LOG_FORMAT=json`, for log collectors and the nightly log file.
public enum SafetyLog {
    nonisolated(unsafe) private static var bootstrapped = false

    public static func bootstrap(quiet: Bool) {
        guard !bootstrapped else { return }
        bootstrapped = true
        let json = ProcessInfoEnvironment.value("LOG_FORMAT") == "json"
        LoggingSystem.bootstrap { label in
            var handler = LineLogHandler(label: label, json: json)
            handler.logLevel = quiet ? .warning : .info
            return handler
        }
    }
}

struct LineLogHandler: LogHandler {
    let label: String
    let json: Bool
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String,
             file: String, function: String, line: UInt) {
        let all = metadata.merging(explicit ?? [:]) { $1 }
        if json {
            var object: [String: String] = ["time": ISO8601DateFormatter().string(from: Date()), "level": level.rawValue,
                                            "tool": label, "message": message.description]
            for (key, value) in all { object[key] = value.description }
            let keys = ["time", "level", "tool", "message"] + object.keys.filter { !["time", "level", "tool", "message"].contains($0) }.sorted()
            let text = "{" + keys.map { "\"\($0)\": \(JSONText.string(object[$0]!))" }.joined(separator: ", ") + "}\n"
            FileHandle.standardError.write(Data(text.utf8))
        } else if level >= .warning {
            FileHandle.standardError.write(Data("\(label): \(message)\n".utf8))
        } else {
            FileHandle.standardOutput.write(Data("\(message)\n".utf8))
        }
    }
}

enum ProcessInfoEnvironment {
    static func value(_ name: String) -> String? { ProcessInfo.processInfo.environment[name] }
}
