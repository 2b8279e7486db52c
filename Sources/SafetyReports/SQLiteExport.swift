import CSQLite
import Foundation
import SafetyCore
import SafetyIO

/// safety.sqlite: the normalised records (one table per kind, typed from the data package's
/// Table Schemas), the indicators, and views for the common questions, so a clerk can open it in
/// DB Browser for SQLite or a BI tool. Built in a temporary file in one transaction and renamed
/// over the old database, so readers see the old file or the new one, never a half-built one.
public enum SQLiteExport {
    /// Views: names and their SQL.
    public static let views: [(String, String)] = [
        ("accidents_by_sector", """
         SELECT sector, substr(date, 1, 4) AS year, scope, COUNT(*) AS accidents, SUM(deaths) AS deaths,
                SUM(serious_injuries) AS serious_injuries, SUM(direct_loss_wan_yuan) AS direct_loss_wan_yuan
         FROM accident GROUP BY sector, year, scope
         """),
        ("accidents_by_region", """
         SELECT region, substr(date, 1, 4) AS year, scope, COUNT(*) AS accidents, SUM(deaths) AS deaths,
                SUM(serious_injuries) AS serious_injuries
         FROM accident GROUP BY region, year, scope
         """),
        ("accidents_by_month", """
         SELECT substr(date, 1, 7) AS month, scope, COUNT(*) AS accidents, SUM(deaths) AS deaths,
                SUM(serious_injuries) AS serious_injuries
         FROM accident GROUP BY month, scope
         """),
        ("hazards_by_month", """
         SELECT substr(found_date, 1, 7) AS month, COUNT(*) AS identified,
                SUM(rectified_date IS NOT NULL AND rectified_date <> '') AS rectified
         FROM hazard GROUP BY month
         """),
        ("indicators_by_sector", """
         SELECT period, sector, indicator, value, previous_value, change, unit FROM indicators
         WHERE sector IS NOT NULL AND scope IS NULL
         """),
        ("indicators_by_region", """
         SELECT period, region, indicator, value, previous_value, change, unit FROM indicators
         WHERE region IS NOT NULL AND scope IS NULL
         """),
        ("indicators_by_month", """
         SELECT period, month, indicator, value, previous_value, change, unit FROM indicators
         WHERE month IS NOT NULL AND scope IS NULL
         """),
    ]

    /// `period` is the one the database's lists (`WorkLists`) are drawn up for, in `report_period`.
    public static func write(table: IndicatorTable, normalized: String, period: ReportingPeriod, to path: String) throws {
        let resources = try schemas(normalized + "/datapackage.json")
        try AtomicFile.produce(path) { temporary in
            var handle: OpaquePointer?
            guard sqlite3_open_v2(temporary, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nil) == SQLITE_OK, let db = handle else {
                sqlite3_close(handle)
                throw IngestFailure.outputNotWritable(path: path, reason: "sqlite cannot create the database")
            }
            defer { sqlite3_close(db) }
            let database = Database(db: db, path: path)
            try database.exec("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; BEGIN")
            for (name, fields) in resources {
                try database.load(table: name, fields: fields, csv: normalized + "/" + name + ".csv")
            }
            try database.load(table: "indicators", fields: IndicatorRow.columns.map { ($0, IndicatorRow.numericColumns.contains($0) ? "number" : "string") },
                              rows: table.rows.map(\.fields))
            try database.load(table: "report_period", fields: [("period", "string"), ("period_start", "string"), ("period_end", "string")],
                              rows: [[period.name, period.start.description, period.end.description]])
            for (name, sql) in views { try database.exec("CREATE VIEW \(name) AS \(sql)") }
            for list in WorkLists.all { try database.exec("CREATE VIEW \(list.view) AS \(list.sql)") }
            try database.exec("COMMIT")
        }
    }

    /// Opens a database read-only for `body`.
    static func reading<T>(_ path: String, _ body: (Database) throws -> T) throws -> T {
        var handle: OpaquePointer?
        guard sqlite3_open_v2(path, &handle, SQLITE_OPEN_READONLY, nil) == SQLITE_OK, let db = handle else {
            sqlite3_close(handle)
            throw IngestFailure.configuration(file: path, problems: ["cannot open the database (write safety.sqlite first)"])
        }
        defer { sqlite3_close(db) }
        return try body(Database(db: db, path: path))
    }

