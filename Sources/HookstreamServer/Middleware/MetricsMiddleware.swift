import Hummingbird
import Prometheus

/// Counts every request by route pattern, method and status for `/metrics`.
struct MetricsMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let registry: PrometheusCollectorRegistry

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let response = try await next(request, context)
        // Label by the matched pattern (`/v1/sources/{id}`), never the raw path: raw paths
        // would make the label set, and memory, unbounded.
        let route = context.coreContext.endpointPath.value ?? "unmatched"
        registry.makeCounter(
            descriptor: GatewayMetrics.httpRequests,
            labels: [("route", route), ("method", request.method.rawValue), ("status", String(response.status.code))]
        ).increment()
        return response
    }
}
