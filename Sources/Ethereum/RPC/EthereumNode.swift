/// The eth_* calls the provider makes, typed: quantities become UInt256/UInt64, data becomes bytes.
///
///     let node = EthereumNode(rpc: JSONRPCClient(url: "http://127.0.0.1:8545"))
///     let balance = try await node.balance(of: address)
public struct EthereumNode: Sendable {
    public let rpc: JSONRPCClient

    public init(rpc: JSONRPCClient) { self.rpc = rpc }

    public struct Receipt: Sendable, Equatable {
        public let transactionHash: String
        public let blockNumber: UInt64
        public let succeeded: Bool
        public let gasUsed: UInt256
        public let effectiveGasPrice: UInt256
        public var logs: [Log] = []
        public var fee: UInt256 { gasUsed * effectiveGasPrice }
    }

    public struct Log: Sendable, Equatable {
        public let address: Address
        public let topics: [[UInt8]]
        public let data: [UInt8]
    }

    public func chainID() async throws(JSONRPCError) -> UInt64 { try Self.uint64(try await rpc.call("eth_chainId")) }
    public func blockNumber() async throws(JSONRPCError) -> UInt64 { try Self.uint64(try await rpc.call("eth_blockNumber")) }

    public func balance(of address: Address, block: String = "latest") async throws(JSONRPCError) -> UInt256 {
        try Self.quantity(try await rpc.call("eth_getBalance", [.string(address.checksummed), .string(block)]))
    }

    public func transactionCount(of address: Address, block: String = "pending") async throws(JSONRPCError) -> UInt64 {
        try Self.uint64(try await rpc.call("eth_getTransactionCount", [.string(address.checksummed), .string(block)]))
    }

    public func maxPriorityFeePerGas() async throws(JSONRPCError) -> UInt256 { try Self.quantity(try await rpc.call("eth_maxPriorityFeePerGas")) }

    /// The base fee the next block will have (the last entry of eth_feeHistory's baseFeePerGas).
    public func nextBaseFee() async throws(JSONRPCError) -> UInt256 {
        let history = try await rpc.call("eth_feeHistory", [.string("0x1"), .string("latest"), .array([])])
        guard let fees = history["baseFeePerGas"]?.array, let next = fees.last else { throw .malformed("eth_feeHistory without baseFeePerGas") }
        return try Self.quantity(next)
    }

    public func call(to: Address, data: [UInt8], from: Address? = nil, block: String = "latest") async throws(JSONRPCError) -> [UInt8] {
        try Self.bytes(try await rpc.call("eth_call", [Self.callObject(to: to, data: data, from: from), .string(block)]))
    }

    public func estimateGas(to: Address, data: [UInt8], from: Address, value: UInt256 = .zero) async throws(JSONRPCError) -> UInt64 {
        var object = Self.callObject(to: to, data: data, from: from)
        if case .object(var fields) = object { fields["value"] = .string(value.hexQuantity); object = .object(fields) }
        return try Self.uint64(try await rpc.call("eth_estimateGas", [object]))
    }

    /// Answers the transaction hash.
    public func sendRawTransaction(_ raw: [UInt8]) async throws(JSONRPCError) -> String {
        guard let hash = try await rpc.call("eth_sendRawTransaction", [.string("0x" + Hex.encode(raw))]).string else {
            throw .malformed("eth_sendRawTransaction answered without a hash")
        }
        return hash
    }

    /// Whether the node knows the transaction (mined or waiting in its pool).
    public func knowsTransaction(_ transactionHash: String) async throws(JSONRPCError) -> Bool {
        !(try await rpc.call("eth_getTransactionByHash", [.string(transactionHash)])).isNull
    }

    public func receipt(_ transactionHash: String) async throws(JSONRPCError) -> Receipt? {
        let answer = try await rpc.call("eth_getTransactionReceipt", [.string(transactionHash)])
        if answer.isNull { return nil }
        guard let status = answer["status"], let block = answer["blockNumber"], let gasUsed = answer["gasUsed"] else {
            throw .malformed("a receipt without status, blockNumber or gasUsed")
        }
        return Receipt(
            transactionHash: transactionHash, blockNumber: try Self.uint64(block), succeeded: try Self.quantity(status) == 1,
            gasUsed: try Self.quantity(gasUsed), effectiveGasPrice: try Self.quantity(answer["effectiveGasPrice"] ?? .string("0x0")),
            logs: try (answer["logs"]?.array ?? []).map { (log: JSON) throws(JSONRPCError) -> Log in try Self.log(log) })
    }

    public struct BlockHeader: Sendable, Equatable {
        public let number: UInt64
        public let timestamp: UInt64
    }

    public func latestBlock() async throws(JSONRPCError) -> BlockHeader {
        let block = try await rpc.call("eth_getBlockByNumber", [.string("latest"), .bool(false)])
        guard let number = block["number"], let timestamp = block["timestamp"] else { throw .malformed("a block without number or timestamp") }
        return BlockHeader(number: try Self.uint64(number), timestamp: try Self.uint64(timestamp))
    }

    /// `eth_getLogs` of one contract over a block range; `topics` is the first topic's alternatives.
    public func logs(of address: Address, firstTopics: [[UInt8]], from: UInt64, to: UInt64) async throws(JSONRPCError) -> [Log] {
        let answer = try await rpc.call("eth_getLogs", [.object([
            "address": .string(address.checksummed), "fromBlock": .string(UInt256(from).hexQuantity), "toBlock": .string(UInt256(to).hexQuantity),
            "topics": .array([.array(firstTopics.map { .string("0x" + Hex.encode($0)) })]),
        ])])
        guard let entries = answer.array else { throw .malformed("eth_getLogs did not answer a list") }
        return try entries.map { (log: JSON) throws(JSONRPCError) -> Log in try Self.log(log) }
    }

    static func log(_ log: JSON) throws(JSONRPCError) -> Log {
        guard let address = log["address"]?.string.flatMap({ try? Address($0) }) else { throw .malformed("a log without an address") }
        var topics: [[UInt8]] = []
        for topic in log["topics"]?.array ?? [] { topics.append(try Self.bytes(topic)) }
        return Log(address: address, topics: topics, data: try Self.bytes(log["data"] ?? .string("0x")))
    }

    static func callObject(to: Address, data: [UInt8], from: Address?) -> JSON {
        var fields: [String: JSON] = ["to": .string(to.checksummed), "data": .string("0x" + Hex.encode(data))]
        if let from { fields["from"] = .string(from.checksummed) }
        return .object(fields)
    }

    // MARK: Decoding answers

    public static func quantity(_ value: JSON) throws(JSONRPCError) -> UInt256 {
        guard let text = value.string, let number = try? UInt256(hex: text) else { throw .malformed("expected a hex quantity, got \(value)") }
        return number
    }

    public static func uint64(_ value: JSON) throws(JSONRPCError) -> UInt64 {
        guard let number = try quantity(value).uint64 else { throw .malformed("quantity \(value) does not fit 64 bits") }
        return number
    }

    public static func bytes(_ value: JSON) throws(JSONRPCError) -> [UInt8] {
        guard let text = value.string, let bytes = Hex.decode(text) else { throw .malformed("expected hex data, got \(value)") }
        return bytes
    }
}
