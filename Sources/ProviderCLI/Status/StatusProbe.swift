import AsyncHTTPClient
import Foundation
import GRPCCore
import NIOCore
import Shared

/// Gathers the facts behind `golem-provider status`: versions, the hypervisor, the services, and an external
/// reachability check of the API port and every SSH port (free ones through challenge-answering listeners).
struct StatusProbe {
    let settings: ProviderSettings

    func run() async -> StatusReport {
        let client = PortCheckRound.makeClient()
        async let version = latestVersion(client)
        async let multipass = Self.multipass(settings)
        async let services = serviceHealth()
        async let payments = paymentsDetails()
        let heldPorts = await proxyHeldPorts()
        let provider = await providerPort(client)
        let ssh = await sshPorts(held: heldPorts, client: client)
        try? await client.shutdown()
        let multipassFacts = await multipass
        let driver = await vmDriver(multipass: multipassFacts)
        var report = StatusReport(
            version: await version,
            environment: .init(
                environment: settings.environment.rawValue, network: settings.network.rawValue,
                devMode: settings.environment == .development),
            multipass: multipassFacts,
            ports: .init(provider: provider, ssh: ssh),
            overall: .init(status: "healthy", issues: []),
            vmDriver: driver,
            services: await services,
            payments: await payments)
        report.overall = Self.overall(report)
        return report
    }

    /// The contract's severity rules, and its issue strings in its order.
    static func overall(_ report: StatusReport) -> StatusReport.Overall {
        var issues: [String] = []
        let ssh = report.ports.ssh
        let provider = report.ports.provider
        // The contract's Multipass rule holds while Multipass is the driver; with QEMU, the driver's own health counts.
        let driverMissing = report.vmDriver.name == "multipass" ? !report.multipass.ok : !report.vmDriver.ok
        if driverMissing {
            issues.append(report.vmDriver.name == "multipass" ? "Multipass not available" : "VM driver \(report.vmDriver.name) not available")
        }
        if !provider.localOK { issues.append("Provider port \(provider.port) not ready") }
        if ssh.status == "blocked" {
            issues.append("No externally reachable SSH ports")
        } else if ssh.issues.unreachable > 0 {
            issues.append("\(ssh.issues.unreachable) SSH port(s) unreachable externally")
        }
        if ssh.issues.notListening > 0 { issues.append("\(ssh.issues.notListening) SSH port(s) not listening") }
        let externalFailed = provider.external.status == .unreachable || provider.external.status == .checkFailed
        if externalFailed { issues.append("Provider API port not reachable externally") }
        if report.services.nodeRunning {
            for (service, health) in report.services.health.sorted(by: { $0.key < $1.key }) where health != "ok" {
                issues.append("\(service) is not running")
            }
        }
        let error = ssh.status == "blocked" || !provider.localOK || driverMissing || externalFailed
        return .init(status: error ? "error" : issues.isEmpty ? "healthy" : "issues", issues: issues)
    }

    // MARK: Version, hypervisor, services

