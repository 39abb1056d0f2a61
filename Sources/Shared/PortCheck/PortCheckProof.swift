import Crypto
import Foundation

/// The challenge that proves a port reaches the provider's own listener, not just any TCP handshake.
///
/// The provider sends a fresh random key with its `/check-ports` request. For each port, the checker connects
/// and writes `GOLEM-PORT-CHECK/1 <nonce>\n` (a fresh nonce per port); the provider's listener answers
/// `<hex HMAC-SHA256(key, nonce)>\n`. A middlebox that completes handshakes for any port, or another service
/// on the port, cannot answer: it never saw the key, and a recorded answer is useless for the next nonce.
public enum PortCheckProof {
    public static let prefix = "GOLEM-PORT-CHECK/1 "
    /// Longest line either side accepts (the challenge is 83 bytes, the answer 65).
    public static let maxLineBytes = 256

    /// 32 random bytes, hex: used for keys and nonces.
    public static func randomHex() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    public static func challenge(nonce: String) -> String { prefix + nonce + "\n" }

    /// The nonce of a challenge line (without its newline), or nil when the line is not a challenge.
    public static func nonce(inChallenge line: Substring) -> Substring? {
        guard line.hasPrefix(prefix) else { return nil }
        let nonce = line.dropFirst(prefix.count)
        return (1...128).contains(nonce.count) && nonce.allSatisfy(\.isHexDigit) ? nonce : nil
    }

    public static func answer(key: String, nonce: some StringProtocol) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(nonce.utf8), using: SymmetricKey(data: Data(key.utf8)))
        return mac.map { String(format: "%02x", $0) }.joined()
    }

    public static func isValid(answer: some StringProtocol, key: String, nonce: String) -> Bool {
        ConstantTime.equal(Self.answer(key: key, nonce: nonce), answer)
    }
}

/// Comparing secrets without an early exit, so timing does not leak how much of a guess was right.
public enum ConstantTime {
    public static func equal(_ a: some StringProtocol, _ b: some StringProtocol) -> Bool {
        let left = Array(a.utf8), right = Array(b.utf8)
        guard left.count == right.count else { return false }
        return zip(left, right).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
