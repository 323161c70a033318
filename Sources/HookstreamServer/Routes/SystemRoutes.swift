import Foundation
import HookstreamCore
import Hummingbird
import JSONValue
import NIOCore
import Prometheus

/// Health, the OpenAPI description and the Prometheus scrape.
struct SystemRoutes {
    let deps: ServerDependencies

    func register(on router: Router<AppRequestContext>) {
        router.get("/v1/health") { _, _ in
            JSON.object(["status": "ok", "version": .string(HookstreamVersion.current), "timestamp": .string(Timestamp.iso(Date()))])
        }
        let document = OpenAPIDocument.bytes
        router.get("/v1/openapi.json") { _, _ in Response.json(bytes: document) }
        router.get("/metrics") { _, _ in
            var buffer: [UInt8] = []
            deps.metrics.emit(into: &buffer)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
        }
    }
}

public enum HookstreamVersion {
    public static let current = "0.1.0"
}
