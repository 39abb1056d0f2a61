import ArgumentParser
import Foundation
import Shared

struct StopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stop", abstract: "Stop a running provider node.")

    @Option(help: "Seconds to wait after SIGTERM before SIGKILL.")
    var timeout: Int = 15

    @OptionGroup var node: NodeOptions

    func run() async throws {
        let settings = try node.loadSettings()
        let pidFile = PIDFile(path: settings.paths.pidFile)
        guard let pid = pidFile.read() else {
            print("No PID file found; nothing to stop")
            return
        }
        guard pidFile.runningPID() != nil else {
            print("No running provider process; cleaning up PID file")
            pidFile.remove()
            return
        }
        kill(pid, SIGTERM)
        let deadline = ContinuousClock.now + .seconds(timeout)
        while PIDFile.isAlive(pid), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
        }
        if PIDFile.isAlive(pid) {
            print("Process did not exit in time; sending kill")
            kill(pid, SIGKILL)
            // The supervisor could not stop its children; do it for it.
            for service in ["golem-gateway", "golem-port-check", "golem-payments", "golem-proxy", "golem-vm"] {
                let childFile = PIDFile(path: settings.paths.servicePIDFile(service))
                if let child = childFile.runningPID(expecting: service) { kill(child, SIGKILL) }
                childFile.remove()
            }
        }
        pidFile.remove()
        print("Provider stopped")
    }
}
