import Hummingbird

/// `GET /metrics`: Prometheus text format. Open (no key), like /health.
struct MetricsRoutes {
    let metrics: ServerMetrics

    func register(on router: some RouterMethods<AppRequestContext>) {
        router.get("/metrics") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
        }
    }
}
