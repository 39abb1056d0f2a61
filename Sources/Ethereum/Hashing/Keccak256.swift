/// Keccak-256 as Ethereum uses it: the original Keccak padding (0x01 … 0x80), not SHA3-256's (0x06 … 0x80).
/// No package on this machine offers it, so it is written here from the Keccak reference (FIPS 202's
/// permutation, Keccak team's pseudo-code) and tested against published digests.
///
///     Keccak256.hash(Array("abc".utf8))   // 4e03657a…6d6c45
public enum Keccak256 {
    static let rateBytes = 136

    public static func hash<Bytes: Collection<UInt8>>(_ message: Bytes) -> [UInt8] { sponge(message, domain: 0x01) }

    /// The sponge with its first padding byte: 0x01 is Keccak, 0x06 is FIPS 202's SHA3-256 (which lets the tests
    /// check the permutation against Python's hashlib as well as against Keccak's published digests).
    static func sponge<Bytes: Collection<UInt8>>(_ message: Bytes, domain: UInt8) -> [UInt8] {
        var state = [UInt64](repeating: 0, count: 25)
        var block = [UInt8](repeating: 0, count: rateBytes)
        var filled = 0
        for byte in message {
            block[filled] = byte
            filled += 1
            if filled == rateBytes {
                absorb(block, into: &state)
                filled = 0
            }
        }
        // Padding: the remaining bytes are zero, then the domain byte after the message and 0x80 at the end of the block.
        for index in filled..<rateBytes { block[index] = 0 }
        block[filled] ^= domain
        block[rateBytes - 1] ^= 0x80
        absorb(block, into: &state)
        var digest = [UInt8]()
        digest.reserveCapacity(32)
        for lane in state[0..<4] {
            for shift in stride(from: 0, to: 64, by: 8) { digest.append(UInt8(truncatingIfNeeded: lane >> UInt64(shift))) }
        }
        return digest
    }

    private static func absorb(_ block: [UInt8], into state: inout [UInt64]) {
        for lane in 0..<(rateBytes / 8) {
            var value: UInt64 = 0
            for byte in 0..<8 { value |= UInt64(block[lane * 8 + byte]) << UInt64(8 * byte) }
            state[lane] ^= value
        }
        permute(&state)
    }

    static let roundConstants: [UInt64] = [
        0x0000_0000_0000_0001, 0x0000_0000_0000_8082, 0x8000_0000_0000_808A, 0x8000_0000_8000_8000,
        0x0000_0000_0000_808B, 0x0000_0000_8000_0001, 0x8000_0000_8000_8081, 0x8000_0000_0000_8009,
        0x0000_0000_0000_008A, 0x0000_0000_0000_0088, 0x0000_0000_8000_8009, 0x0000_0000_8000_000A,
        0x0000_0000_8000_808B, 0x8000_0000_0000_008B, 0x8000_0000_0000_8089, 0x8000_0000_0000_8003,
        0x8000_0000_0000_8002, 0x8000_0000_0000_0080, 0x0000_0000_0000_800A, 0x8000_0000_8000_000A,
        0x8000_0000_8000_8081, 0x8000_0000_0000_8080, 0x0000_0000_8000_0001, 0x8000_0000_8000_8008,
    ]
    /// ρ offsets and π destinations, walked together along the π cycle that starts at lane 1.
    static let rotations: [UInt64] = [1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 2, 14, 27, 41, 56, 8, 25, 43, 62, 18, 39, 61, 20, 44]
    static let destinations = [10, 7, 11, 17, 18, 3, 5, 16, 8, 21, 24, 4, 15, 23, 19, 13, 12, 2, 20, 14, 22, 9, 6, 1]

    /// Keccak-f[1600]: 24 rounds of θ, ρ, π, χ, ι over 25 lanes (lane x + 5y).
    static func permute(_ a: inout [UInt64]) {
        var columns = [UInt64](repeating: 0, count: 5)
        for round in 0..<24 {
            for x in 0..<5 { columns[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20] }
            for x in 0..<5 {
                let d = columns[(x + 4) % 5] ^ rotateLeft(columns[(x + 1) % 5], 1)
                for y in stride(from: 0, to: 25, by: 5) { a[y + x] ^= d }
            }
            var carried = a[1]
            for step in 0..<24 {
                let target = destinations[step]
                let displaced = a[target]
                a[target] = rotateLeft(carried, rotations[step])
                carried = displaced
            }
            for y in stride(from: 0, to: 25, by: 5) {
                let row = (a[y], a[y + 1], a[y + 2], a[y + 3], a[y + 4])
                a[y] = row.0 ^ (~row.1 & row.2)
                a[y + 1] = row.1 ^ (~row.2 & row.3)
                a[y + 2] = row.2 ^ (~row.3 & row.4)
                a[y + 3] = row.3 ^ (~row.4 & row.0)
                a[y + 4] = row.4 ^ (~row.0 & row.1)
            }
            a[0] ^= roundConstants[round]
        }
    }

    @inline(__always)
    static func rotateLeft(_ value: UInt64, _ count: UInt64) -> UInt64 { (value << count) | (value >> (64 - count)) }
}
