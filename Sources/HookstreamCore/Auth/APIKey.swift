import Crypto
import Foundation

/// API keys: `hs_live_<64 hex>` or `hs_test_<64 hex>`. Only the SHA-256 of a key is stored;
/// the plaintext exists once, in the response that created it.
public enum APIKey {
    public enum Mode: String, Sendable { case live, test }

    public static func generate(_ mode: Mode = .live) -> String {
        var rng = SystemRandomNumberGenerator()
        var hex = ""
        for _ in 0..<4 { hex += ResourceID.hex(rng.next()) }
        return "hs_\(mode.rawValue)_\(hex)"
    }

    public static func isWellFormed(_ key: String) -> Bool {
        let body: Substring
        if key.hasPrefix("hs_live_") || key.hasPrefix("hs_test_") { body = key.dropFirst(8) } else { return false }
        return body.utf8.count == 64 && body.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    public static func hash(_ key: String) -> String { sha256Hex(key) }

    /// What listings show: `hs_live_a1b2`.
    public static func displayPrefix(_ key: String) -> String { String(key.prefix(12)) }
}

/// Lower-case hex SHA-256 of a string's UTF-8 bytes.
public func sha256Hex(_ text: String) -> String {
    // Every authenticated request hashes its key: no per-byte String(format:) here.
    SignatureEncoding.sha256Hex(Array(text.utf8))
}

/// A random opaque token (session cookies): 32 bytes as 64 hex characters.
public func randomToken() -> String {
    var rng = SystemRandomNumberGenerator()
    return (0..<4).map { _ in ResourceID.hex(rng.next()) }.joined()
}
