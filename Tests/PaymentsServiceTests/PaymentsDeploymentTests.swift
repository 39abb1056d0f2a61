import Ethereum
import Foundation
import Testing
@testable import PaymentsService

@Suite struct PaymentsDeploymentTests {
    func folder(_ files: [String: String]) throws -> String {
        let path = NSTemporaryDirectory() + "deployments-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        for (name, text) in files { FileManager.default.createFile(atPath: path + "/" + name, contents: Data(text.utf8)) }
        return path
    }

    @Test func packagedL2IsTheOriginalsDeployment() throws {
        let resolved = try PaymentsDeployment.resolve(.init(network: "l2.holesky", packagedDirectory: PaymentsDeployment.packagedDirectory))
        #expect(resolved.streamPayment.checksummed == "0x0281B792b5491E3548c8Fc17C24A2e0Cb99FbeC2")
        #expect(resolved.token.isZero)
        #expect(resolved.paymentsEnabled)
    }

    @Test func deploymentsDirectoryComesFirstAndNetworkNamesMapToBaseNames() throws {
        let directory = try folder(["l2.json": #"{"StreamPayment": {"address": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "glmToken": "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"}}"#])
        let resolved = try PaymentsDeployment.resolve(.init(network: "l2.holesky", deploymentsDirectory: directory,
                                                            packagedDirectory: PaymentsDeployment.packagedDirectory))
        #expect(resolved.streamPayment.checksummed == "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")
        #expect(resolved.token.checksummed == "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359")
        #expect(PaymentsDeployment.baseName("") == "l2")
        #expect(PaymentsDeployment.baseName("mainnet") == "mainnet")
    }

    @Test func aNetworkWithoutDeploymentIsAnErrorNotPaymentsOff() throws {
        #expect(throws: DeploymentError.self) {
            try PaymentsDeployment.resolve(.init(network: "mainnet", deploymentsDirectory: try folder([:]),
                                                 packagedDirectory: PaymentsDeployment.packagedDirectory))
        }
        // Only an explicit zero address turns payments off.
        let off = try PaymentsDeployment.resolve(.init(network: "mainnet", streamPaymentAddress: "0x0000000000000000000000000000000000000000"))
        #expect(!off.paymentsEnabled)
    }

    @Test func badFilesAndAddressesAreNamed() throws {
        let directory = try folder(["l2.json": #"{"address": "0x1"}"#])
        #expect(throws: DeploymentError.self) { try PaymentsDeployment.resolve(.init(network: "l2", deploymentsDirectory: directory)) }
        #expect(throws: DeploymentError.badAddress(setting: "GOLEM_PROVIDER_STREAM_PAYMENT_ADDRESS", why: "'0x12' is not an address: expected 0x and 40 hex digits")) {
            try PaymentsDeployment.resolve(.init(network: "l2", streamPaymentAddress: "0x12"))
        }
    }
}
