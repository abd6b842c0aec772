import SmallyAccounts

/// The operator's list of organizations, sorted by a column (`?sort=…&order=asc|desc`).
struct OrganizationSort {
    enum Key: String, CaseIterable {
        case name, tier, used, quota, share, requests, perMinute = "per_minute"

        var label: String {
            switch self {
            case .name: "Organization"
            case .tier: "Tier"
            case .used: "Embeddings"
            case .quota: "Quota"
            case .share: "Used"
            case .requests: "Requests"
            case .perMinute: "Per minute"
            }
        }
    }

    var key: Key
    var ascending: Bool

    init(key: String?, order: String?) {
        self.key = key.flatMap(Key.init(rawValue:)) ?? .name
        ascending = order.map { $0 != "desc" } ?? (self.key == .name || self.key == .tier)
    }

    func sorted(_ reports: [AccountsAdmin.UsageReport]) -> [AccountsAdmin.UsageReport] {
        func share(_ r: AccountsAdmin.UsageReport) -> Double {
            r.limits.embeddingsPerMonth > 0 ? Double(r.totals.embeddings) / Double(r.limits.embeddingsPerMonth) : 0
        }
        let ordered = reports.sorted { a, b in
            let less: Bool
            switch key {
            case .name: less = a.organization.name < b.organization.name
            case .tier: less = (a.organization.tier.rawValue, a.organization.name) < (b.organization.tier.rawValue, b.organization.name)
            case .used: less = a.totals.embeddings < b.totals.embeddings
            case .quota: less = a.limits.embeddingsPerMonth < b.limits.embeddingsPerMonth
            case .share: less = share(a) < share(b)
            case .requests: less = a.totals.requests < b.totals.requests
            case .perMinute: less = a.limits.requestsPerMinute < b.limits.requestsPerMinute
            }
            return less
        }
        return ascending ? ordered : ordered.reversed()
    }

    /// Column headings: each links to sorting by it (the current one to the other order).
    var columns: [[String: Any]] {
        Key.allCases.map { column in
            var values: [String: Any] = ["key": column.rawValue, "label": column.label, "numeric": column != .name && column != .tier,
                                         "next": column == key && ascending ? "desc" : "asc"]
            if column == key {
                values["sorted"] = ascending ? "ascending" : "descending"
                values["arrow"] = ascending ? "▲" : "▼"
            }
            return values
        }
    }
}
