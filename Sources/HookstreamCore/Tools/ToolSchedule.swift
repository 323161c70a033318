import Foundation

/// A webhook scheduled through `POST /v1/tools/schedule`: sent once, `delay_seconds` after it
/// was made, by whichever node's scheduler claims it.
///
/// Its life is `pending` → `firing` (claimed, in one statement, by one node) → `completed`
/// (the receiver answered, whatever the status) or `failed` (refused by the outbound policy,
/// no answer, or interrupted). A claim is committed before the request goes out and is never
/// handed out again, so a schedule fires at most once even across restarts and nodes; one
/// whose node died while it was `firing` is marked `failed` ("interrupted") once its claim is
/// older than ``claimLifetimeMillis`` rather than sent a second time.
public struct ToolSchedule: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        case pending, firing, completed, failed
    }

    /// A random UUID, as the spec shows: anyone who knows it may read the schedule, so it must
    /// not be guessable.
    public var id: String
    public var url: String
    public var method: String
    /// Headers and body, sealed with the master key (they may carry the caller's credentials).
    public var sealedRequest: String
    public var firesAt: Int64
    public var status: Status
    public var responseStatus: Int?
    public var completedAt: Int64?
    public var error: String?
    public var createdAt: Int64
    /// Who asked (the client IP), for the per-client cap on pending schedules.
    public var client: String

    public init(
        id: String, url: String, method: String, sealedRequest: String, firesAt: Int64, status: Status = .pending, responseStatus: Int? = nil,
        completedAt: Int64? = nil, error: String? = nil, createdAt: Int64, client: String
    ) {
        self.id = id
        self.url = url
        self.method = method
        self.sealedRequest = sealedRequest
        self.firesAt = firesAt
        self.status = status
        self.responseStatus = responseStatus
        self.completedAt = completedAt
        self.error = error
        self.createdAt = createdAt
        self.client = client
    }

    public static let delayRange: ClosedRange<Double> = 1...86_400
    /// Pending schedules one client IP may have at a time.
    public static let maxPendingPerClient = 100
    /// A `firing` claim older than this belongs to a node that died mid-send (a send takes at
    /// most the tools timeout).
    public static let claimLifetimeMillis: Int64 = 120_000
    /// Finished schedules stay readable this long, then are forgotten.
    public static let retentionMillis: Int64 = 7 * 86_400_000

    /// How a send ended, as stored: any HTTP answer completes the schedule (the tool reports
    /// the status; a 500 is the receiver's answer, not a failure to send); no answer fails it.
    public static func outcome(responseStatus: Int?, error: String?) -> (status: Status, error: String?) {
        if responseStatus != nil, error == nil { return (.completed, nil) }
        return (.failed, error ?? (responseStatus.map { "HTTP \($0)" } ?? "no response"))
    }
}
