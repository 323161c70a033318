import Foundation
#if canImport(Glibc)
import Glibc
#endif
import HookstreamCore
import HookstreamDelivery
import HookstreamTesting
import JSONValue
import Testing

/// E-mail channels against real SMTP servers: the `smtp` test service (scripts/services/smtp,
/// Python aiosmtpd on loopback) runs a plain relay, a server requiring STARTTLS then AUTH, and
/// an smtps server requiring AUTH, all with a certificate from a throwaway CA that hookstream
/// trusts through `--smtp-ca-file`. Run with the service around the tests:
///     scripts/with-services smtp -- swift test --skip-build --filter EmailChannelTests
/// Each test mails unique recipients and reads back only the messages addressed to them.
@Suite struct EmailChannelTests {
    /// What the `smtp` test service told the test run.
    struct SMTPService {
        let plainPort: Int
        let startTLSPort: Int
        let smtpsPort: Int
        let caFile: String
        let log: String
        let login: String

        init() throws {
            let environment = ProcessInfo.processInfo.environment
            func value(_ name: String) throws -> String {
                guard let value = environment[name], !value.isEmpty else {
                    throw TestServerError(
                        "\(name) is not set: run these tests with the smtp test service "
                            + "(scripts/with-services smtp -- swift test --skip-build --filter EmailChannelTests, or scripts/test)")
                }
                return value
            }
            func port(_ name: String) throws -> Int {
                guard let port = Int(try value(name)) else { throw TestServerError("\(name) is not a port number") }
                return port
            }
            plainPort = try port("HOOKSTREAM_TEST_SMTP_PLAIN_PORT")
            startTLSPort = try port("HOOKSTREAM_TEST_SMTP_STARTTLS_PORT")
            smtpsPort = try port("HOOKSTREAM_TEST_SMTPS_PORT")
            caFile = try value("HOOKSTREAM_TEST_SMTP_CA_FILE")
            log = try value("HOOKSTREAM_TEST_SMTP_LOG")
            // `user:password`, percent-encoded into the URL below.
            login = try value("HOOKSTREAM_TEST_SMTP_LOGIN")
        }

        /// `user:password@` for an `smtp[s]://` URL, or a wrong password for the same user.
        func credentials(wrongPassword: Bool = false) -> String {
            let parts = login.split(separator: ":", maxSplits: 1).map(String.init)
            let password = wrongPassword ? "not-" + parts[1] : parts[1]
            let encode = { (text: String) in text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text }
            return "\(encode(parts[0])):\(encode(password))@"
        }

        /// The messages accepted so far for any of `recipients`.
        func messages(to recipients: [String]) -> [JSON] {
            ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n")
                .compactMap { try? JSON(parsing: Array($0.utf8)) }
                .filter { message in message["to"]?.arrayValue?.contains { recipients.contains($0.stringValue ?? "") } == true }
        }
    }

    static func recipient(_ local: String = "oncall") -> String { "\(local)-\(UUID().uuidString.prefix(8).lowercased())@example.com" }

    static func server(_ url: String, caFile: String?) async throws -> TestServer {
        try await TestServer.start {
            $0.smtpURL = url
            $0.smtpFrom = "alerts@example.com"
            $0.smtpCAFile = caFile
            $0.notificationRetryDelaysSeconds = [0.05, 0.05]
            // The Python SMTP server's TLS conversations have taken over 10 s (the default)
            // three times running on a loaded 2-core machine.
            $0.notificationTimeoutSeconds = 30
        }
    }

    /// `POST …/test` sends at once, trying up to three times: a TLS conversation with the
    /// Python SMTP server can take seconds on a machine running the whole suite, so the answer
    /// is awaited longer than the client's usual 30 s.
    func sendTest(_ server: TestServer, _ channelID: String) async throws -> TestResponse {
        try await server.client.request("POST", "/v1/notification-channels/\(channelID)/test", json: [:], timeout: .seconds(150))
    }

