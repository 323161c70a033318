import Crypto
import Foundation

/// The HMAC hash functions webhook providers use. Inbound verification and outbound signing
/// both go through ``mac(key:message:)`` so there is one HMAC code path.
public enum HMACAlgorithm: String, Sendable, Equatable, CaseIterable {
    case sha256
    case sha1

    /// Length in bytes of a MAC produced with this hash.
    public var digestLength: Int {
        switch self {
        case .sha256: 32
        case .sha1: 20
        }
    }

    /// HMAC of `message` under `key`.
    public func mac(key: some ContiguousBytes, message: some DataProtocol) -> [UInt8] {
        let symmetricKey = SymmetricKey(data: key)
        switch self {
        case .sha256:
            return Array(HMAC<SHA256>.authenticationCode(for: message, using: symmetricKey))
        case .sha1:
            return Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: symmetricKey))
        }
    }
}

/// Byte-level helpers shared by the verifiers and the signer.
public enum SignatureEncoding {
    /// Compares two byte strings without an early exit on the first differing byte, so the time
    /// taken does not reveal how much of a forged signature was right. A length difference is
    /// not secret (every signature of a scheme has the same length) and returns at once.
    public static func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices {
            difference |= lhs[index] ^ rhs[index]
        }
        return difference == 0
    }

    /// Lowercase hexadecimal.
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes hexadecimal (either case); `nil` for odd lengths or any non-hex character.
    public static func decodeHex(_ text: some StringProtocol) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = hexValue(utf8[index]), let low = hexValue(utf8[index + 1]) else {
                return nil
            }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    private static func hexValue(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Standard base64 with padding.
    public static func base64(_ bytes: some Sequence<UInt8>) -> String {
        Data(bytes).base64EncodedString()
    }

    /// Decodes standard base64. Missing `=` padding is tolerated (the Standard Webhooks Python
    /// library pads before decoding, and users paste secrets without it); any other deviation
    /// returns `nil`.
    public static func decodeBase64(_ text: some StringProtocol) -> [UInt8]? {
        var string = String(text)
        guard !string.isEmpty else { return [] }
        let remainder = string.utf8.count % 4
        if remainder == 1 { return nil }
        if remainder > 0 { string += String(repeating: "=", count: 4 - remainder) }
        return Data(base64Encoded: string).map(Array.init)
    }

    /// SHA-256 of `bytes` as lowercase hex.
    public static func sha256Hex(_ bytes: some DataProtocol) -> String {
        hex(SHA256.hash(data: bytes))
    }
}
