/// A PostgreSQL connection URI as users paste it (`postgres://user:pass@host:5432/db?sslmode=require`),
/// parsed without I/O. Only the parts hookstream uses are kept; an unknown query parameter is an
/// error so a typo never silently changes how a connection is secured.
public struct PostgresURI: Sendable, Equatable {
    public enum SSLMode: String, Sendable, Equatable, CaseIterable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public var username: String
    public var password: String?
    public var host: String
    public var port: Int
    public var database: String
    public var sslMode: SSLMode

    public init(username: String, password: String?, host: String, port: Int = 5432, database: String, sslMode: SSLMode = .prefer) {
        self.username = username
        self.password = password
        self.host = host
        self.port = port
        self.database = database
        self.sslMode = sslMode
    }

    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// - Throws: ``ParseError`` saying what is wrong, in words fit for a 400.
    public init(parsing text: String) throws(ParseError) {
        let schemes = ["postgres://", "postgresql://"]
        guard let scheme = schemes.first(where: { text.hasPrefix($0) }) else {
            throw ParseError(description: "connection_uri must start with postgres:// or postgresql://")
        }
        var rest = Substring(text.dropFirst(scheme.count))
        var query = Substring("")
        if let q = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: q)...]
            rest = rest[..<q]
        }
        var path = Substring("")
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        var user = Substring("")
        var password: Substring?
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                user = credentials[..<colon]
                password = credentials[credentials.index(after: colon)...]
            } else {
                user = credentials
            }
        }
        guard let username = Self.percentDecoded(user), !username.isEmpty else {
            throw ParseError(description: "connection_uri needs a user name (postgres://USER:PASSWORD@HOST:PORT/DATABASE)")
        }
        self.username = username
        if let password {
            guard let decoded = Self.percentDecoded(password) else { throw ParseError(description: "connection_uri has a badly escaped password") }
            self.password = decoded
        } else {
            self.password = nil
        }
        // Host and port; an IPv6 literal is bracketed.
        var hostPart = rest
        var portText: Substring?
        if hostPart.hasPrefix("[") {
            guard let close = hostPart.firstIndex(of: "]") else { throw ParseError(description: "connection_uri has an unclosed [IPv6] host") }
            let after = hostPart[hostPart.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty { throw ParseError(description: "connection_uri has text after its [IPv6] host") }
            hostPart = hostPart[hostPart.index(after: hostPart.startIndex)..<close]
        } else if let colon = hostPart.lastIndex(of: ":") {
            portText = hostPart[hostPart.index(after: colon)...]
            hostPart = hostPart[..<colon]
        }
        guard !hostPart.isEmpty else { throw ParseError(description: "connection_uri needs a host") }
        host = String(hostPart)
        if let portText {
            guard let port = Int(portText), (1...65535).contains(port) else { throw ParseError(description: "connection_uri has an invalid port '\(portText)'") }
            self.port = port
        } else {
            port = 5432
        }
        guard let database = Self.percentDecoded(path) else { throw ParseError(description: "connection_uri has a badly escaped database name") }
        self.database = database.isEmpty ? username : database
        sslMode = .prefer
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(parts[0])
            let value = parts.count > 1 ? String(parts[1]) : ""
            switch key {
            case "sslmode":
                guard let mode = SSLMode(rawValue: value) else {
                    throw ParseError(description: "connection_uri has an unknown sslmode '\(value)' (one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                sslMode = mode
            default:
                throw ParseError(description: "connection_uri has an unsupported parameter '\(key)' (only sslmode is read)")
            }
        }
    }

    /// The URI with its password masked, as every response shows it.
    public var masked: String {
        var out = "postgres://" + Self.percentEncoded(username)
        if password != nil { out += ":****" }
        out += "@" + (host.contains(":") ? "[\(host)]" : host) + ":\(port)/" + Self.percentEncoded(database)
        if sslMode != .prefer { out += "?sslmode=\(sslMode.rawValue)" }
        return out
    }

    /// The URI in full (for sealing at rest and for tests that connect with it).
    public var text: String {
        var out = "postgres://" + Self.percentEncoded(username)
        if let password { out += ":" + Self.percentEncoded(password) }
        out += "@" + (host.contains(":") ? "[\(host)]" : host) + ":\(port)/" + Self.percentEncoded(database)
        if sslMode != .prefer { out += "?sslmode=\(sslMode.rawValue)" }
        return out
    }

    private static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let c = utf8.popFirst() {
            if c == UInt8(ascii: "%") {
                guard utf8.count >= 2, let byte = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16) else { return nil }
                bytes.append(byte)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(c)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let c = Character(Unicode.Scalar(byte))
            if byte < 0x80, c.isLetter || c.isNumber || "-._~".contains(c) {
                out.append(c)
            } else {
                out += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return out
    }
}
