import CoreMetrics
import ServiceLifecycle

/// Runs the readiness checks every `interval` and exports each as
/// `smally_dependency_up{dependency="redis"|"database"|"model"}` (1 or 0), so an alert can say
/// which dependency is down (deploy/prometheus/alerts.yml) without scraping `/ready`.
struct DependencyProbe: Service {
    let readiness: Readiness
    let factory: any MetricsFactory
    let interval: Duration

    func run() async throws {
        var gauges: [String: CoreMetrics.Gauge] = [:]
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            for (name, ok) in await readiness.check().checks where name != "accepting" {
                let gauge = gauges[name] ?? CoreMetrics.Gauge(label: "smally_dependency_up", dimensions: [("dependency", name)], factory: factory)
                gauges[name] = gauge
                gauge.record(ok ? 1 : 0)
            }
            try? await cancelWhenGracefulShutdown { [interval] in try await Task.sleep(for: interval) }
        }
    }
}
