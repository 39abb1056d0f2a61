import Ethereum
import Foundation
import Shared

/// Where the provider is paid: the StreamPayment contract and the token on the payments network, found as the
/// original finds them (reference 7.8): the setting, else `<network base>.json` in `GOLEM_DEPLOYMENTS_DIR`, else
/// the packaged copy (l2 only). Unlike the original, a selected network without a deployment is an error at start,
/// never a silent "payments off" (which would give VMs away); only an explicit zero address turns payments off.
struct PaymentsDeployment: Sendable, Equatable {
    let streamPayment: Address
    let token: Address
    /// Where the addresses came from, for the log and for error messages.
    let source: String

    var paymentsEnabled: Bool { !streamPayment.isZero }

    struct Inputs: Sendable {
        var network: String
        var streamPaymentAddress: String? = nil
        var glmTokenAddress: String? = nil
        var deploymentsDirectory: String? = nil
        var packagedDirectory: String? = nil
    }

    /// `l2.holesky` → `l2`; `a.b` → `a`; empty → `l2`.
    static func baseName(_ network: String) -> String {
        network.isEmpty ? "l2" : String(network.split(separator: ".").first ?? "l2")
    }

    static func resolve(_ inputs: Inputs) throws(DeploymentError) -> PaymentsDeployment {
        if let explicit = inputs.streamPaymentAddress {
            let contract = try address(explicit, setting: "GOLEM_PROVIDER_STREAM_PAYMENT_ADDRESS")
            let token = try inputs.glmTokenAddress.map { (text: String) throws(DeploymentError) in
                try address(text, setting: "GOLEM_PROVIDER_GLM_TOKEN_ADDRESS")
            } ?? .zero
            return PaymentsDeployment(streamPayment: contract, token: token, source: "GOLEM_PROVIDER_STREAM_PAYMENT_ADDRESS")
        }
        let base = baseName(inputs.network)
        let candidates = [inputs.deploymentsDirectory, inputs.packagedDirectory].compactMap { $0 }.map { "\($0)/\(base).json" }
        guard let file = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw .missing(network: inputs.network, looked: candidates)
        }
        guard let data = FileManager.default.contents(atPath: file),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let stream = object["StreamPayment"] as? [String: Any], let contract = stream["address"] as? String
        else { throw .malformed(file: file, why: "expected {\"StreamPayment\": {\"address\": \"0x…\", \"glmToken\": \"0x…\"}}") }
        let tokenText = inputs.glmTokenAddress ?? (stream["glmToken"] as? String) ?? (object["glmToken"] as? String)
        let token = try tokenText.map { (text: String) throws(DeploymentError) in try address(text, setting: file) } ?? .zero
        return PaymentsDeployment(streamPayment: try address(contract, setting: file), token: token, source: file)
    }

    private static func address(_ text: String, setting: String) throws(DeploymentError) -> Address {
        do { return try Address(text) } catch { throw .badAddress(setting: setting, why: "\(error)") }
    }

    /// The copy that ships with golem-payments.
    static var packagedDirectory: String? {
        (Bundle.module.url(forResource: "l2", withExtension: "json", subdirectory: "Resources")
            ?? Bundle.module.url(forResource: "l2", withExtension: "json"))?.deletingLastPathComponent().path
    }
}

enum DeploymentError: Error, Equatable, CustomStringConvertible {
    case missing(network: String, looked: [String])
    case malformed(file: String, why: String)
    case badAddress(setting: String, why: String)

    var description: String {
        switch self {
        case .missing(let network, let looked):
            "no StreamPayment deployment for payments network '\(network)' (looked for \(looked.joined(separator: ", "))); "
                + "put <network>.json in GOLEM_DEPLOYMENTS_DIR, or set GOLEM_PROVIDER_STREAM_PAYMENT_ADDRESS "
                + "(0x0000000000000000000000000000000000000000 turns payments off: VMs are then given away)"
        case .malformed(let file, let why): "\(file) is not a deployment file: \(why)"
        case .badAddress(let setting, let why): "\(setting): \(why)"
        }
    }
}