    /// Kind name → (field, Table Schema type), from datapackage.json.
    static func schemas(_ path: String) throws -> [(String, [(String, String)])] {
        guard let data = FileManager.default.contents(atPath: path),
              let package = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let resources = package["resources"] as? [[String: Any]] else {
            throw IngestFailure.corruptNormalizedData(message: "\(path): not a data package")
        }
        return try resources.map { resource in
            guard let name = resource["name"] as? String, name.allSatisfy({ $0.isLetter || $0 == "_" }),
                  let schema = resource["schema"] as? [String: Any], let fields = schema["fields"] as? [[String: Any]] else {
                throw IngestFailure.corruptNormalizedData(message: "\(path): a resource without a name or schema")
            }
            return (name, fields.map { ($0["name"] as? String ?? "", $0["type"] as? String ?? "string") })
        }
    }

    struct Database {
        let db: OpaquePointer
        let path: String

        func fail(_ what: String) -> IngestFailure {
            IngestFailure.outputNotWritable(path: path, reason: "\(what): \(String(cString: sqlite3_errmsg(db)))")
        }

        /// The rows of a query as texts (nil for NULL).
        func query(_ sql: String) throws -> [[String?]] {
            var rows: [[String?]] = []
            try forEachRow(sql) { rows.append($0) }
            return rows
        }

        /// The rows of a query one at a time, as texts (nil for NULL): nothing is held but the row.
        func forEachRow(_ sql: String, _ body: ([String?]) throws -> Void) throws {
            var statement: OpaquePointer?
            guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK, let statement else { throw fail("query") }
            defer { sqlite3_finalize(statement) }
            while true {
                let step = sqlite3_step(statement)
                if step == SQLITE_DONE { break }
                guard step == SQLITE_ROW else { throw fail("query") }
                try body((0..<sqlite3_column_count(statement)).map { i in
                    sqlite3_column_text(statement, i).map { String(cString: $0) }
                })
            }
        }

        func exec(_ sql: String) throws {
            guard sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK else { throw fail("sqlite") }
        }

        static func quoted(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

        static func column(_ type: String) -> String {
            switch type {
            case "integer": "INTEGER"
            case "number": "NUMERIC"
            default: "TEXT"
            }
        }

        func create(_ table: String, _ fields: [(String, String)]) throws -> OpaquePointer {
            try exec("CREATE TABLE \(Database.quoted(table)) (" + fields.map { "\(Database.quoted($0.0)) \(Database.column($0.1))" }
                .joined(separator: ", ") + ")")
            let sql = "INSERT INTO \(Database.quoted(table)) VALUES (" + fields.map { _ in "?" }.joined(separator: ", ") + ")"
            var statement: OpaquePointer?
            guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK, let statement else { throw fail("prepare \(table)") }
            return statement
        }

        /// Empty text is NULL; integers and numbers go in as text and take the column's affinity.
        func insert(_ statement: OpaquePointer, _ values: [String], _ fields: [(String, String)]) throws {
            sqlite3_reset(statement)
            for i in fields.indices {
                let value = i < values.count ? values[i] : ""
                if value.isEmpty {
                    sqlite3_bind_null(statement, Int32(i + 1))
                } else {
                    sqlite3_bind_text(statement, Int32(i + 1), value, -1, unsafeBitCast(-1, to: sqlite3_destructor_type.self))
                }
            }
            guard sqlite3_step(statement) == SQLITE_DONE else { throw fail("insert") }
        }

        func load(table: String, fields: [(String, String)], csv: String) throws {
            let statement = try create(table, fields)
            defer { sqlite3_finalize(statement) }
            var header = true
            try CSVFile.forEachRow(path: csv) { row, _ in
                if header {
                    guard row == fields.map(\.0) else {
                        throw IngestFailure.corruptNormalizedData(message: "\(csv): header differs from datapackage.json")
                    }
                    header = false
                } else {
                    try insert(statement, row, fields)
                }
            }
        }

        func load(table: String, fields: [(String, String)], rows: [[String]]) throws {
            let statement = try create(table, fields)
            defer { sqlite3_finalize(statement) }
            for row in rows { try insert(statement, row, fields) }
        }
    }
}
