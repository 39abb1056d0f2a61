import Foundation
import Logging
import NIOCore
import ProviderTestSupport
import Shared
import Testing
@testable import ProxyService

/// The port table on a real SQLite file and real listeners on loopback.
@Suite struct PortForwardingTableTests {
    let folder: String
    let range: Range<Int>

    init() throws {
        folder = try Scratch.makeDirectory(prefix: "pft")
        range = try FreePorts.range(count: 4)
    }

    func makeTable() throws -> PortForwardingTable {
        PortForwardingTable(
            store: try PortMappingStore(path: folder + "/proxy.sqlite"),
            forwarder: try ForwardingEngine.make(.auto, bindHost: "127.0.0.1", policy: ForwardingPolicy(), logger: Logger(label: "test")),
            range: range, maxConnections: 100, events: EventHub<MappingChange>(), logger: Logger(label: "test"))
    }

    @Test func exposeAndReleaseAreIdempotent() async throws {
        let table = try makeTable()
        let first = try await table.expose(vmID: "a", targetHost: "127.0.0.1", targetPort: 2222)
        let again = try await table.expose(vmID: "a", targetHost: "127.0.0.1", targetPort: 2222)
        #expect(first.0.publicPort == again.0.publicPort)
        #expect(again.listening)
        #expect(try await table.release(vmID: "a"))
        #expect(try await table.release(vmID: "a") == false)
        #expect(try await table.release(vmID: "never-seen") == false)
        #expect(LoopbackSocket.isFree(first.0.publicPort))
        await table.closeAll()
    }

    @Test func aPortHeldByAnotherProcessIsSkipped() async throws {
        let squatter = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(squatter) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(range.lowerBound).bigEndian)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(squatter, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(bound == 0 && listen(squatter, 1) == 0)
        let table = try makeTable()
        let mapping = try await table.expose(vmID: "a", targetHost: "127.0.0.1", targetPort: 2222)
        #expect(mapping.0.publicPort == range.lowerBound + 1)
        await table.closeAll()
    }

    @Test func onlyVerifiedPortsAreHandedOutAndThePolicySurvivesARestart() async throws {
        let verified = range.lowerBound + 2
        let table = try makeTable()
        #expect(try await table.setVerifiedPorts(VerifiedPortPolicy(enforce: true, ports: [verified])) == 1)
        #expect(try await table.expose(vmID: "a", targetHost: "127.0.0.1", targetPort: 2222).0.publicPort == verified)
        #expect(await table.usableFreePorts == 0)
        await #expect(throws: ProxyError.self) { try await table.expose(vmID: "b", targetHost: "127.0.0.1", targetPort: 2222) }
        await table.closeAll()

        let restarted = try makeTable()
        try await restarted.restore()
        #expect(await restarted.mapping(vmID: "a")?.0.publicPort == verified)
        #expect(await restarted.mapping(vmID: "a")?.listening == true)
        #expect(await restarted.usableFreePorts == 0)
        #expect(try await restarted.setVerifiedPorts(VerifiedPortPolicy(enforce: false, ports: [])) == range.count - 1)
        await restarted.closeAll()
    }
}
