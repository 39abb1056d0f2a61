import Foundation
import Hummingbird
import Logging
import Shared

/// `golem-port-check`: the self-hostable reachability checker. This build serves its health route;
/// `POST /check-ports` arrives with the port-check work.
public enum PortCheckServiceMain {
    public static func run() async {
        await ServiceMain.run(name: "golem-port-check") { settings, logger in
            [PortCheckApplication.make(host: settings.portCheckerHost, port: settings.portCheckerPort, logger: logger)]
        }
    }
}

public enum PortCheckApplication {
    public static func make(host: String, port: Int, logger: Logger) -> some ApplicationProtocol {
        let router = Router()
        router.get("/health") { _, _ -> Response in
            let body = ByteBuffer(string: #"{"status":"ok","service":"golem-port-check","version":"\#(ProviderVersion.current)"}"#)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: body))
        }
        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "golem-port-check"),
            logger: logger)
    }
}
