import HookstreamCore
import Testing

@Suite struct SMTPConversationTests {
    typealias Reply = SMTPConversation.Reply

    static func conversation(credentials: (user: String, password: String)? = ("ops", "pw"), plain: Bool = false) -> SMTPConversation {
        SMTPConversation(
            security: .startTLS, clientName: "hookstream.local", from: "alerts@example.com", recipients: ["a@example.com", "b@example.com"],
            credentials: credentials, allowPlainWithoutTLS: plain)
    }

    @Test func startTLSThenAuthThenMail() {
        var c = Self.conversation()
        #expect(c.receive(Reply(code: 220, lines: ["mx ready"])) == .send("EHLO hookstream.local"))
        #expect(c.receive(Reply(code: 250, lines: ["mx", "STARTTLS", "8BITMIME"])) == .send("STARTTLS"))
        #expect(c.receive(Reply(code: 220, lines: ["go ahead"])) == .startTLS)
        #expect(c.tlsStarted() == .send("EHLO hookstream.local"))
        #expect(c.receive(Reply(code: 250, lines: ["mx", "AUTH LOGIN PLAIN"])) == .send("AUTH PLAIN AG9wcwBwdw=="))
        #expect(c.receive(Reply(code: 235, lines: ["ok"])) == .send("MAIL FROM:<alerts@example.com>"))
        #expect(c.receive(Reply(code: 250, lines: ["ok"])) == .send("RCPT TO:<a@example.com>"))
        #expect(c.receive(Reply(code: 250, lines: ["ok"])) == .send("RCPT TO:<b@example.com>"))
        #expect(c.receive(Reply(code: 250, lines: ["ok"])) == .send("DATA"))
        #expect(c.receive(Reply(code: 354, lines: ["go"])) == .sendData)
        #expect(c.receive(Reply(code: 250, lines: ["queued"])) == .done)
    }

    @Test func authLoginWhenPlainIsMissing() {
        var c = Self.conversation()
        _ = c.receive(Reply(code: 220, lines: [""]))
        _ = c.receive(Reply(code: 250, lines: ["mx", "STARTTLS"]))
        _ = c.receive(Reply(code: 220, lines: [""]))
        _ = c.tlsStarted()
        #expect(c.receive(Reply(code: 250, lines: ["mx", "AUTH LOGIN"])) == .send("AUTH LOGIN b3Bz"))
        #expect(c.receive(Reply(code: 334, lines: ["UGFzc3dvcmQ6"])) == .send("cHc="))
        #expect(c.receive(Reply(code: 235, lines: ["ok"])) == .send("MAIL FROM:<alerts@example.com>"))
    }

    @Test func neverSendsCredentialsInTheClear() {
        var c = Self.conversation(plain: true)
        _ = c.receive(Reply(code: 220, lines: [""]))
        guard case .fail(let reason, temporary: false) = c.receive(Reply(code: 250, lines: ["mx", "AUTH PLAIN"])) else {
            Issue.record("expected a refusal")
            return
        }
        #expect(reason.contains("STARTTLS"))
        // Without credentials a loopback relay may be used as it is, when allowed.
        var relay = Self.conversation(credentials: nil, plain: true)
        _ = relay.receive(Reply(code: 220, lines: [""]))
        #expect(relay.receive(Reply(code: 250, lines: ["relay"])) == .send("MAIL FROM:<alerts@example.com>"))
    }

    @Test(arguments: [(450, true), (550, false)])
    func rejectedRecipientFailsTemporarilyOnlyFor4xx(_ code: Int, _ temporary: Bool) {
        var c = Self.conversation(credentials: nil)
        _ = c.receive(Reply(code: 220, lines: [""]))
        _ = c.receive(Reply(code: 250, lines: ["mx", "STARTTLS"]))
        _ = c.receive(Reply(code: 220, lines: [""]))
        _ = c.tlsStarted()
        _ = c.receive(Reply(code: 250, lines: ["mx"]))
        _ = c.receive(Reply(code: 250, lines: ["ok"]))
        #expect(c.receive(Reply(code: code, lines: ["no such user"])) == .fail("SMTP RCPT TO:<a@example.com> answered \(code) no such user", temporary: temporary))
    }
}
