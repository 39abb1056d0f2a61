import ArgumentParser
import Foundation
import GRPCCore
import Shared

/// `golem-provider proxy ...`: the SSH proxy as the operator sees it.
struct ProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proxy",
        abstract: "Inspect the SSH proxy.",
        subcommands: [ProxyStatsCommand.self])
}

/// `golem-provider proxy stats [--vm-id ID] [--json]`: connection and byte counters from golem-proxy.
struct ProxyStatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Connections (open, total, refused by a cap) and bytes per VM and for the host, since golem-proxy started.")

    @Option(name: .customLong("vm-id"), help: "Only this VM.")
    var vmID: String?

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @OptionGroup var node: NodeOptions

    func run() async throws {
        let settings = try node.loadSettings()
        let answer: Golem_Provider_Proxy_V1_GetTrafficResponse
        do {
            answer = try await ServiceCall.proxy(settings) { proxy in
                try await proxy.getTraffic(.with { $0.vmID = vmID ?? "" }, options: RPCEndpoints.callOptions(timeout: .seconds(5)))
            }
        } catch let error as RPCError where error.code == .notFound {
            FileHandle.standardError.write(Data("\(error.message)\n".utf8))
            throw ExitCode(1)
        } catch let error as RPCError {
            FileHandle.standardError.write(Data(
                "golem-proxy does not answer at \(settings.proxyServiceAddress) (\(error.code)); is the node running? (golem-provider start)\n".utf8))
            throw ExitCode(2)
        }
        print(json ? Self.json(answer) : Self.table(answer))
    }

    static func json(_ answer: Golem_Provider_Proxy_V1_GetTrafficResponse) -> String {
        func stats(_ stats: Golem_Provider_Proxy_V1_TrafficStats) -> [String: Any] {
            [
                "connections_open": stats.connectionsOpen, "connections_total": stats.connectionsTotal,
                "connections_refused": stats.connectionsRefused, "bytes_in": stats.bytesIn, "bytes_out": stats.bytesOut,
            ]
        }
        let object: [String: Any] = [
            "host": stats(answer.host),
            "limits": [
                "max_connections": answer.maxConnections, "max_connections_per_vm": answer.maxConnectionsPerVm,
                "idle_timeout_seconds": answer.idleTimeoutSeconds,
            ],
            "vms": answer.vms.map { vm in stats(vm.stats).merging(["vm_id": vm.vmID, "ssh_port": vm.publicPort]) { a, _ in a } },
        ]
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    static func table(_ answer: Golem_Provider_Proxy_V1_GetTrafficResponse) -> String {
        let header = ["VM", "PORT", "OPEN", "TOTAL", "REFUSED", "IN", "OUT"]
        var rows = answer.vms.map { vm in
            [vm.vmID, "\(vm.publicPort)"] + Self.columns(vm.stats)
        }
        rows.append(["(host)", "-"] + Self.columns(answer.host))
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        let lines = ([header] + rows).map { row in
            row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }
        let idle = answer.idleTimeoutSeconds > 0 ? "\(Int(answer.idleTimeoutSeconds)) s" : "off"
        return (lines + [
            "limits: \(answer.maxConnections) connections, \(answer.maxConnectionsPerVm) per VM; idle timeout \(idle)",
        ]).joined(separator: "\n")
    }

    private static func columns(_ stats: Golem_Provider_Proxy_V1_TrafficStats) -> [String] {
        ["\(stats.connectionsOpen)", "\(stats.connectionsTotal)", "\(stats.connectionsRefused)",
         ByteCountFormatter.string(fromByteCount: Int64(stats.bytesIn), countStyle: .binary),
         ByteCountFormatter.string(fromByteCount: Int64(stats.bytesOut), countStyle: .binary)]
    }
}
