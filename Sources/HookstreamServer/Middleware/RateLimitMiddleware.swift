import Foundation
import HookstreamCore
import Hummingbird

/// Per-organization limits for authenticated calls, per-client-IP limits for everything else;
/// the `X-RateLimit-*` headers go on every answer, including the 429.
///
/// The client IP is the one the IP allow and deny lists see: behind a `--trusted-proxies`
/// proxy, the address it forwarded, not the proxy's (which would put every caller in one
/// bucket). Windows follow the injected clock.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let authenticated: RateLimiter?
    let anonymous: RateLimiter?
    let clientAddresses: ClientAddressResolver
    let clock: any GatewayClock

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let decision: RateLimiter.Decision?
        let now = clock.now
        if let identity = context.identity {
            decision = authenticated?.take("org:" + identity.tenant.organizationID, now: now)
        } else if let anonymous {
            let headers = request.headers.map { (name: $0.name.canonicalName, value: $0.value) }
            let client = clientAddresses.resolve(peer: context.peer, headers: headers)
            decision = anonymous.take("ip:" + (client?.description ?? "unknown"), now: now)
        } else {
            decision = nil
        }
        guard let decision else { return try await next(request, context) }
        var headers = HTTPFields()
        headers[.rateLimitLimit] = String(decision.limit)
        headers[.rateLimitRemaining] = String(decision.remaining)
        headers[.rateLimitReset] = String(decision.reset)
        guard decision.allowed else {
            headers[.retryAfter] = String(max(1, decision.reset - Int(now.timeIntervalSince1970)))
            throw APIError(.tooManyRequests, "Rate limit exceeded: \(decision.limit) requests per minute", headers: headers)
        }
        var response: Response
        do {
            response = try await next(request, context)
        } catch var error as APIError {
            for field in headers { error.headers.append(field) }
            throw error
        } catch {
            throw ErrorWithHeaders(underlying: error, headers: headers)
        }
        for field in headers { response.headers.append(field) }
        return response
    }
}

/// An error that must still carry headers (the rate-limit headers) when it is answered.
struct ErrorWithHeaders: Error {
    let underlying: any Error
    let headers: HTTPFields
}
