import Foundation
import GRDB
import SQLiteStore

public struct PortMappingRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "port_mappings"
    public var vmID: String
    public var publicPort: Int
    public var targetHost: String
    public var targetPort: Int
    public var createdAtMs: Int64

    enum CodingKeys: String, CodingKey {
        case vmID = "vm_id"
        case publicPort = "public_port"
        case targetHost = "target_host"
        case targetPort = "target_port"
        case createdAtMs = "created_at_ms"
    }
}

/// ProxyService's SQLite database: which public port belongs to which VM, and where it forwards.
public struct PortMappingStore: Sendable {
    let database: DatabasePool

    public init(path: String) throws {
        database = try SQLiteDatabase.open(path: path) { migrator in
            migrator.registerMigration("v1") { db in
                try db.create(table: "port_mappings") { table in
                    table.primaryKey("vm_id", .text)
                    table.column("public_port", .integer).notNull().unique()
                    table.column("target_host", .text).notNull()
                    table.column("target_port", .integer).notNull()
                    table.column("created_at_ms", .integer).notNull()
                }
            }
            migrator.registerMigration("v2-verified-ports") { db in
                try db.create(table: "verified_port_policy") { table in
                    table.primaryKey("id", .integer).check { $0 == 1 }
                    table.column("enforce", .boolean).notNull()
                    table.column("ports_json", .text).notNull()
                }
            }
        }
    }

    /// nil until a port check has set a policy (then every port of the range may be handed out).
    public func verifiedPortPolicy() throws -> VerifiedPortPolicy? {
        try database.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT enforce, ports_json FROM verified_port_policy WHERE id = 1") else {
                return nil
            }
            let ports = try JSONDecoder().decode([Int].self, from: Data((row["ports_json"] as String).utf8))
            return VerifiedPortPolicy(enforce: row["enforce"], ports: Set(ports))
        }
    }

    public func saveVerifiedPortPolicy(_ policy: VerifiedPortPolicy) throws {
        let json = String(decoding: try JSONEncoder().encode(policy.ports.sorted()), as: UTF8.self)
        try database.write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO verified_port_policy (id, enforce, ports_json) VALUES (1, ?, ?)",
                arguments: [policy.enforce, json])
        }
    }

    public func all() throws -> [PortMappingRecord] {
        try database.read { try PortMappingRecord.order(Column("public_port")).fetchAll($0) }
    }

    public func save(_ record: PortMappingRecord) throws {
        try database.write { try record.save($0) }
    }

    @discardableResult
    public func delete(vmID: String) throws -> Bool {
        try database.write { try PortMappingRecord.deleteOne($0, key: vmID) }
    }
}

/// Which ports an external reachability check reached; when enforced, only those are handed to new VMs.
public struct VerifiedPortPolicy: Sendable, Equatable {
    public var enforce: Bool
    public var ports: Set<Int>

    public func allows(_ port: Int) -> Bool { !enforce || ports.contains(port) }
}
