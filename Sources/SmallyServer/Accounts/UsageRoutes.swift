import Foundation
import Hummingbird
import SmallyAccounts
import SmallyJSON

/// `GET /v1/usage[?month=YYYY-MM]`: the caller's organization's usage this month (or that month):
/// totals and per key, quota used and remaining. Written usage plus what is still buffered here.
struct UsageRoutes {
    let runtime: AccountsRuntime

    func register(on router: some RouterMethods<AppRequestContext>) {
        router.get("/v1/usage") { request, context in
            guard let principal = context.meter?.principal else { throw APIError.invalidAPIKey }
            let month: QuotaPeriod.Interval
            if let label = request.uri.queryParameters.get("month") {
                guard let interval = QuotaPeriod.month(named: label) else {
                    throw APIError.invalidRequest("'month' must be written YYYY-MM, e.g. 2026-11.", param: "month", code: "invalid_value")
                }
                month = interval
            } else {
                month = QuotaPeriod.month(containing: runtime.now())
            }
            do {
                let report = try await runtime.admin.usage(of: principal.organization, month: month)
                return Response.json(runtime.admin.json(report))
            } catch let error as AccountsError {
                throw APIError.from(error)
            } catch {
                runtime.logger.warning("usage report failed", metadata: ["error": "\(error)"])
                throw APIError.unavailable("The account store is not reachable; retry shortly.")
            }
        }
    }
}
