import Foundation
import HookstreamCore

/// What one AWS destination type sends for a message: the request, and how a 2xx answer is
/// read. The signing, transport and error reading are shared (``AWSProvider``).
protocol AWSOperation: Sendable {
    /// The SigV4 service name (`sqs`, `s3`, `events`).
    static var service: String { get }
    /// The request for `message`, not yet signed.
    static func request(_ message: OutboundMessage, config: ProviderConfig) throws -> SigV4.Request
    /// How the body enters the signature.
    static func payload(for request: SigV4.Request) -> SigV4.Payload
    /// A 2xx answer that is a failure all the same; `nil` when it is a success.
    static func inspect(_ answer: AWSTransport.Answer) -> ProviderResult?
}

extension AWSOperation {
    static func payload(for request: SigV4.Request) -> SigV4.Payload { .signed }
    static func inspect(_ answer: AWSTransport.Answer) -> ProviderResult? { nil }
}

/// An AWS destination type's provider: builds the operation's request, signs it with the
/// destination's credentials and sends it through the server's outbound client (one client,
/// connections pooled per host, shared by every provider).
struct AWSProvider<Operation: AWSOperation>: DeliveryProvider {
    let transport: AWSTransport

    init(client: OutboundHTTPClient) { transport = AWSTransport(client: client) }

    func send(_ message: OutboundMessage, to runtime: DestinationRuntime) async -> ProviderResult {
        let request: SigV4.Request
        do {
            request = try Operation.request(message, config: runtime.config)
        } catch {
            return ProviderResult(outcome: .transportError(.other), error: "Destination settings are incomplete: \(error)")
        }
        return await transport.send(
            request, service: Operation.service, config: runtime.config, payload: Operation.payload(for: request),
            timeout: runtime.destination.timeoutSeconds, now: message.now, inspect: Operation.inspect)
    }
}
