public import Crypto
import Foundation

/// Encrypts secrets at rest (verification secrets, destination credentials) with AES-GCM under
/// the server's master key. The stored form is `v1:` + base64(nonce ‖ ciphertext ‖ tag), so a
/// future key rotation can tell versions apart.
public struct SecretBox: Sendable {
    // Kept as bytes: `SymmetricKey` is not `Sendable`.
    private let keyBytes: [UInt8]
    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    public init(key: SymmetricKey) { self.keyBytes = key.withUnsafeBytes { Array($0) } }

    /// A key from 32 bytes given as 64 hex characters or base64.
    public init?(encodedKey: String) {
        let trimmed = encodedKey.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.count == 64, let bytes = Self.hexBytes(trimmed) {
            self.init(key: SymmetricKey(data: bytes))
        } else if let data = Data(base64Encoded: trimmed), data.count == 32 {
            self.init(key: SymmetricKey(data: data))
        } else {
            return nil
        }
    }

    public static func generateEncodedKey() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }
    }

    public func seal(_ plaintext: String) throws -> String {
        let box = try AES.GCM.seal(Data(plaintext.utf8), using: key)
        guard let combined = box.combined else { throw SecretBoxError.sealFailed }
        return "v1:" + combined.base64EncodedString()
    }

    public func open(_ sealed: String) throws -> String {
        guard sealed.hasPrefix("v1:"), let data = Data(base64Encoded: String(sealed.dropFirst(3))) else {
            throw SecretBoxError.malformed
        }
        let box = try AES.GCM.SealedBox(combined: data)
        let plain = try AES.GCM.open(box, using: key)
        guard let s = String(data: plain, encoding: .utf8) else { throw SecretBoxError.malformed }
        return s
    }

    /// What responses show of a secret: its last four characters.
    public static func mask(_ secret: String) -> String {
        secret.count <= 4 ? String(repeating: "•", count: secret.count) : "••••" + secret.suffix(4)
    }

    static func hexBytes(_ hex: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        var iterator = hex.utf8.makeIterator()
        while let a = iterator.next() {
            guard let b = iterator.next(), let hi = hexValue(a), let lo = hexValue(b) else { return nil }
            bytes.append(hi << 4 | lo)
        }
        return bytes
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x61...0x66: c - 0x61 + 10
        case 0x41...0x46: c - 0x41 + 10
        default: nil
        }
    }
}

public enum SecretBoxError: Error { case sealFailed, malformed }
