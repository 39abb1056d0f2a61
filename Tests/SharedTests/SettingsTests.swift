import Foundation
import Testing
@testable import Shared

@Suite struct SettingsTests {
    func scratch() throws -> String {
        let path = NSTemporaryDirectory() + "settings-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func defaultsFollowTheOriginal() throws {
        let settings = try ProviderSettings(source: SettingsSource.load(arguments: [], environment: ["HOME": "/home/op"]),
                                            environment: ["HOME": "/home/op"])
        #expect(settings.port == 7466)
        #expect(settings.host == "0.0.0.0")
        #expect(settings.portRangeStart == 50800)
        #expect(settings.portRangeEnd == 50900)
        #expect(settings.network == .mainnet)
        #expect(settings.paymentsNetwork == .l2Holesky)
        #expect(settings.maxVMs == 10)
        #expect(settings.paths.dataDirectory == "/home/op/.golem/provider")
        #expect(settings.vmServiceAddress == .unix("/home/op/.golem/provider/run/vm.sock"))
    }

    @Test func flagsBeatEnvironmentWhichBeatsDotEnv() throws {
        let data = try scratch()
        try "GOLEM_PROVIDER_PORT=1111\nGOLEM_PROVIDER_MAX_VMS=3\n# comment\nexport GOLEM_PROVIDER_PROVIDER_NAME=\"from file\"\n"
            .write(toFile: data + "/.env", atomically: true, encoding: .utf8)
        let environment = ["GOLEM_PROVIDER_DATA_DIR": data, "GOLEM_PROVIDER_PORT": "2222", "GOLEM_PROVIDER_MAX_VMS": "4"]
        let source = try SettingsSource.load(arguments: ["--port", "3333"], environment: environment)
        let settings = try ProviderSettings(source: source, environment: environment)
        #expect(settings.port == 3333)
        #expect(settings.maxVMs == 4)
        #expect(settings.providerName == "from file")
    }

    @Test func developmentEnvironmentSwitchesTheNetwork() throws {
        let environment = ["GOLEM_ENVIRONMENT": "development", "HOME": "/tmp"]
        let settings = try ProviderSettings(source: SettingsSource.load(arguments: [], environment: environment), environment: environment)
        #expect(settings.environment == .development)
        #expect(settings.network == .development)
    }

    @Test(arguments: [
        ("GOLEM_PROVIDER_PORT", "http", "a whole number from 1 to 65535"),
        ("GOLEM_PROVIDER_NETWORK", "moon", "one of mainnet, testnet, development"),
        ("GOLEM_PROVIDER_STOP_VMS_ON_EXIT", "maybe", "true or false"),
        ("GOLEM_PROVIDER_VM_SERVICE_ADDRESS", "nowhere", "unix:/absolute/path.sock"),
        ("GOLEM_PROVIDER_PORT_RANGE_END", "50000", "above GOLEM_PROVIDER_PORT_RANGE_START"),
    ])
    func badValuesNameTheVariableAndTheAllowedValues(name: String, value: String, allowed: String) throws {
        let environment = [name: value, "HOME": "/tmp"]
        #expect {
            try ProviderSettings(source: SettingsSource.load(arguments: [], environment: environment), environment: environment)
        } throws: { error in
            let message = "\(error)"
            return message.contains(name) && message.contains(value) && message.contains(allowed)
        }
    }

    @Test func flagSpellings() throws {
        let flags = try SettingsSource.parseFlags(["--port-range-start", "1", "--host=::1", "--set", "MAX_VMS=2"])
        #expect(flags == ["GOLEM_PROVIDER_PORT_RANGE_START": "1", "GOLEM_PROVIDER_HOST": "::1", "GOLEM_PROVIDER_MAX_VMS": "2"])
        #expect(throws: ConfigurationError.self) { try SettingsSource.parseFlags(["--port"]) }
        #expect(throws: ConfigurationError.self) { try SettingsSource.parseFlags(["stray"]) }
    }

    @Test func dotEnvUpdateReplacesAndAppends() throws {
        let path = try scratch() + "/.env"
        try "A=1\nB=2\n".write(toFile: path, atomically: true, encoding: .utf8)
        try DotEnvFile.update(at: path, with: [("B", "3"), ("C", "4")])
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "A=1\nB=3\nC=4\n")
        #expect(try DotEnvFile.read(at: path) == ["A": "1", "B": "3", "C": "4"])
    }
}
