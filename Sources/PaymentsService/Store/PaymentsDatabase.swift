import GRDB
import SQLiteStore

/// golem-payments' one SQLite file: the VM ↔ stream bindings and the withdrawal ledger.
enum PaymentsDatabase {
    static func open(path: String) throws -> DatabasePool {
        try SQLiteDatabase.open(path: path) { migrator in
            migrator.registerMigration("v1") { db in
                try db.create(table: "stream_bindings") { table in
                    table.primaryKey("vm_id", .text)
                    table.column("stream_id", .text).notNull().indexed()
                    table.column("bound_at_ms", .integer).notNull()
                    table.column("finished_at_ms", .integer)
                }
            }
            migrator.registerMigration("v2-monitor-and-ledger") { db in
                try db.alter(table: "stream_bindings") { table in
                    table.add(column: "finish_reason", .text)
                    table.add(column: "vm_stopped_at_ms", .integer)
                    table.add(column: "vm_stopped_chain_time", .integer)
                    table.add(column: "vm_deleted_at_ms", .integer)
                    table.add(column: "last_withdraw_at", .integer)
                }
                try db.create(table: "withdrawals") { table in
                    table.autoIncrementedPrimaryKey("id")
                    table.column("vm_id", .text).notNull().indexed()
                    table.column("stream_id", .text).notNull()
                    table.column("tx_hash", .text)
                    table.column("amount_wei", .text).notNull()
                    table.column("fee_wei", .text).notNull()
                    table.column("status", .text).notNull()
                    table.column("error", .text)
                    table.column("initiator", .text).notNull()
                    table.column("at_ms", .integer).notNull()
                }
            }
        }
    }
}
