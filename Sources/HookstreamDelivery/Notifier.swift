import AsyncHTTPClient
import Crypto
import Foundation
public import HookstreamCore
public import HookstreamStore
import JSONValue
public import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// Sends alert notifications to channels: webhook (signed when it has a secret), Slack,
/// Discord and e-mail. Every send is retried on a temporary failure and its outcome recorded
/// (`notifications` rows), whatever it was.
///
/// Every request goes through the server's `OutboundHTTPClient` on behalf of the operator
/// (channels are configured by authenticated users): link-local and metadata addresses are
/// refused, private ones as `--deny-private-destinations` says; redirects are not followed. A
/// refusal is final, not retried.
public final class Notifier: Sendable {
    public struct Settings: Sendable {
        /// Pauses before the 2nd, 3rd… try; its length + 1 is the number of tries.
        public var retryDelays: [Double]
        public var timeoutSeconds: Double

        public init(retryDelays: [Double] = [2, 10], timeoutSeconds: Double = 10) {
            self.retryDelays = retryDelays
            self.timeoutSeconds = timeoutSeconds
        }
    }

    /// One try's result.
    struct Outcome: Sendable {
        var success: Bool
        var statusCode: Int?
        var error: String?
        /// Worth another try (a timeout, a 5xx, a 429), as opposed to a refusal or a 4xx.
        var temporary: Bool
    }

    private let store: any Store
    private let secrets: SecretBox
    private let settings: Settings
    private let client: OutboundHTTPClient
    private let mailer: SMTPClient?
    private let logger: Logger

    /// - Parameters:
    ///   - client: the server's one outbound client, so the outbound policy applies.
    ///   - mailer: the SMTP client of `--smtp-url`; without it e-mail channels cannot send.
    public init(store: any Store, secrets: SecretBox, client: OutboundHTTPClient, mailer: SMTPClient?, settings: Settings, logger: Logger) {
        self.store = store
        self.secrets = secrets
        self.client = client
        self.mailer = mailer
        self.settings = settings
        self.logger = logger
    }

    /// Whether e-mail channels can be sent to (an SMTP server is configured).
    public var canSendEmail: Bool { mailer != nil }

    /// The channel's settings in the clear.
    public func config(of channel: NotificationChannel) throws -> ChannelConfig {
        ChannelConfig(json: try JSON(parsing: Array(try secrets.open(channel.sealedConfig).utf8)))
    }

    /// Sends with retries and records the outcome.
    @discardableResult
    public func send(_ notification: AlertNotification, to channel: NotificationChannel, now: Int64) async -> NotificationRecord {
        var outcome = Outcome(success: false, error: "not sent", temporary: false)
        var tries = 0
        for delay in [0.0] + settings.retryDelays {
            if delay > 0 { try? await Task.sleep(for: .milliseconds(Int64(delay * 1000))) }
            tries += 1
            outcome = await attempt(notification, channel)
            if outcome.success || !outcome.temporary { break }
        }
        let record = NotificationRecord(
            id: ResourceID.make(.notification), tenant: channel.tenant, channelID: channel.id, alertRuleID: notification.ruleID,
            kind: notification.kind, status: outcome.success ? .success : .failed, attempts: tries, statusCode: outcome.statusCode,
            error: outcome.error, createdAt: now)
        do {
            try await store.recordNotification(record)
        } catch {
            logger.error("Could not record a notification outcome", metadata: ["channel_id": "\(channel.id)", "error": "\(error)"])
        }
        if !outcome.success {
            logger.warning("Notification failed", metadata: ["channel_id": "\(channel.id)", "tries": "\(tries)", "error": "\(outcome.error ?? "")"])
        }
        return record
    }

    func attempt(_ notification: AlertNotification, _ channel: NotificationChannel) async -> Outcome {
        let config: ChannelConfig
        do {
            config = try self.config(of: channel)
        } catch {
            return Outcome(success: false, error: "The channel's settings cannot be read with this server's master key", temporary: false)
        }
        switch channel.kind {
        case .email:
            guard let mailer else { return Outcome(success: false, error: "No SMTP server is configured (--smtp-url, --smtp-from)", temporary: false) }
            let mail = notification.email
            do {
                let code = try await mailer.send(to: config.recipients, subject: mail.subject, body: mail.body, timeoutSeconds: settings.timeoutSeconds)
                return Outcome(success: true, statusCode: code, temporary: false)
            } catch let failure as SMTPClient.Failure {
                return Outcome(success: false, statusCode: failure.code, error: failure.description, temporary: failure.temporary)
            } catch {
                return Outcome(success: false, error: "\(error)", temporary: true)
            }
        case .webhook, .slack, .discord:
            guard let url = config.url else { return Outcome(success: false, error: "The channel has no URL", temporary: false) }
            let body: JSON =
                switch channel.kind {
                case .slack: notification.slackBody
                case .discord: notification.discordBody
                default: notification.webhookBody(channelID: channel.id)
                }
            let bytes = body.serializedBytes()
            var headers: [(String, String)] = [("Content-Type", "application/json"), ("User-Agent", "hookstream-notifier")]
            if channel.kind == .webhook, let secret = config.secret {
                headers.append(("X-hookstream-Signature", Self.signature(bytes, secret: secret)))
            }
            return await post(url, body: bytes, headers: headers)
        }
    }

    /// `sha256=<hex HMAC-SHA256 of the body>`, as destinations' outbound signatures.
    public static func signature(_ body: [UInt8], secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    private func post(_ url: String, body: [UInt8], headers: [(String, String)]) async -> Outcome {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let timeout = settings.timeoutSeconds
        do {
            // The answer's body is not needed beyond a little for the connection to be reused.
            let answer = try await client.send(request, timeoutSeconds: timeout, bodyLimit: 4096, audience: .organization)
            let status = Int(answer.status.code)
            if (200..<300).contains(status) { return Outcome(success: true, statusCode: status, temporary: false) }
            return Outcome(
                success: false, statusCode: status, error: "The channel answered HTTP \(status)", temporary: status >= 500 || status == 429 || status == 408)
        } catch let refusal as OutboundRefusal {
            return Outcome(success: false, error: "\(refusal)", temporary: false)
        } catch {
            let kind = HTTPProvider.classify(error)
            return Outcome(success: false, error: "\(AttemptOutcome.transportError(kind).summary) (\(error))", temporary: true)
        }
    }
}
