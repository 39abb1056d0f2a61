import Foundation

/// The original node's VM → stream map (`<VM_DATA_DIR>/streams.json`, `{"<vm_id>": <stream_id>}`), imported
/// into the bindings at start so that an operator who switches nodes keeps every stream mapping. Importing is
/// idempotent (VMs already bound are left alone) and the original's file is never modified.
enum OriginalStreamMap {
    /// The original writes integers; a decimal string is accepted too.
    private struct StreamID: Decodable {
        let decimal: String

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(UInt64.self) {
                decimal = String(number)
                return
            }
            let text = try container.decode(String.self)
            guard !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a whole number")
            }
            let trimmed = text.drop { $0 == "0" }
            decimal = trimmed.isEmpty ? "0" : String(trimmed)
        }
    }

    static func bindings(at path: String, now: Int64) throws(StreamMapError) -> [StreamBinding] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        let map: [String: StreamID]
        do { map = try JSONDecoder().decode([String: StreamID].self, from: data) } catch {
            throw .malformed(path, "expected {\"<vm id>\": <stream id>, ...} with whole-number stream ids")
        }
        return map.keys.sorted().map { StreamBinding(vmID: $0, streamID: map[$0]!.decimal, boundAtMs: now, finishedAtMs: nil) }
    }
}

enum StreamMapError: Error, Equatable, CustomStringConvertible {
    case malformed(String, String)
    var description: String {
        switch self {
        case .malformed(let path, let why): "\(path): \(why)"
        }
    }
}
