import Hummingbird
import Prometheus

/// Counts every request by route pattern, method and status for `/metrics`.
struct MetricsMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let instruments: GatewayMetrics.Instruments

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let response = try await next(request, context)
        let route = context.coreContext.endpointPath.value ?? "unmatched"
        instruments.countRequest(route: route, method: request.method.rawValue, status: Int(response.status.code))
        return response
    }
}
