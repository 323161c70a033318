public import HookstreamCore

extension SQLStore {
    public func volumeSeries(tenant: Tenant, range: Range<Int64>, granularity: MetricsGranularity, sourceID: String?) async throws -> [VolumePoint] {
        try await database.read { db in
            let (filter, arguments) = Self.rollupFilter(tenant, range, kind: "source", resourceID: sourceID)
            let bucket = Self.bucketExpression(granularity)
            return try db.fetchAll(
                """
                    SELECT \(bucket) AS bucket, r.resource_id, COALESCE(MAX(s.name), MAX(t.name)) AS name, SUM(r.event_count) AS n
                    FROM metric_rollups r LEFT JOIN sources s ON s.id = r.resource_id LEFT JOIN topics t ON t.id = r.resource_id
                    WHERE \(filter) GROUP BY \(bucket), r.resource_id ORDER BY bucket, r.resource_id
                    """,
                arguments
            ) { VolumePoint(bucket: $0["bucket"], sourceID: $0["resource_id"], sourceName: $0["name"], eventCount: $0["n"]) }
        }
    }

    public func deliverySeries(
        tenant: Tenant, range: Range<Int64>, granularity: MetricsGranularity, destinationID: String?
    ) async throws -> [DeliveryPoint] {
        try await database.read { db in
            let (filter, arguments) = Self.rollupFilter(tenant, range, kind: "destination", resourceID: destinationID)
            let bucket = Self.bucketExpression(granularity)
            var points = try db.fetchAll(
                """
                    SELECT \(bucket) AS bucket, r.resource_id, MAX(d.name) AS name, SUM(r.delivery_count) AS deliveries,
                        SUM(r.success_count) AS successes, SUM(r.failed_count) AS failures, SUM(r.dlq_count) AS dlq,
                        SUM(r.latency_count) AS latency_count, SUM(r.latency_sum) AS latency_sum
                    FROM metric_rollups r LEFT JOIN destinations d ON d.id = r.resource_id
                    WHERE \(filter) GROUP BY \(bucket), r.resource_id ORDER BY bucket, r.resource_id
                    """,
                arguments
            ) {
                DeliveryPoint(
                    bucket: $0["bucket"], destinationID: $0["resource_id"], destinationName: $0["name"], deliveryCount: $0["deliveries"],
                    successCount: $0["successes"], failedCount: $0["failures"], dlqCount: $0["dlq"], latencyCount: $0["latency_count"],
                    latencySum: $0["latency_sum"])
            }
            guard !points.isEmpty else { return [] }
            // The histograms, bin counts summed per bucket in SQL, joined to their points here.
            var index: [String: Int] = [:]
            for (i, p) in points.enumerated() { index["\(p.bucket) \(p.destinationID)"] = i }
            var binFilter = "org_id = ? AND env_id = ? AND hour >= ? AND hour < ?"
            var binArguments: SQLArguments = [tenant.organizationID, tenant.environmentID, range.lowerBound, range.upperBound]
            if let destinationID {
                binFilter += " AND destination_id = ?"
                binArguments += [destinationID]
            }
            let binBucket = granularity == .hour ? "hour" : "(hour / \(granularity.millis)) * \(granularity.millis)"
            try db.forEach(
                """
                    SELECT \(binBucket) AS bucket, destination_id, bin, SUM(count) AS n FROM latency_rollups
                    WHERE \(binFilter) GROUP BY \(binBucket), destination_id, bin
                    """,
                binArguments
            ) { row in
                let bucketStart: Int64 = row["bucket"]
                let destination: String = row["destination_id"]
                guard let i = index["\(bucketStart) \(destination)"] else { return }
                points[i].latency.add(bin: row["bin"], count: row["n"])
            }
            return points
        }
    }

    public func resourceCounts(tenant: Tenant) async throws -> ResourceCounts {
        try await database.read { db in
            let args: SQLArguments = [tenant.organizationID, tenant.environmentID]
            func count(_ sql: String) throws -> Int { try db.fetchValue(sql, args) ?? 0 }
            return ResourceCounts(
                activeSources: try count(
                    "SELECT COUNT(*) FROM sources WHERE org_id = ? AND env_id = ? AND deleted_at IS NULL AND status = \(Source.Status.active.sqlLiteral)"),
                activeDestinations: try count(
                    "SELECT COUNT(*) FROM destinations WHERE org_id = ? AND env_id = ? AND deleted_at IS NULL AND status = \(Destination.Status.active.sqlLiteral)"
                ),
                activeCollections: try count("SELECT COUNT(*) FROM collections WHERE org_id = ? AND env_id = ? AND deleted_at IS NULL"),
                openIssues: try count("SELECT COUNT(*) FROM issues WHERE org_id = ? AND env_id = ? AND status != 'resolved'"))
        }
    }

    public func dlqTotal(tenant: Tenant) async throws -> Int64 {
        try await database.read { db in
            try db.fetchValue(
                "SELECT COALESCE(SUM(dlq_count), 0) FROM metric_rollups WHERE org_id = ? AND env_id = ? AND kind = 'destination'",
                [tenant.organizationID, tenant.environmentID]) ?? 0
        }
    }

    /// Hour starts are stored; a day bucket is the hour rounded down to its UTC midnight.
    private static func bucketExpression(_ granularity: MetricsGranularity) -> String {
        granularity == .hour ? "r.hour" : "(r.hour / \(granularity.millis)) * \(granularity.millis)"
    }

    private static func rollupFilter(_ tenant: Tenant, _ range: Range<Int64>, kind: String, resourceID: String?) -> (String, SQLArguments) {
        var filter = "r.org_id = ? AND r.env_id = ? AND r.hour >= ? AND r.hour < ? AND r.kind = ?"
        var arguments: SQLArguments = [tenant.organizationID, tenant.environmentID, range.lowerBound, range.upperBound, kind]
        if let resourceID {
            filter += " AND r.resource_id = ?"
            arguments += [resourceID]
        }
        return (filter, arguments)
    }
}
