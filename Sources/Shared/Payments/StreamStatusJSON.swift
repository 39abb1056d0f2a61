import Foundation

/// JSON as the original node writes it: key order kept, and uint256 amounts as JSON numbers (Python ints of any
/// size), which Foundation's encoder cannot produce past 64 bits.
public indirect enum OrderedJSON: Sendable, Equatable {
    case string(String)
    /// Decimal digits, written as they are.
    case integer(String)
    case bool(Bool)
    case null
    case array([OrderedJSON])
    case object([(String, OrderedJSON)])

    public static func == (lhs: OrderedJSON, rhs: OrderedJSON) -> Bool { lhs.rendered() == rhs.rendered() }

    public static func integer(_ value: some BinaryInteger) -> OrderedJSON { .integer(String(value)) }

    /// Compact, or indented by two spaces like Python's `json.dumps(indent=2)`.
    public func rendered(pretty: Bool = false) -> String {
        var out = ""
        write(into: &out, pretty: pretty, depth: 0)
        return out
    }

    private func write(into out: inout String, pretty: Bool, depth: Int) {
        let indent = pretty ? "\n" + String(repeating: "  ", count: depth + 1) : ""
        let closing = pretty ? "\n" + String(repeating: "  ", count: depth) : ""
        switch self {
        case .string(let text): out += Self.quoted(text)
        case .integer(let digits): out += digits.isEmpty ? "0" : digits
        case .bool(let value): out += value ? "true" : "false"
        case .null: out += "null"
        case .array(let items):
            guard !items.isEmpty else { out += "[]"; return }
            out += "["
            for (index, item) in items.enumerated() {
                out += (index > 0 ? "," : "") + indent
                item.write(into: &out, pretty: pretty, depth: depth + 1)
            }
            out += closing + "]"
        case .object(let fields):
            guard !fields.isEmpty else { out += "{}"; return }
            out += "{"
            for (index, (key, value)) in fields.enumerated() {
                out += (index > 0 ? "," : "") + indent + Self.quoted(key) + (pretty ? ": " : ":")
                value.write(into: &out, pretty: pretty, depth: depth + 1)
            }
            out += closing + "}"
        }
    }

    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// The original's `StreamStatus` (REST `/vms/{id}/stream`, `/payments/streams`, CLI `streams show`):
/// `{vm_id, stream_id, chain{token, sender, recipient, startTime, stopTime, ratePerSecond, deposit, withdrawn, halted},
/// computed{now, remaining_seconds, vested_wei, withdrawable_wei}, verified, reason}`.
public enum StreamStatusJSON {
    public static func status(_ status: Golem_Provider_Payments_V1_StreamStatus) -> OrderedJSON {
        .object([
            ("vm_id", .string(status.vmID)),
            ("stream_id", .integer(status.streamID)),
            ("chain", chain(status.chain)),
            ("computed", computed(status.computed)),
            ("verified", .bool(status.verified)),
            ("reason", .string(status.reason)),
        ])
    }

    public static func chain(_ chain: Golem_Provider_Payments_V1_ChainStream) -> OrderedJSON {
        .object([
            ("token", .string(chain.token)),
            ("sender", .string(chain.sender)),
            ("recipient", .string(chain.recipient)),
            ("startTime", .integer(chain.startTime)),
            ("stopTime", .integer(chain.stopTime)),
            ("ratePerSecond", .integer(chain.ratePerSecond)),
            ("deposit", .integer(chain.deposit)),
            ("withdrawn", .integer(chain.withdrawn)),
            ("halted", .bool(chain.halted)),
        ])
    }

    public static func computed(_ computed: Golem_Provider_Payments_V1_ComputedStream) -> OrderedJSON {
        .object([
            ("now", .integer(computed.now)),
            ("remaining_seconds", .integer(computed.remainingSeconds)),
            ("vested_wei", .integer(computed.vestedWei)),
            ("withdrawable_wei", .integer(computed.withdrawableWei)),
        ])
    }
}
