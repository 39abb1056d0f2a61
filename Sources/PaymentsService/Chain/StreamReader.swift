import Ethereum

/// Reads streams from the StreamPayment contract: one with `eth_call`, many in one JSON-RPC batch (the monitor's
/// tick), each answer separately (one bad stream does not spoil the others), with the block time they were read at.
struct StreamReader: Sendable {
    let node: EthereumNode
    let contract: Address

    struct Reading: Sendable {
        let blockTime: UInt64
        let streams: [UInt256: Result<ChainStream, StreamReadError>]
    }

    func read(_ streamIDs: [UInt256]) async throws(JSONRPCError) -> Reading {
        let calls = [(method: "eth_getBlockByNumber", params: [JSON.string("latest"), .bool(false)])] + streamIDs.map { id in
            (method: "eth_call", params: [
                JSON.object(["to": .string(contract.checksummed), "data": .string("0x" + Hex.encode(ABI.call("streams(uint256)", [.uint(id)])))]),
                .string("latest"),
            ])
        }
        let answers = try await node.rpc.batch(calls)
        let block = try answers[0].get()
        guard let time = block["timestamp"] else { throw .malformed("the latest block has no timestamp") }
        let blockTime = try EthereumNode.uint64(time)
        var streams: [UInt256: Result<ChainStream, StreamReadError>] = [:]
        for (index, id) in streamIDs.enumerated() {
            streams[id] = answers[index + 1].mapError { StreamReadError.rpc($0) }.flatMap { result in
                Result { () throws(StreamReadError) -> ChainStream in
                    do { return try ChainStream(abi: try EthereumNode.bytes(result)) } catch let error as ABIError {
                        throw .malformed("\(error)")
                    } catch {
                        throw .malformed("\(error)")
                    }
                }
            }
        }
        return Reading(blockTime: blockTime, streams: streams)
    }
}

enum StreamReadError: Error, Equatable, CustomStringConvertible {
    case rpc(JSONRPCError)
    case malformed(String)

    var description: String {
        switch self {
        case .rpc(let error): "\(error)"
        case .malformed(let why): "malformed stream data: \(why)"
        }
    }
}
