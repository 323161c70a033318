import Foundation

/// The client side of one SMTP session (RFC 5321), with STARTTLS (RFC 3207) and AUTH PLAIN or
/// LOGIN (RFC 4954), as a value-type state machine: each server reply goes in, the next thing to
/// do comes out. The connection code only reads replies, writes commands and starts TLS when
/// told; everything about the order of the conversation and what a reply means lives here.
public struct SMTPConversation: Sendable {
    public enum Security: Sendable, Equatable {
        /// `smtps://`: TLS from the first byte (port 465).
        case implicitTLS
        /// `smtp://`: STARTTLS is required before credentials or mail are sent, unless the
        /// server is loopback and offers none (a local relay).
        case startTLS
    }

    public struct Reply: Sendable, Equatable {
        public var code: Int
        public var lines: [String]

        public init(code: Int, lines: [String]) {
            self.code = code
            self.lines = lines
        }

        var text: String { lines.joined(separator: " ") }
    }

    public enum Action: Sendable, Equatable {
        /// Write this command line (without CRLF).
        case send(String)
        /// Write the message's data (already dot-stuffed and ending in `CRLF.CRLF`).
        case sendData
        /// Start TLS on the connection, then call ``tlsStarted()``.
        case startTLS
        /// The message was accepted; send QUIT and close.
        case done
        /// Give up: the reason, and whether a later try could succeed (4xx, not 5xx).
        case fail(String, temporary: Bool)
    }

    enum State: Sendable, Equatable {
        case greeting, ehlo(secured: Bool), startTLS, authPlain, authLoginUser, authLoginPassword, mailFrom, rcptTo(Int), data, body, finished
    }

    let security: Security
    let clientName: String
    let from: String
    let recipients: [String]
    let credentials: (user: String, password: String)?
    let allowPlainWithoutTLS: Bool
    private(set) var state = State.greeting
    private(set) var secured: Bool

    /// - Parameter allowPlainWithoutTLS: a loopback relay that does not offer STARTTLS may be
    ///   used in the clear (never with credentials).
    public init(
        security: Security, clientName: String, from: String, recipients: [String], credentials: (user: String, password: String)?,
        allowPlainWithoutTLS: Bool = false
    ) {
        self.security = security
        self.clientName = clientName
        self.from = from
        self.recipients = recipients
        self.credentials = credentials
        self.allowPlainWithoutTLS = allowPlainWithoutTLS
        self.secured = security == .implicitTLS
    }

    /// The next step after a server reply.
    public mutating func receive(_ reply: Reply) -> Action {
        switch state {
        case .greeting:
            guard reply.code == 220 else { return fail("greeting", reply) }
            state = .ehlo(secured: secured)
            return .send("EHLO \(clientName)")
        case .ehlo:
            guard reply.code == 250 else { return fail("EHLO", reply) }
            let extensions = Set(reply.lines.dropFirst().map { $0.uppercased() })
            if !secured {
                if extensions.contains("STARTTLS") {
                    state = .startTLS
                    return .send("STARTTLS")
                }
                guard allowPlainWithoutTLS, credentials == nil else {
                    state = .finished
                    return .fail("the SMTP server does not offer STARTTLS; refusing to send credentials or mail in the clear", temporary: false)
                }
            }
            return authenticate(extensions)
        case .startTLS:
            guard reply.code == 220 else { return fail("STARTTLS", reply) }
            return .startTLS
        case .authPlain:
            guard reply.code == 235 else { return fail("AUTH", reply) }
            return mailFrom()
        case .authLoginUser:
            guard reply.code == 334, let credentials else { return fail("AUTH LOGIN", reply) }
            state = .authLoginPassword
            return .send(Self.base64(Array(credentials.password.utf8)))
        case .authLoginPassword:
            guard reply.code == 235 else { return fail("AUTH", reply) }
            return mailFrom()
        case .mailFrom:
            guard reply.code == 250 else { return fail("MAIL FROM", reply) }
            state = .rcptTo(0)
            return .send("RCPT TO:<\(recipients[0])>")
        case .rcptTo(let index):
            guard reply.code == 250 || reply.code == 251 else { return fail("RCPT TO:<\(recipients[index])>", reply) }
            if index + 1 < recipients.count {
                state = .rcptTo(index + 1)
                return .send("RCPT TO:<\(recipients[index + 1])>")
            }
            state = .data
            return .send("DATA")
        case .data:
            guard reply.code == 354 else { return fail("DATA", reply) }
            state = .body
            return .sendData
        case .body:
            guard reply.code == 250 else { return fail("the message", reply) }
            state = .finished
            return .done
        case .finished:
            return .fail("unexpected reply after the session ended: \(reply.code)", temporary: false)
        }
    }

    /// TLS is up after STARTTLS: the session starts over with a new EHLO (RFC 3207 §4.2).
    public mutating func tlsStarted() -> Action {
        secured = true
        state = .ehlo(secured: true)
        return .send("EHLO \(clientName)")
    }

    private mutating func authenticate(_ extensions: Set<String>) -> Action {
        guard let credentials else { return mailFrom() }
        let mechanisms = extensions.filter { $0.hasPrefix("AUTH ") || $0.hasPrefix("AUTH=") }
            .flatMap { $0.dropFirst(5).split(separator: " ").map(String.init) }
        if mechanisms.contains("PLAIN") {
            state = .authPlain
            return .send("AUTH PLAIN " + Self.base64([0] + Array(credentials.user.utf8) + [0] + Array(credentials.password.utf8)))
        }
        if mechanisms.contains("LOGIN") {
            state = .authLoginUser
            return .send("AUTH LOGIN " + Self.base64(Array(credentials.user.utf8)))
        }
        state = .finished
        return .fail("the SMTP server offers neither AUTH PLAIN nor AUTH LOGIN, and credentials were given", temporary: false)
    }

    private mutating func mailFrom() -> Action {
        state = .mailFrom
        return .send("MAIL FROM:<\(from)>")
    }

    private mutating func fail(_ step: String, _ reply: Reply) -> Action {
        state = .finished
        return .fail("SMTP \(step) answered \(reply.code) \(reply.text)", temporary: (400..<500).contains(reply.code))
    }

    static func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }
}
