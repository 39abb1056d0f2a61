import Foundation
import GRDB

/// One withdrawal attempt as the ledger keeps it: what was asked, what it cost, how it ended.
struct WithdrawalRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "withdrawals"

    enum Status: String, Codable, Sendable {
        case confirmed, reverted, failed, pending
    }

    var id: Int64?
    var vmID: String
    var streamID: String
    var txHash: String?
    /// Decimal wei: paid (confirmed), else what was due when it was sent.
    var amountWei: String
    var feeWei: String
    var status: Status
    var error: String?
    /// "monitor" or "operator".
    var initiator: String
    var atMs: Int64

    enum CodingKeys: String, CodingKey {
        case id, status, error, initiator
        case vmID = "vm_id"
        case streamID = "stream_id"
        case txHash = "tx_hash"
        case amountWei = "amount_wei"
        case feeWei = "fee_wei"
        case atMs = "at_ms"
    }

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// Every withdrawal the provider sent or tried, kept for the operator's books.
struct WithdrawalLedger: Sendable {
    let database: DatabasePool

    @discardableResult
    func record(_ record: WithdrawalRecord) throws -> WithdrawalRecord {
        var record = record
        try database.write { try record.insert($0) }
        return record
    }

    /// Inserts a new record or updates a booked one.
    @discardableResult
    func save(_ record: WithdrawalRecord) throws -> WithdrawalRecord {
        var record = record
        try database.write { try record.save($0) }
        return record
    }

    func pending() throws -> [WithdrawalRecord] {
        try database.read { try WithdrawalRecord.filter(Column("status") == WithdrawalRecord.Status.pending.rawValue).fetchAll($0) }
    }

    func all() throws -> [WithdrawalRecord] {
        try database.read { try WithdrawalRecord.order(Column("at_ms"), Column("id")).fetchAll($0) }
    }
}
