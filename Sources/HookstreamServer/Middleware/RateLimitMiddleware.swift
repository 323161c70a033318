import Foundation
import HookstreamCore
import Hummingbird

/// Per-organization limits for authenticated calls, per-client-IP limits for everything else —
/// the tools API with its own, tighter limit, since each of its calls makes the server send
/// requests; the `X-RateLimit-*` headers go on every answer, including the 429.
///
/// The client IP is the one the IP allow and deny lists see: behind a `--trusted-proxies`
/// proxy, the address it forwarded, not the proxy's (which would put every caller in one
/// bucket). Windows follow the injected clock.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let authenticated: RateLimiter?
    let anonymous: RateLimiter?
    /// Anonymous calls to `/v1/tools/…` (`--tools-rate-limit`); `nil` = no limit of their own.
    var tools: RateLimiter? = nil
    let clientAddresses: ClientAddressResolver
    let clock: any GatewayClock

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let decision: RateLimiter.Decision?
        let now = clock.now
        if let identity = context.identity {
            decision = authenticated?.take("org:" + identity.tenant.organizationID, now: now)
        } else if let limiter = request.uri.path.hasPrefix(ToolsRoutes.prefix) ? tools : anonymous {
            let headers = request.headers.map { (name: $0.name.canonicalName, value: $0.value) }
            let client = clientAddresses.resolve(peer: context.peer, headers: headers)
            decision = limiter.take("ip:" + (client?.description ?? "unknown"), now: now)
        } else {
            decision = nil
        }
        guard let decision else { return try await next(request, context) }
        if let refusal = decision.refusal(now: now) { throw refusal }
        let headers = decision.headers
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

extension RateLimiter.Decision {
    /// The `X-RateLimit-*` headers every answer to a limited caller carries.
    var headers: HTTPFields {
        var headers = HTTPFields()
        headers[.rateLimitLimit] = String(limit)
        headers[.rateLimitRemaining] = String(remaining)
        headers[.rateLimitReset] = String(reset)
        return headers
    }

    /// The 429 (with the headers and `Retry-After`) when the request is over the limit.
    func refusal(now: Date) -> APIError? {
        guard !allowed else { return nil }
        var headers = headers
        headers[.retryAfter] = String(max(1, reset - Int(now.timeIntervalSince1970)))
        return APIError(.tooManyRequests, "Rate limit exceeded: \(limit) requests per minute", headers: headers)
    }
}
