import Hummingbird
import Synchronization

/// The encoded `GET /api/v1/vms` answer for one catalog version: the list is encoded once per change,
/// not once per request.
final class EncodedListCache: Sendable {
    private let cached = Mutex<(version: UInt64, body: ByteBuffer)?>(nil)

    func body(version: UInt64) -> ByteBuffer? {
        cached.withLock { entry in entry.flatMap { $0.version == version ? $0.body : nil } }
    }

    func store(_ body: ByteBuffer, version: UInt64) {
        cached.withLock { entry in
            if entry.map({ $0.version < version }) ?? true { entry = (version, body) }
        }
    }
}
