import Foundation

/// The SMTP server notifications are mailed through: `--smtp-url smtp[s]://user:pass@host:port`
/// and `--smtp-from`. `smtp://` (default port 587) must offer STARTTLS before credentials or
/// mail go over it; `smtps://` (default port 465) is TLS from the first byte.
public struct SMTPServer: Sendable, Equatable {
    public var security: SMTPConversation.Security
    public var host: String
    public var port: Int
    public var user: String?
    public var password: String?
    public var from: String

    /// - Throws: `SMTPServer.Invalid` naming what is wrong, fit for a start-up error.
    public init(url: String, from: String) throws {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(), scheme == "smtp" || scheme == "smtps"
        else { throw Invalid("--smtp-url must look like smtp://user:pass@host:port or smtps://…") }
        guard let host = components.host, !host.isEmpty else { throw Invalid("--smtp-url has no host") }
        guard components.path.isEmpty || components.path == "/", components.query == nil else {
            throw Invalid("--smtp-url takes no path or query")
        }
        security = scheme == "smtps" ? .implicitTLS : .startTLS
        self.host = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        port = components.port ?? (scheme == "smtps" ? 465 : 587)
        guard (1...65535).contains(port) else { throw Invalid("--smtp-url has an invalid port") }
        user = components.percentEncodedUser.flatMap { $0.removingPercentEncoding }
        password = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        if user != nil, password == nil { throw Invalid("--smtp-url gives a user without a password") }
        guard ChannelConfig.isMailbox(from) else { throw Invalid("--smtp-from must be a plain address such as alerts@example.com") }
        self.from = from
    }

    public struct Invalid: Error, CustomStringConvertible, Sendable {
        public var description: String
        public init(_ description: String) { self.description = description }
    }
}

/// A plain-text e-mail as it goes after `DATA`: headers, a base64 body (any text, any line
/// length, safe through every relay), CRLF line ends, dot-stuffed, ending in `CRLF.CRLF`.
public enum MailMessage {
    public static func render(from: String, to: [String], subject: String, body: String, date: Date, messageID: String) -> [UInt8] {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        let encoded = Data(body.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n").utf8)
            .base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        let lines = [
            "From: hookstream <\(from)>", "To: \(to.joined(separator: ", "))", "Subject: \(headerText(subject))",
            "Date: \(formatter.string(from: date))", "Message-ID: <\(messageID)>", "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64", "", encoded,
        ]
        // Base64 never starts a line with '.', but headers could: stuff them all the same.
        let text = lines.joined(separator: "\r\n").split(separator: "\r\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(".") ? "." + $0 : String($0) }.joined(separator: "\r\n")
        return Array((text + "\r\n.\r\n").utf8)
    }

    /// ASCII as it is (newlines removed, so a subject cannot add headers), anything else as an
    /// RFC 2047 encoded word.
    static func headerText(_ text: String) -> String {
        let flat = text.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        guard flat.unicodeScalars.contains(where: { !$0.isASCII }) else { return flat }
        return "=?utf-8?B?\(Data(flat.utf8).base64EncodedString())?="
    }
}
