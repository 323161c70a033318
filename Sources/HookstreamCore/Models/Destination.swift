import Foundation
public import JSONValue

/// Where events are delivered, with its delivery settings, retry policy and circuit state.
///
/// Header values and the signing configuration may hold credentials, so they are kept sealed
/// (`SecretBox`) like source secrets; routes and workers open them where they are needed.
public struct Destination: Sendable {
    /// A paused destination holds its deliveries until it is active again.
    public enum Status: String, Sendable, Equatable, CaseIterable {
        case active
        case paused
    }

    public var id: String
    public var tenant: Tenant
    public var name: String
    public var slug: String
    /// The provider type in its canonical spelling (`http`, `aws_sqs`, …).
    public var type: String
    public var url: String?
    public var method: String
    public var sealedHeaders: String?
    public var timeoutSeconds: Double
    /// An `http` destination's opt-in to following 3xx answers (each hop checked by the
    /// outbound policy); off, a 3xx is the attempt's answer.
    public var followRedirects: Bool
    public var sealedSigningConfig: String?
    public var providerConfig: JSON?
    public var retry: RetryPolicy
    public var status: Status
    /// In-flight deliveries allowed for this destination; `nil` = only the global limit.
    public var maxConcurrency: Int?
    public var circuit: CircuitBreaker
    public var deliveryCount: Int64
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(
        id: String, tenant: Tenant, name: String, slug: String, type: String = "http", url: String? = nil,
        method: String = "POST", sealedHeaders: String? = nil, timeoutSeconds: Double = 30, followRedirects: Bool = false, sealedSigningConfig: String? = nil,
        providerConfig: JSON? = nil, retry: RetryPolicy = .default, status: Status = .active, maxConcurrency: Int? = nil,
        circuit: CircuitBreaker = CircuitBreaker(), deliveryCount: Int64 = 0, createdAt: Int64, updatedAt: Int64
    ) {
        self.id = id
        self.tenant = tenant
        self.name = name
        self.slug = slug
        self.type = type
        self.url = url
        self.method = method
        self.sealedHeaders = sealedHeaders
        self.timeoutSeconds = timeoutSeconds
        self.followRedirects = followRedirects
        self.sealedSigningConfig = sealedSigningConfig
        self.providerConfig = providerConfig
        self.retry = retry
        self.status = status
        self.maxConcurrency = maxConcurrency
        self.circuit = circuit
        self.deliveryCount = deliveryCount
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
