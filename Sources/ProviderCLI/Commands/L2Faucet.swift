import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore

/// The faucet flow of reference 7.7: a proof-of-work CAPTCHA (`<captcha>/<key>/api/challenge` gives salts and hex
/// targets; the answer to each is the smallest nonce whose sha256(salt + nonce) starts with the target's bytes),
/// redeemed for a token (`/api/redeem`), which the faucet takes with the address (`<faucet>/api/faucet`).
struct L2Faucet {
    let faucetURL: String
    let captchaURL: String
    let apiKey: String
    var timeout: TimeAmount = .seconds(30)

    func request(for address: String) async throws -> String {
        let base = "\(captchaURL.trimmingSuffix("/"))/\(apiKey)"
        let challenge = try await post("\(base)/api/challenge", [:])
        guard let pairs = challenge["challenge"] as? [[Any]], let token = challenge["token"] as? String else {
            throw FaucetError("the CAPTCHA server answered without challenge and token")
        }
        var solutions: [[Any]] = []
        for pair in pairs {
            guard pair.count >= 2, let salt = pair[0] as? String, let target = pair[1] as? String else {
                throw FaucetError("a CAPTCHA challenge is not [salt, target]")
            }
            solutions.append([salt, target, try Self.solve(salt: salt, target: target)])
        }
        let redeemed = try await post("\(base)/api/redeem", ["token": token, "solutions": solutions])
        guard let captchaToken = redeemed["token"] as? String else { throw FaucetError("the CAPTCHA server did not redeem the solutions") }
        let answer = try await post("\(faucetURL.trimmingSuffix("/"))/api/faucet", ["address": address, "captchaToken": captchaToken])
        guard let hash = (answer["txHash"] ?? answer["tx"] ?? answer["hash"]) as? String else {
            throw FaucetError("the faucet answered without a transaction hash: \(answer)")
        }
        return hash
    }

    /// The smallest nonce whose sha256(salt + decimal nonce) starts with the target's bytes (hex; an odd last
    /// digit matches the high nibble).
    static func solve(salt: String, target: String, limit: Int = 50_000_000) throws -> Int {
        let nibbles = target.lowercased().compactMap { $0.hexDigitValue }
        guard nibbles.count == target.count, !nibbles.isEmpty else { throw FaucetError("CAPTCHA target \(target) is not hex") }
        let prefix = Array(salt.utf8)
        for nonce in 0..<limit {
            let digest = Array(SHA256.hash(data: prefix + Array(String(nonce).utf8)))
            var matches = true
            for (index, nibble) in nibbles.enumerated() {
                let byte = digest[index / 2]
                if (index % 2 == 0 ? byte >> 4 : byte & 0x0F) != nibble { matches = false; break }
            }
            if matches { return nonce }
        }
        throw FaucetError("no CAPTCHA solution below \(limit) for target \(target)")
    }

    private func post(_ url: String, _ body: [String: Any]) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        let response = try await HTTPClient.shared.execute(request, timeout: timeout)
        let data = try await response.body.collect(upTo: 1 << 20)
        guard (200..<300).contains(response.status.code) else {
            throw FaucetError("\(url) answered \(response.status.code): \(String(buffer: data).prefix(200))")
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(data.readableBytesView)) as? [String: Any] else {
            throw FaucetError("\(url) did not answer a JSON object")
        }
        return object
    }
}

struct FaucetError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }
}
