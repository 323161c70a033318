import Foundation
import Hummingbird

/// Per-organization limits for authenticated calls, per-IP limits for everything else; the
/// `X-RateLimit-*` headers go on every answer, including the 429.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let authenticated: RateLimiter?
    let anonymous: RateLimiter?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let decision: RateLimiter.Decision?
        if let identity = context.identity {
            decision = authenticated?.take("org:" + identity.tenant.organizationID)
        } else {
            decision = anonymous?.take("ip:" + (context.peer?.unmapped.description ?? "unknown"))
        }
        guard let decision else { return try await next(request, context) }
        var headers = HTTPFields()
        headers[.rateLimitLimit] = String(decision.limit)
        headers[.rateLimitRemaining] = String(decision.remaining)
        headers[.rateLimitReset] = String(decision.reset)
        guard decision.allowed else {
            headers[.retryAfter] = String(max(1, decision.reset - Int(Date().timeIntervalSince1970)))
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
