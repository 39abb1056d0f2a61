import Foundation
import GRDB
import SQLiteStore

/// VMService's SQLite database (WAL): VM records and creation jobs.
public struct VMStore: Sendable {
    let database: DatabasePool

    public init(path: String) throws {
        database = try SQLiteDatabase.open(path: path, migrations: Self.register)
    }

    static func register(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v1") { db in
            try db.create(table: "vms") { table in
                table.primaryKey("id", .text)
                table.column("hypervisor_name", .text).notNull().unique()
                table.column("state", .text).notNull()
                table.column("cpu", .integer).notNull()
                table.column("memory_gb", .integer).notNull()
                table.column("storage_gb", .integer).notNull()
                table.column("image", .text).notNull()
                table.column("ssh_public_key", .text).notNull()
                table.column("ip_address", .text)
                table.column("ssh_host", .text)
                table.column("ssh_port", .integer)
                table.column("error_message", .text)
                table.column("created_at_ms", .integer).notNull()
                table.column("updated_at_ms", .integer).notNull()
            }
            try db.create(table: "jobs") { table in
                table.primaryKey("job_id", .text)
                table.column("vm_id", .text).notNull().indexed()
                table.column("status", .text).notNull()
                table.column("error", .text)
                table.column("created_at_ms", .integer).notNull()
                table.column("updated_at_ms", .integer).notNull()
            }
        }
    }

    public func vm(_ id: String) throws -> VMRecord? {
        try database.read { try VMRecord.fetchOne($0, key: id) }
    }

    public func vms() throws -> [VMRecord] {
        try database.read { try VMRecord.order(Column("created_at_ms"), Column("id")).fetchAll($0) }
    }

    public func job(_ id: String) throws -> JobRecord? {
        try database.read { try JobRecord.fetchOne($0, key: id) }
    }

    public func jobs(status: JobRecord.Status) throws -> [JobRecord] {
        try database.read { try JobRecord.filter(Column("status") == status.rawValue).fetchAll($0) }
    }

    /// Inserts a new VM and its job together; the name check and `admit` (which sees every live VM) run in the
    /// same transaction, so two creations racing for the last resources cannot both pass.
    func insertCreation(_ vm: VMRecord, _ job: JobRecord, admit: ([VMRecord]) throws -> Void) throws {
        try database.write { db in
            if try VMRecord.fetchOne(db, key: vm.id) != nil { throw VMServiceError.alreadyExists(vmID: vm.id) }
            try admit(try VMRecord.fetchAll(db))
            try vm.insert(db)
            try job.insert(db)
        }
    }

    public func save(_ vm: VMRecord) throws {
        try database.write { try vm.save($0) }
    }

    public func save(_ job: JobRecord) throws {
        try database.write { try job.save($0) }
    }

    @discardableResult
    public func deleteVM(_ id: String) throws -> Bool {
        try database.write { try VMRecord.deleteOne($0, key: id) }
    }
}
