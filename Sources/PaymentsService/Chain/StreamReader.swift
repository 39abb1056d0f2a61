import Ethereum

/// Reads streams from the StreamPayment contract with the block time they were read at. Many streams cost one
/// JSON-RPC batch: the latest block, then one `eth_call` per 200 streams that runs `BatchReadCode` (creation
/// code that calls `streams(id)` for each id and returns the results; nothing is deployed). A node that refuses
/// that call gets one `streams(id)` call per stream instead, still batched. Each stream's answer stands alone:
/// one bad stream does not spoil the others.
struct StreamReader: Sendable {
    let node: EthereumNode
    let contract: Address
    var streamsPerCall = 200

    struct Reading: Sendable {
        let blockTime: UInt64
        let streams: [UInt256: Result<ChainStream, StreamReadError>]
    }

    static let recordSize = 9 * 32

    func read(_ streamIDs: [UInt256]) async throws(JSONRPCError) -> Reading {
        let chunks = stride(from: 0, to: streamIDs.count, by: streamsPerCall).map { Array(streamIDs[$0..<min($0 + streamsPerCall, streamIDs.count)]) }
        let calls = [(method: "eth_getBlockByNumber", params: [JSON.string("latest"), .bool(false)])] + chunks.map { chunk in
            (method: "eth_call", params: [
                JSON.object(["data": .string("0x" + Hex.encode(BatchReadCode.call(contract: contract, streamIDs: chunk)))]),
                .string("latest"),
            ])
        }
        let answers = try await node.rpc.batch(calls)
        let block = try answers[0].get()
        guard let time = block["timestamp"] else { throw .malformed("the latest block has no timestamp") }
        let blockTime = try EthereumNode.uint64(time)
        var streams: [UInt256: Result<ChainStream, StreamReadError>] = [:]
        var unread: [UInt256] = []
        for (index, chunk) in chunks.enumerated() {
            guard let data = try? answers[index + 1].get(), let bytes = try? EthereumNode.bytes(data), bytes.count == chunk.count * Self.recordSize else {
                unread += chunk
                continue
            }
            for (position, id) in chunk.enumerated() {
                streams[id] = Self.decode(Array(bytes[(position * Self.recordSize)..<((position + 1) * Self.recordSize)]))
            }
        }
        if !unread.isEmpty {
            for (id, result) in try await readOneByOne(unread) { streams[id] = result }
        }
        return Reading(blockTime: blockTime, streams: streams)
    }

    /// The plain way: `streams(id)` per stream, all in one batch.
    func readOneByOne(_ streamIDs: [UInt256]) async throws(JSONRPCError) -> [UInt256: Result<ChainStream, StreamReadError>] {
        let calls = streamIDs.map { id in
            (method: "eth_call", params: [
                JSON.object(["to": .string(contract.checksummed), "data": .string("0x" + Hex.encode(ABI.call("streams(uint256)", [.uint(id)])))]),
                .string("latest"),
            ])
        }
        let answers = try await node.rpc.batch(calls)
        var streams: [UInt256: Result<ChainStream, StreamReadError>] = [:]
        for (index, id) in streamIDs.enumerated() {
            streams[id] = answers[index].mapError { StreamReadError.rpc($0) }.flatMap { result in
                guard let bytes = try? EthereumNode.bytes(result) else { return .failure(.malformed("expected hex data, got \(result)")) }
                return Self.decode(bytes)
            }
        }
        return streams
    }

    static func decode(_ bytes: [UInt8]) -> Result<ChainStream, StreamReadError> {
        do { return .success(try ChainStream(abi: bytes)) } catch { return .failure(.malformed("\(error)")) }
    }
}

/// EVM creation code that reads many streams in one `eth_call` without deploying anything. Its arguments follow
/// it: the contract address, then the stream ids, one 32-byte word each. For each id it STATICCALLs
/// `streams(uint256)` (0x64d60d91) and appends the 288-byte answer; it reverts if a call fails or answers short,
/// and the reader then falls back to one call per stream. Assembly (L = 93, the code's length):
///
///     PUSH4 0x64d60d91 PUSH1 0xe0 SHL PUSH1 0 MSTORE          ; selector at memory 0..4
///     PUSH1 0x20 PUSH2 L PUSH1 0x40 CODECOPY PUSH1 0x40 MLOAD  ; [addr]
///     PUSH2 L+32 PUSH1 0x60                                    ; [addr, p (next id in code), o (output end)]
///     loop: JUMPDEST CODESIZE DUP3 LT ISZERO PUSH2 end JUMPI   ; p >= codesize: done
///       PUSH1 0x20 DUP3 PUSH1 4 CODECOPY                       ; id at memory 4..36
///       PUSH2 0x120 DUP2 PUSH1 0x24 PUSH1 0 DUP7 GAS STATICCALL ; streams(id) → memory o..o+288
///       ISZERO PUSH2 fail JUMPI RETURNDATASIZE PUSH2 0x120 GT PUSH2 fail JUMPI
///       PUSH2 0x120 ADD SWAP1 PUSH1 0x20 ADD SWAP1 PUSH2 loop JUMP
///     end: JUMPDEST PUSH1 0x60 SWAP1 SUB PUSH1 0x60 RETURN     ; memory 0x60..o
///     fail: JUMPDEST PUSH1 0 DUP1 REVERT
enum BatchReadCode {
    static let code: [UInt8] = Hex.decode(
        "6364d60d9160e01b600052602061005d60403960405161007d60605b38821015610050576020826004396101208160246000865afa15610058"
            + "573d610120116100585761012001906020019061001b565b606090036060f35b600080fd")!

    static func call(contract: Address, streamIDs: [UInt256]) -> [UInt8] {
        code + ABI.encode([.address(contract)] + streamIDs.map { .uint($0) })
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