    func channel(_ server: TestServer, to recipients: [String]) async throws -> String {
        let created = try await server.client.post(
            "/v1/notification-channels", ["name": "On call", "channel_type": "email", "config": ["to": .array(recipients.map(JSON.string))]])
        #expect(created.status == 201, "\(created.text)")
        #expect(created.json["config"]?["to"] == .array(recipients.map(JSON.string)))
        return try #require(created.json["id"]?.stringValue, "\(created.text)")
    }

    /// The text of a message's base64 body.
    func body(_ data: String) -> String {
        let encoded = data.components(separatedBy: "\r\n\r\n").dropFirst().joined().replacingOccurrences(of: "\r\n", with: "")
            .replacingOccurrences(of: "\n", with: "")
        return Data(base64Encoded: encoded).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    @Test func aTestNotificationArrivesOverSTARTTLSWithAuth() async throws {
        let smtp = try SMTPService()
        let server = try await Self.server("smtp://\(smtp.credentials())localhost:\(smtp.startTLSPort)", caFile: smtp.caFile)
        defer { server.stop() }
        let to = [Self.recipient(), Self.recipient("team")]
        let id = try await channel(server, to: to)

        let sent = try await sendTest(server, id)
        // One attempt normally; a loaded machine may time a conversation out and retry it.
        #expect(sent.json["success"] == true && sent.json["status_code"] == 250 && (sent.json["attempts"]?.numberValue ?? 0) >= 1, "\(sent.text)")
        let mail = try #require(smtp.messages(to: to).first)
        #expect(mail["server"] == "starttls" && mail["tls"] == true)
        #expect(mail["login"] == .string(String(smtp.login.split(separator: ":")[0])))
        #expect(mail["from"] == "alerts@example.com")
        #expect(mail["to"] == .array(to.map(JSON.string)))
        let data = mail["data"]?.stringValue ?? ""
        #expect(data.contains("Subject: [hookstream] Test notification from hookstream"), "\(data)")
        #expect(data.contains("To: \(to.joined(separator: ", "))"))
        #expect(body(data).contains("This is a test notification for the channel \"On call\""), "\(body(data))")
        let recent = try await server.client.get("/v1/notification-channels/\(id)").json["recent_notifications"]?[0]
        #expect(recent?["status"] == "success" && recent?["status_code"] == 250, "\(String(describing: recent))")
    }

    /// What alerting is for: a rule that fires mails its channel, with the rule in the message.
    @Test func aFiringAlertRuleSendsAnEmail() async throws {
        let smtp = try SMTPService()
        let clock = ManualClock()
        let server = try await TestServer.start {
            $0.smtpURL = "smtp://\(smtp.credentials())localhost:\(smtp.startTLSPort)"
            $0.smtpFrom = "alerts@example.com"
            $0.smtpCAFile = smtp.caFile
            $0.clock = clock
            $0.alertIntervalSeconds = 1
            $0.notificationRetryDelaysSeconds = [0.05]
        }
        defer { server.stop() }
        let failing = try await TestReceiver.start()
        defer { failing.stop() }
        failing.setDefault(.status(503))
        let c = server.client
        let to = [Self.recipient()]
        let channelID = try await channel(server, to: to)
        let source = try await AlertRulesTests.create(c, "/v1/sources", ["name": "Shop"])
        let bad = try await AlertRulesTests.create(c, "/v1/destinations", ["name": "Bad", "url": .string(failing.url), "retry_max_attempts": 1])
        _ = try await AlertRulesTests.create(c, "/v1/connections", ["source_id": .string(source), "destination_id": .string(bad)])
        let rule = try await AlertRulesTests.create(
            c, "/v1/alert-rules",
            ["name": "Errors", "rule_type": "failure_rate", "rule_config": ["threshold": 0.1], "channel_ids": [.string(channelID)]])
        _ = try await server.anonymous.post("/v1/ingest/\(source)", ["n": 1])
        try await c.eventually("/v1/delivery-attempts?status=failed") { $0["pagination"]?["total"] == 1 }

        try await AlertRulesTests.drive(clock) { !smtp.messages(to: to).isEmpty }
        let mail = try #require(smtp.messages(to: to).first)
        let data = mail["data"]?.stringValue ?? ""
        #expect(data.contains("Subject: [hookstream]") && data.contains("Errors"), "\(data)")
        #expect(body(data).contains("Rule ID: \(rule)"), "\(body(data))")
        let recent = try await c.eventually("/v1/notification-channels/\(channelID)") { $0["recent_notifications"]?[0] != nil }
        #expect(recent["recent_notifications"]?[0]?["status"] == "success" && recent["recent_notifications"]?[0]?["alert_rule_id"] == .string(rule))
    }

    @Test func smtpsIsTLSFromTheFirstByte() async throws {
        let smtp = try SMTPService()
        let server = try await Self.server("smtps://\(smtp.credentials())localhost:\(smtp.smtpsPort)", caFile: smtp.caFile)
        defer { server.stop() }
        let to = [Self.recipient()]
        let sent = try await sendTest(server, try await channel(server, to: to))
        #expect(sent.json["success"] == true, "\(sent.text)")
        let mail = try #require(smtp.messages(to: to).first)
        #expect(mail["server"] == "smtps" && mail["login"] != .null)
    }

    /// A relay on loopback that offers no STARTTLS takes mail in the clear, without credentials.
    @Test func aLoopbackRelayWithoutTLSTakesPlainMail() async throws {
        let smtp = try SMTPService()
        let server = try await Self.server("smtp://127.0.0.1:\(smtp.plainPort)", caFile: nil)
        defer { server.stop() }
        let to = [Self.recipient()]
        let sent = try await sendTest(server, try await channel(server, to: to))
        #expect(sent.json["success"] == true, "\(sent.text)")
        let mail = try #require(smtp.messages(to: to).first)
        #expect(mail["server"] == "plain" && mail["tls"] == false && mail["login"] == .null)
    }

    /// Credentials are never sent where the server offers no TLS, loopback or not.
    @Test func credentialsAreNeverSentInTheClear() async throws {
        let smtp = try SMTPService()
        let server = try await Self.server("smtp://\(smtp.credentials())127.0.0.1:\(smtp.plainPort)", caFile: nil)
        defer { server.stop() }
        let to = [Self.recipient()]
        let sent = try await sendTest(server, try await channel(server, to: to))
        #expect(sent.json["success"] == false && sent.json["attempts"] == 1, "\(sent.text)")
        #expect(sent.json["error"]?.stringValue?.contains("does not offer STARTTLS") == true, "\(sent.text)")
        #expect(smtp.messages(to: to).isEmpty)
    }

    @Test func aRefusedLoginIsFinalAndRecorded() async throws {
        let smtp = try SMTPService()
        let server = try await Self.server("smtp://\(smtp.credentials(wrongPassword: true))localhost:\(smtp.startTLSPort)", caFile: smtp.caFile)
        defer { server.stop() }
        let to = [Self.recipient()]
        let id = try await channel(server, to: to)
        let sent = try await sendTest(server, id)
        #expect(sent.json["success"] == false && sent.json["attempts"] == 1 && sent.json["status_code"] == 535, "\(sent.text)")
        #expect(smtp.messages(to: to).isEmpty)
        let recent = try await server.client.get("/v1/notification-channels/\(id)").json["recent_notifications"]?[0]
        #expect(recent?["status"] == "failed" && recent?["error"]?.stringValue?.contains("AUTH") == true, "\(String(describing: recent))")
    }

    /// A 4xx is temporary: tried again after each retry delay, then recorded as failed.
    @Test func aTemporaryRefusalIsRetriedThenRecorded() async throws {
        let smtp = try SMTPService()
        let server = try await Self.server("smtp://\(smtp.credentials())localhost:\(smtp.startTLSPort)", caFile: smtp.caFile)
        defer { server.stop() }
        let to = [Self.recipient("busy")]
        let id = try await channel(server, to: to)
        let sent = try await sendTest(server, id)
        #expect(sent.json["success"] == false && sent.json["attempts"] == 3 && sent.json["status_code"] == 451, "\(sent.text)")
        let recent = try await server.client.get("/v1/notification-channels/\(id)").json["recent_notifications"]?[0]
        #expect(recent?["status"] == "failed" && recent?["attempts"] == 3, "\(String(describing: recent))")
    }

    /// Nothing listens: a transport failure, retried like a webhook channel's, then recorded.
    @Test func anUnreachableServerIsRetriedThenRecorded() async throws {
        let smtp = try SMTPService()
        let closedPort = try ClosedPort()
        defer { closedPort.close() }
        let closed = closedPort.port
        let server = try await Self.server("smtp://127.0.0.1:\(closed)", caFile: smtp.caFile)
        defer { server.stop() }
        let id = try await channel(server, to: [Self.recipient()])
        let sent = try await sendTest(server, id)
        #expect(sent.json["success"] == false && sent.json["attempts"] == 3, "\(sent.text)")
        #expect(sent.json["error"]?.stringValue?.contains("SMTP connection to 127.0.0.1:\(closed) failed") == true, "\(sent.text)")
        let recent = try await server.client.get("/v1/notification-channels/\(id)").json["recent_notifications"]?[0]
        #expect(recent?["status"] == "failed" && recent?["attempts"] == 3, "\(String(describing: recent))")
    }

    /// The SMTP host is judged by the outbound policy like any channel's URL: a name that
    /// resolves to the metadata address is refused before anything connects, and not retried.
    @Test func theOutboundPolicyAppliesToTheSMTPServer() async throws {
        let server = try await TestServer.start {
            $0.smtpURL = "smtp://mail.test:25"
            $0.smtpFrom = "alerts@example.com"
            $0.hostResolver = OutboundPolicyServerTests.FixedResolver(table: ["mail.test": "169.254.169.254"])
            $0.notificationRetryDelaysSeconds = [0.05, 0.05]
        }
        defer { server.stop() }
        let id = try await channel(server, to: [Self.recipient()])
        let sent = try await sendTest(server, id)
        #expect(sent.json["success"] == false && sent.json["attempts"] == 1, "\(sent.text)")
        #expect(sent.json["error"]?.stringValue?.contains("refused by the outbound policy: mail.test resolves to 169.254.169.254") == true, "\(sent.text)")
    }

    @Test func withoutAnSMTPServerEmailChannelsAreRefused() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let r = try await server.client.post("/v1/notification-channels", ["name": "Mail", "channel_type": "email", "config": ["to": "ops@example.com"]])
        #expect(r.status == 400 && r.json["error"]?.stringValue?.contains("--smtp-url") == true, "\(r.text)")
    }

