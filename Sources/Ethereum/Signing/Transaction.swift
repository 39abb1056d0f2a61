/// Transactions the provider sends (withdrawals), signed for one chain.
/// EIP-1559 (type 2) is the default; legacy EIP-155 is there for chains without a fee market.
public enum Transaction: Sendable, Equatable {
    case eip1559(EIP1559Transaction)
    case legacy(LegacyTransaction)

    /// The bytes for `eth_sendRawTransaction` and their hash (the transaction hash).
    public func signed(with key: PrivateKey) throws(SigningError) -> (raw: [UInt8], hash: [UInt8]) {
        let raw = switch self {
        case .eip1559(let transaction): try transaction.signed(with: key)
        case .legacy(let transaction): try transaction.signed(with: key)
        }
        return (raw, Keccak256.hash(raw))
    }
}

/// EIP-1559: `0x02 || rlp([chainId, nonce, maxPriorityFeePerGas, maxFeePerGas, gas, to, value, data, accessList,
/// yParity, r, s])`, signed over keccak256 of the same without the last three fields.
public struct EIP1559Transaction: Sendable, Equatable {
    public var chainID: UInt64
    public var nonce: UInt64
    public var maxPriorityFeePerGas: UInt256
    public var maxFeePerGas: UInt256
    public var gasLimit: UInt64
    public var to: Address?
    public var value: UInt256
    public var data: [UInt8]

    public init(chainID: UInt64, nonce: UInt64, maxPriorityFeePerGas: UInt256, maxFeePerGas: UInt256, gasLimit: UInt64,
                to: Address?, value: UInt256, data: [UInt8]) {
        self.chainID = chainID
        self.nonce = nonce
        self.maxPriorityFeePerGas = maxPriorityFeePerGas
        self.maxFeePerGas = maxFeePerGas
        self.gasLimit = gasLimit
        self.to = to
        self.value = value
        self.data = data
    }

    var unsignedFields: [RLP] {
        [.uint(chainID), .uint(nonce), .bytes(maxPriorityFeePerGas.minimalBigEndianBytes), .bytes(maxFeePerGas.minimalBigEndianBytes),
         .uint(gasLimit), .bytes(to?.bytes ?? []), .bytes(value.minimalBigEndianBytes), .bytes(data), .list([])]
    }

    public var signingHash: [UInt8] { Keccak256.hash([0x02] + RLP.list(unsignedFields).encoded) }

    func signed(with key: PrivateKey) throws(SigningError) -> [UInt8] {
        let signature = try key.sign(digest: signingHash)
        let fields = unsignedFields + [.uint(UInt64(signature.recoveryID)), .bytes(Self.trimmed(signature.r)), .bytes(Self.trimmed(signature.s))]
        return [0x02] + RLP.list(fields).encoded
    }

    /// r and s are integers in RLP: no leading zero bytes.
    static func trimmed(_ bytes: [UInt8]) -> [UInt8] { Array(bytes.drop { $0 == 0 }) }
}

/// Legacy with EIP-155 replay protection: signed over rlp([nonce, gasPrice, gas, to, value, data, chainId, 0, 0]);
/// v = recoveryID + 35 + 2 × chainId.
public struct LegacyTransaction: Sendable, Equatable {
    public var chainID: UInt64
    public var nonce: UInt64
    public var gasPrice: UInt256
    public var gasLimit: UInt64
    public var to: Address?
    public var value: UInt256
    public var data: [UInt8]

    public init(chainID: UInt64, nonce: UInt64, gasPrice: UInt256, gasLimit: UInt64, to: Address?, value: UInt256, data: [UInt8]) {
        self.chainID = chainID
        self.nonce = nonce
        self.gasPrice = gasPrice
        self.gasLimit = gasLimit
        self.to = to
        self.value = value
        self.data = data
    }

    var baseFields: [RLP] {
        [.uint(nonce), .bytes(gasPrice.minimalBigEndianBytes), .uint(gasLimit), .bytes(to?.bytes ?? []),
         .bytes(value.minimalBigEndianBytes), .bytes(data)]
    }

    public var signingHash: [UInt8] { Keccak256.hash(RLP.list(baseFields + [.uint(chainID), .uint(0), .uint(0)]).encoded) }

    func signed(with key: PrivateKey) throws(SigningError) -> [UInt8] {
        let signature = try key.sign(digest: signingHash)
        let v = UInt64(signature.recoveryID) + 35 + 2 * chainID
        let fields = baseFields + [.uint(v), .bytes(EIP1559Transaction.trimmed(signature.r)), .bytes(EIP1559Transaction.trimmed(signature.s))]
        return RLP.list(fields).encoded
    }
}
