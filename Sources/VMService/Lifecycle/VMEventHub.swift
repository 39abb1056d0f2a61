import Shared

public enum VMChange: Sendable, Equatable {
    case updated(VMRecord)
    case deleted(VMRecord)
}

/// The VM changes every Watch caller receives.
public typealias VMEventHub = EventHub<VMChange>
