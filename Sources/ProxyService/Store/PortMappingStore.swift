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