    private func latestVersion(_ client: HTTPClient) async -> StatusReport.Version {
        let installed = ProviderVersion.current
        guard let url = settings.updateCheckURL else {
            return .init(installed: installed, latest: nil, updateAvailable: false,
                         error: "no update check configured (GOLEM_PROVIDER_UPDATE_CHECK_URL)")
        }
        do {
            var request = HTTPClientRequest(url: url)
            request.headers.add(name: "User-Agent", value: "golem-provider/\(installed)")
            let response = try await client.execute(request, timeout: .seconds(3))
            let body = try await response.body.collect(upTo: 1 << 20)
            guard response.status == .ok, let object = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any],
                  let latest = (object["tag_name"] ?? object["version"] ?? (object["info"] as? [String: Any])?["version"]) as? String else {
                return .init(installed: installed, latest: nil, updateAvailable: false, error: "unknown: \(url) gave no version")
            }
            let trimmed = latest.hasPrefix("v") ? String(latest.dropFirst()) : latest
            return .init(installed: installed, latest: trimmed,
                         updateAvailable: trimmed.compare(installed, options: .numeric) == .orderedDescending, error: nil)
        } catch {
            return .init(installed: installed, latest: nil, updateAvailable: false, error: "unknown: \(url) cannot be reached")
        }
    }

    static func multipass(_ settings: ProviderSettings) async -> StatusReport.Multipass {
        guard let path = MultipassBinary.locate(configured: settings.multipassBinaryPath) else {
            return .init(ok: false, path: settings.multipassBinaryPath, version: nil, error: "not configured")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["version"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = Pipe()
        do {
            try process.run()
        } catch {
            return .init(ok: false, path: path, version: nil, error: "\(error)")
        }
        let deadline = ContinuousClock.now + .seconds(5)
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning {
            process.terminate()
            return .init(ok: false, path: path, version: nil, error: "multipass version did not answer in 5 s")
        }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return process.terminationStatus == 0
            ? .init(ok: true, path: path, version: text, error: nil)
            : .init(ok: false, path: path, version: nil, error: "multipass version exited with \(process.terminationStatus)")
    }

    /// The driver golem-vm runs, from its health answer; when it does not answer, the driver the settings would
    /// pick and whether its tools are installed.
    private func vmDriver(multipass: StatusReport.Multipass) async -> StatusReport.VMDriver {
        if let health = try? await ServiceCall.vmHealth(settings), let name = health.details["driver"] {
            return .init(name: name, ok: health.ready, version: health.details["driver_version"], error: nil,
                         accelerator: health.details["accelerator"], acceleratorReason: health.details["accelerator_reason"])
        }
        let useMultipass = settings.vmDriver == .multipass
            || (settings.vmDriver == .auto && MultipassBinary.locate(configured: settings.multipassBinaryPath) != nil)
        if useMultipass {
            return .init(name: "multipass", ok: multipass.ok, version: multipass.version, error: multipass.error)
        }
        let qemu = settings.qemuBinaryPath ?? "/usr/bin/qemu-system-x86_64"
        let installed = FileManager.default.isExecutableFile(atPath: qemu)
        return .init(name: "qemu", ok: installed, version: nil,
                     error: installed ? "golem-vm does not answer; the accelerator is decided when it starts" : "\(qemu) is not installed (apt-get install qemu-system-x86)")
    }

    private func paymentsDetails() async -> [String: String]? {
        try? await ServiceCall.health(settings.paymentsServiceAddress).details
    }

    private func serviceHealth() async -> StatusReport.Services {
        let running = PIDFile(path: settings.paths.pidFile).runningPID() != nil
        var health: [String: String] = [:]
        for service in ManagedService.all(settings: settings) {
            health[service.executable] = await HealthCheck.isHealthy(service.probe) ? "ok" : "down"
        }
        return .init(nodeRunning: running, health: health)
    }

    // MARK: Ports

    /// Ports golem-proxy holds (none when it does not answer).
    private func proxyHeldPorts() async -> Set<Int> {
        let mappings = try? await ServiceCall.proxy(settings) { proxy in
            try await proxy.list(.init(), options: RPCEndpoints.callOptions(timeout: .seconds(3)))
        }
        return Set(mappings?.mappings.map { Int($0.publicPort) } ?? [])
    }

    private func providerPort(_ client: HTTPClient) async -> StatusReport.ProviderPort {
        let port = settings.port
        var localOK = true
        var detail = "service is listening"
        var proofKey: String?
        var temporary: (any Channel)?
        if !LocalPort.accepts(host: ManagedService.loopback(settings.host), port: port) {
            // Nothing serves it: listen ourselves, which proves it is bindable and lets the checker ask for proof.
            let key = PortCheckProof.randomHex()
            if let listener = try? await ChallengeResponder(key: key).listen(host: settings.host, port: port) {
                temporary = listener
                proofKey = key
                detail = "port is free (bindable)"
            } else {
                localOK = false
                detail = "port unavailable"
            }
        }
        let answers = await PortCheckRound.ask(settings, client: client, ports: [port], proofKey: proofKey)
        try? await temporary?.close()
        let external: StatusReport.External
        if let reached = answers.first(where: { $0.reachable.contains(port) }) {
            external = .init(status: .reachable, verifiedBy: reached.url, error: nil)
        } else if let answered = answers.first(where: { $0.error == nil }) {
            external = .init(status: .unreachable, verifiedBy: nil, error: answered.errors[port] ?? "not reachable")
        } else {
            external = .init(status: .checkFailed, verifiedBy: nil,
                             error: answers.first?.error.map { String($0.split(separator: "\n").first ?? "") } ?? "no checker configured")
        }
        return .init(port: port, host: settings.host, localOK: localOK, localDetail: detail, external: external,
                     status: external.status == .reachable ? "reachable" : "unreachable")
    }

    private func sshPorts(held: Set<Int>, client: HTTPClient) async -> StatusReport.SSHPorts {
        let range = settings.portRangeStart..<settings.portRangeEnd
        let key = PortCheckProof.randomHex()
        let (listeners, free, occupied) = await ChallengeResponder(key: key)
            .listenOnFree(range.filter { !held.contains($0) }, host: settings.sshProxyHost)
        // Free ports answer the challenge; ports golem-proxy (or someone else) holds can only be connected to.
        async let freeAnswers = PortCheckRound.ask(settings, client: client, ports: free, proofKey: key)
        async let heldAnswers = PortCheckRound.ask(settings, client: client, ports: held.sorted() + occupied, proofKey: nil)
        let answers = await freeAnswers + heldAnswers
        for listener in listeners { try? await listener.close() }

        let answered = answers.contains { $0.error == nil }
        let reachable = answers.reduce(into: Set<Int>()) { $0.formUnion($1.reachable) }
        let loopback = ManagedService.loopback(settings.sshProxyHost)
        let ports = range.map { port -> StatusReport.SSHPort in
            let listening = held.contains(port) && LocalPort.accepts(host: loopback, port: port)
            let status = !answered ? "unknown" : reachable.contains(port) ? "reachable" : "unreachable"
            return .init(port: port, status: status, listening: listening)
        }
        let notListening = ports.filter { held.contains($0.port) && !$0.listening }.count
        let unreachable = ports.filter { $0.status == "unreachable" }.count
        let blocked = !answered || reachable.intersection(range).isEmpty
        return .init(
            range: [range.lowerBound, range.upperBound],
            status: blocked ? "blocked" : (unreachable + notListening > 0 ? "limited" : "ok"),
            usableFree: answered ? free.filter(reachable.contains).count : 0,
            inUse: held.count,
            issues: .init(unreachable: blocked ? range.count : unreachable, notListening: notListening),
            ports: ports)
    }
}

/// Whether something accepts on a local port right now (1 s).
enum LocalPort {
    static func accepts(host: String, port: Int) -> Bool {
        guard let address = try? SocketAddress(ipAddress: host, port: port) else { return false }
        let descriptor = socket(address.protocol == .inet6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return address.withSockAddr { connect(descriptor, $0, socklen_t($1)) == 0 }
    }
}
