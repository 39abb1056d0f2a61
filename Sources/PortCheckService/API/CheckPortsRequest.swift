import Foundation

/// `POST /check-ports` body: the original's `{"provider_ip": str, "ports": [int]}`, plus our optional
/// `proof_key` (ask for the proof challenge). `provider_ip` may be omitted: the caller's own address.
struct CheckPortsRequest: Equatable {
    var providerIP: String?
    var ports: [Int]
    var proofKey: String?

    /// FastAPI-shaped problems, one per wrong field, so clients of the original read them the same way.
    struct Invalid: Error {
        var problems: [[String: Any]]
        var body: [String: Any] { ["detail": problems] }
    }

    static func parse(_ data: Data, maxPorts: Int) throws(Invalid) -> CheckPortsRequest {
        func problem(_ location: [Any], _ message: String, _ type: String) -> [String: Any] {
            ["loc": ["body"] + location, "msg": message, "type": type]
        }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw Invalid(problems: [problem([], "the body must be a JSON object like {\"ports\": [50800]}", "json_invalid")])
        }
        var problems: [[String: Any]] = []
        var request = CheckPortsRequest(providerIP: nil, ports: [], proofKey: nil)
        switch object["provider_ip"] {
        case nil, is NSNull: break
        case let text as String: request.providerIP = text
        default: problems.append(problem(["provider_ip"], "provider_ip must be a string", "string_type"))
        }
        if let ports = object["ports"] as? [Any] {
            for (index, value) in ports.enumerated() {
                // JSON booleans arrive as NSNumbers too; their type code is "c".
                guard !(value is Bool), let number = value as? NSNumber, String(cString: number.objCType) != "c",
                      number.doubleValue == number.doubleValue.rounded(), let port = Int(exactly: number.doubleValue) else {
                    problems.append(problem(["ports", index], "each port must be a whole number", "int_type"))
                    continue
                }
                guard (1...65535).contains(port) else {
                    problems.append(problem(["ports", index], "port \(port) is outside 1-65535", "value_error"))
                    continue
                }
                if !request.ports.contains(port) { request.ports.append(port) }
            }
            if ports.count > maxPorts {
                problems.append(problem(["ports"], "at most \(maxPorts) ports per request (got \(ports.count))", "too_long"))
            }
        } else {
            problems.append(problem(["ports"], object["ports"] == nil ? "ports is required" : "ports must be a list of port numbers",
                                    object["ports"] == nil ? "missing" : "list_type"))
        }
        switch object["proof_key"] {
        case nil, is NSNull: break
        case let key as String where (16...128).contains(key.count) && key.allSatisfy({ $0.isASCII && !$0.isWhitespace }):
            request.proofKey = key
        default:
            problems.append(problem(["proof_key"], "proof_key must be 16-128 printable ASCII characters", "string_type"))
        }
        guard problems.isEmpty else { throw Invalid(problems: problems) }
        return request
    }
}
