import NIOCore
import Shared

/// Who may be probed. Not an open scanner: by default a caller can only probe its own address; another
/// address needs the checker's token; private, loopback and link-local addresses need a setting.
struct TargetPolicy: Sendable {
    let token: String?
    let allowPrivateTargets: Bool

    enum Decision: Equatable {
        case probe(host: String)
        case refuse(status: Int, detail: String)
    }

    func target(requested: String?, peer: String?, presentedToken: String?) -> Decision {
        guard let peer = peer.flatMap(IPAddressClass.normalized) else {
            return .refuse(status: 400, detail: "cannot tell the address this request came from")
        }
        var host = peer
        if let requested, !requested.isEmpty {
            guard let wanted = IPAddressClass.normalized(requested) else {
                return .refuse(status: 422, detail: "provider_ip '\(requested.prefix(64))' is not an IPv4 or IPv6 address")
            }
            if wanted != peer {
                guard let token, let presentedToken, ConstantTime.equal(token, presentedToken) else {
                    return .refuse(status: 403, detail:
                        "this checker only probes the address a request comes from (\(peer)); probing \(wanted) needs the checker's token in X-Port-Check-Token")
                }
            }
            host = wanted
        }
        if !allowPrivateTargets, IPAddressClass.isNonPublic(host) {
            return .refuse(status: 400, detail:
                "\(host) is a private, loopback or link-local address; this checker probes public addresses only (PORT_CHECKER_ALLOW_PRIVATE_TARGETS)")
        }
        return .probe(host: host)
    }
}

/// IP address parsing and classification.
enum IPAddressClass {
    /// The canonical text of an IPv4 or IPv6 address (IPv4-mapped IPv6 becomes IPv4), or nil.
    static func normalized(_ text: String) -> String? {
        let trimmed = text.hasPrefix("[") && text.hasSuffix("]") ? String(text.dropFirst().dropLast()) : text
        guard let address = try? SocketAddress(ipAddress: trimmed, port: 0) else { return nil }
        if case .v6 = address, let bytes = bytes(of: address), bytes.count == 16,
           bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff {
            return bytes[12...].map(String.init).joined(separator: ".")
        }
        return address.ipAddress
    }

    static func isNonPublic(_ text: String) -> Bool {
        guard let address = try? SocketAddress(ipAddress: text, port: 0), let b = bytes(of: address) else { return true }
        if b.count == 4 {
            return b[0] == 0 || b[0] == 10 || b[0] == 127 || (b[0] == 169 && b[1] == 254)
                || (b[0] == 172 && (16...31).contains(b[1])) || (b[0] == 192 && b[1] == 168)
                || (b[0] == 100 && (64...127).contains(b[1])) || b[0] >= 224
        }
        let unspecifiedOrLoopback = b[0..<15].allSatisfy { $0 == 0 } && (b[15] == 0 || b[15] == 1)
        return unspecifiedOrLoopback || (b[0] == 0xfe && b[1] & 0xc0 == 0x80) || b[0] & 0xfe == 0xfc || b[0] == 0xff
    }

    private static func bytes(of address: SocketAddress) -> [UInt8]? {
        switch address {
        case .v4(let v4):
            return withUnsafeBytes(of: v4.address.sin_addr) { Array($0) }
        case .v6(let v6):
            return withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
        default:
            return nil
        }
    }
}
