import Foundation
import GRDB
import SQLiteStore

public struct StreamBinding: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "stream_bindings"
    public var vmID: String
    /// Decimal uint256.
    public var streamID: String
    public var boundAtMs: Int64
    /// Set when the binding ended: the stream ran out (the VM was stopped) or the VM was deleted.
    public var finishedAtMs: Int64?
    public var finishReason: String? = nil
    /// Set when the monitor stopped the VM; it is deleted a grace period later.
    public var vmStoppedAtMs: Int64? = nil
    /// The chain's time at that stop: the grace period runs in chain time, like the stream itself.
    public var vmStoppedChainTime: Int64? = nil
    public var vmDeletedAtMs: Int64? = nil
    /// Chain time (seconds) of the last withdrawal the monitor sent for this binding (throttle).
    public var lastWithdrawAt: Int64? = nil

    enum CodingKeys: String, CodingKey {
        case vmID = "vm_id"
        case streamID = "stream_id"
        case boundAtMs = "bound_at_ms"
        case finishedAtMs = "finished_at_ms"
        case finishReason = "finish_reason"
        case vmStoppedAtMs = "vm_stopped_at_ms"
        case vmStoppedChainTime = "vm_stopped_chain_time"
        case vmDeletedAtMs = "vm_deleted_at_ms"
        case lastWithdrawAt = "last_withdraw_at"
    }

    /// The monitor still watches it: its stream pays for a VM that exists.
    var isLive: Bool { finishedAtMs == nil }
    /// The monitor stopped its VM and will delete it after the grace period.
    var awaitsDeletion: Bool { vmStoppedAtMs != nil && vmDeletedAtMs == nil }
}

/// Which stream pays for which VM. Finished bindings are kept: they are the record of earnings.
public struct StreamBindingStore: Sendable {
    let database: DatabasePool

    public init(database: DatabasePool) { self.database = database }

    public func binding(vmID: String) throws -> StreamBinding? {
        try database.read { try StreamBinding.fetchOne($0, key: vmID) }
    }

    public func all() throws -> [StreamBinding] {
        try database.read { try StreamBinding.order(Column("bound_at_ms"), Column("vm_id")).fetchAll($0) }
    }

    /// What the monitor looks at each tick: live bindings, and stopped VMs waiting for deletion.
    public func watched() throws -> [StreamBinding] {
        try database.read {
            try StreamBinding.filter(Column("finished_at_ms") == nil || (Column("vm_stopped_at_ms") != nil && Column("vm_deleted_at_ms") == nil))
                .order(Column("vm_id")).fetchAll($0)
        }
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

    public enum BindOutcome: Equatable, Sendable {
        case bound(StreamBinding)
        /// The stream already pays for this other live VM.
        case streamTaken(byVM: String)
    }

    /// Binds in one transaction, so two creates racing for one stream cannot both win. Rebinding the same VM to
    /// the same stream is idempotent (a retried call).
    public func bind(vmID: String, streamID: String, at time: Int64) throws -> BindOutcome {
        try database.write { db in
            if let other = try StreamBinding.filter(Column("stream_id") == streamID && Column("finished_at_ms") == nil).fetchOne(db),
               other.vmID != vmID {
                return .streamTaken(byVM: other.vmID)
            }
            if let existing = try StreamBinding.fetchOne(db, key: vmID), existing.streamID == streamID, existing.isLive {
                return .bound(existing)
            }
            let binding = StreamBinding(vmID: vmID, streamID: streamID, boundAtMs: time, finishedAtMs: nil)
            try binding.save(db)
            return .bound(binding)
        }
    }

    /// Marks the VM's binding finished; answers false when the VM had none (or it was already finished).
    public func finish(vmID: String, at time: Int64, reason: String = "VM deleted", vmDeleted: Bool = true) throws -> Bool {
        try database.write { db in
            guard var binding = try StreamBinding.fetchOne(db, key: vmID) else { return false }
            let wasLive = binding.isLive
            if wasLive {
                binding.finishedAtMs = time
                binding.finishReason = reason
            }
            if vmDeleted, binding.vmDeletedAtMs == nil { binding.vmDeletedAtMs = time }
            try binding.save(db)
            return wasLive
        }
    }

    /// The monitor stopped the VM because its stream ended.
    func markStopped(vmID: String, reason: String, at time: Int64, chainTime: UInt64) throws {
        try database.write { db in
            guard var binding = try StreamBinding.fetchOne(db, key: vmID) else { return }
            binding.finishedAtMs = binding.finishedAtMs ?? time
            binding.finishReason = binding.finishReason ?? reason
            binding.vmStoppedAtMs = time
            binding.vmStoppedChainTime = Int64(clamping: chainTime)
            try binding.save(db)
        }
    }

    func markDeleted(vmID: String, at time: Int64) throws {
        try database.write { db in
            guard var binding = try StreamBinding.fetchOne(db, key: vmID) else { return }
            binding.vmDeletedAtMs = time
            try binding.save(db)
        }
    }

    func markWithdrawn(vmID: String, chainTime: UInt64) throws {
        try database.write { db in
            guard var binding = try StreamBinding.fetchOne(db, key: vmID) else { return }
            binding.lastWithdrawAt = Int64(clamping: chainTime)
            try binding.save(db)
        }
    }
}
