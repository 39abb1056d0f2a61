import Foundation
import GRDB
import SQLiteStore

public struct StreamBinding: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "stream_bindings"
    public var vmID: String
    /// Decimal uint256.
    public var streamID: String
    public var boundAtMs: Int64
    public var finishedAtMs: Int64?

    enum CodingKeys: String, CodingKey {
        case vmID = "vm_id"
        case streamID = "stream_id"
        case boundAtMs = "bound_at_ms"
        case finishedAtMs = "finished_at_ms"
    }
}

/// Which stream pays for which VM. Finished bindings are kept: they are the record of earnings.
public struct StreamBindingStore: Sendable {
    let database: DatabasePool

    public init(path: String) throws {
        database = try SQLiteDatabase.open(path: path) { migrator in
            migrator.registerMigration("v1") { db in
                try db.create(table: "stream_bindings") { table in
                    table.primaryKey("vm_id", .text)
                    table.column("stream_id", .text).notNull().indexed()
                    table.column("bound_at_ms", .integer).notNull()
                    table.column("finished_at_ms", .integer)
                }
            }
        }
    }

    public func binding(vmID: String) throws -> StreamBinding? {
        try database.read { try StreamBinding.fetchOne($0, key: vmID) }
    }

    /// The live VM a stream pays for, if any (the gate's "one live VM per stream" rule).
    public func activeBinding(streamID: String) throws -> StreamBinding? {
        try database.read {
            try StreamBinding.filter(Column("stream_id") == streamID && Column("finished_at_ms") == nil).fetchOne($0)
        }
    }

    /// Adds bindings whose VM has none yet, in one transaction; answers how many were added.
    public func insertMissing(_ bindings: [StreamBinding]) throws -> Int {
        try database.write { db in
            var added = 0
            for binding in bindings where try StreamBinding.fetchOne(db, key: binding.vmID) == nil {
                try binding.insert(db)
                added += 1
            }
            return added
        }
    }

    public func save(_ binding: StreamBinding) throws {
        try database.write { try binding.save($0) }
    }

    /// Marks the VM's binding finished; answers false when the VM had none (or it was already finished).
    public func finish(vmID: String, at time: Int64) throws -> Bool {
        try database.write { db in
            guard var binding = try StreamBinding.fetchOne(db, key: vmID), binding.finishedAtMs == nil else { return false }
            binding.finishedAtMs = time
            try binding.save(db)
            return true
        }
    }
}
