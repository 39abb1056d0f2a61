import GRPCCore
import Shared

/// The `golem.provider.proxy.v1.ProxyService` contract on top of PortForwardingTable.
struct ProxyGRPCService: Golem_Provider_Proxy_V1_ProxyService.SimpleServiceProtocol {
    let table: PortForwardingTable
    let events: EventHub<MappingChange>
    let limits: (maxConnections: Int, maxConnectionsPerVM: Int, idleTimeoutSeconds: Double)

    func expose(request: Golem_Provider_Proxy_V1_ExposeRequest, context: ServerContext) async throws -> Golem_Provider_Proxy_V1_PortMapping {
        do {
            let (record, listening) = try await table.expose(
                vmID: request.vmID, targetHost: request.targetHost, targetPort: Int(request.targetPort))
            return record.proto(listening: listening)
        } catch let error as ProxyError {
            switch error {
            case .noFreePort, .noVerifiedPort: throw RPCError(code: .resourceExhausted, message: error.description)
            case .invalidTarget: throw RPCError(code: .invalidArgument, message: error.description)
            case .unknownVM: throw RPCError(code: .notFound, message: error.description)
            }
        }
    }

    func release(request: Golem_Provider_Proxy_V1_ReleaseRequest, context: ServerContext) async throws -> Golem_Provider_Proxy_V1_ReleaseResponse {
        let released = try await table.release(vmID: request.vmID)
        return .with { $0.released = released }
    }

    func get(request: Golem_Provider_Proxy_V1_GetRequest, context: ServerContext) async throws -> Golem_Provider_Proxy_V1_PortMapping {
        guard let (record, listening) = await table.mapping(vmID: request.vmID) else {
            throw RPCError(code: .notFound, message: "no port mapped for VM \(request.vmID)")
        }
        return record.proto(listening: listening)
    }

    func list(request: Golem_Provider_Proxy_V1_ListRequest, context: ServerContext) async throws -> Golem_Provider_Proxy_V1_ListResponse {
        let mappings = await table.all()
        return .with { $0.mappings = mappings.map { $0.0.proto(listening: $0.listening) } }
    }
}

extension ProxyGRPCService {
    func getTraffic(request: Golem_Provider_Proxy_V1_GetTrafficRequest, context: ServerContext) async throws -> Golem_Provider_Proxy_V1_GetTrafficResponse {
        let traffic: (vms: [(PortMappingRecord, TrafficStats)], host: TrafficStats)
        do {
            traffic = try await table.traffic(vmID: request.vmID.isEmpty ? nil : request.vmID)
        } catch let error as ProxyError {
            throw RPCError(code: .notFound, message: error.description)
        }
        return .with {
            $0.vms = traffic.vms.map { record, stats in
                .with {
                    $0.vmID = record.vmID
                    $0.publicPort = UInt32(record.publicPort)
                    $0.stats = stats.proto
                }
            }
            $0.host = traffic.host.proto
            $0.maxConnections = UInt32(limits.maxConnections)
            $0.maxConnectionsPerVm = UInt32(limits.maxConnectionsPerVM)
            $0.idleTimeoutSeconds = limits.idleTimeoutSeconds
        }
    }

    func setVerifiedPorts(request: Golem_Provider_Proxy_V1_SetVerifiedPortsRequest, context: ServerContext) async throws -> Golem_Provider_Proxy_V1_SetVerifiedPortsResponse {
        guard let invalid = request.ports.first(where: { !(1...65535).contains($0) }) else {
            let free = try await table.setVerifiedPorts(VerifiedPortPolicy(enforce: request.enforce, ports: Set(request.ports.map(Int.init))))
            return .with { $0.usableFree = UInt32(free) }
        }
        throw RPCError(code: .invalidArgument, message: "port \(invalid) is outside 1-65535")
    }

    func watch(
        request: Golem_Provider_Proxy_V1_WatchRequest,
        response: RPCWriter<Golem_Provider_Proxy_V1_PortMappingEvent>,
        context: ServerContext
    ) async throws {
        try await events.serveWatch(
            snapshot: { await table.all() },
            existing: { entry in
                try await response.write(.with { $0.kind = .existing; $0.mapping = entry.0.proto(listening: entry.listening) })
            },
            synced: { try await response.write(.with { $0.kind = .synced }) },
            change: { change in
                try await response.write(.with {
                    switch change {
                    case .updated(let record, let listening): $0.kind = .updated; $0.mapping = record.proto(listening: listening)
                    case .released(let record): $0.kind = .released; $0.mapping = record.proto(listening: false)
                    }
                })
            })
    }
}

extension PortMappingRecord {
    func proto(listening: Bool) -> Golem_Provider_Proxy_V1_PortMapping {
        .with {
            $0.vmID = vmID
            $0.publicPort = UInt32(publicPort)
            $0.targetHost = targetHost
            $0.targetPort = UInt32(targetPort)
            $0.listening = listening
        }
    }
}

extension TrafficStats {
    var proto: Golem_Provider_Proxy_V1_TrafficStats {
        .with {
            $0.connectionsOpen = UInt64(max(0, connectionsOpen))
            $0.connectionsTotal = UInt64(connectionsTotal)
            $0.connectionsRefused = UInt64(connectionsRefused)
            $0.bytesIn = UInt64(bytesIn)
            $0.bytesOut = UInt64(bytesOut)
        }
    }
}