    @Test(arguments: [
        ("smtp://localhost:25", nil, "--smtp-url needs --smtp-from"),
        ("http://localhost:25", "alerts@example.com", "--smtp-url must look like"),
        ("smtp://ops@localhost:25", "alerts@example.com", "a user without a password"),
        ("smtp://localhost:25", "not an address", "--smtp-from must be a plain address"),
    ] as [(String, String?, String)])
    func badSMTPSettingsStopTheStart(_ url: String, _ from: String?, _ mentions: String) async throws {
        do {
            let server = try await TestServer.start {
                $0.smtpURL = url
                $0.smtpFrom = from
            }
            server.stop()
            Issue.record("the server started with --smtp-url \(url)")
        } catch {
            #expect("\(error)".contains(mentions), "\(error)")
        }
    }
}

/// A loopback port nothing listens on. The socket stays bound (never listening) until `close()`:
/// a connection to it is refused, and no other server in the parallel test run can take the port
/// meanwhile (a freed port was once taken by a test server, and the "refused" SMTP connection
/// waited for a greeting instead).
final class ClosedPort: @unchecked Sendable {
    let port: Int
    private let fd: Int32

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestServerError("socket() failed") }
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else {
            Glibc.close(fd)
            throw TestServerError("bind() failed")
        }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() { Glibc.close(fd) }
}
