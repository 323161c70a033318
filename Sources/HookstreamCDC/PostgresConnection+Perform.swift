import Logging
import PostgresNIO

extension PostgresConnection {
    /// Runs a statement whose rows are not wanted, and waits for it to finish. `query` returns
    /// as soon as the row description arrives, so an error raised while a `SELECT f(…)` executes
    /// (a slot in use or missing, no free slot) reaches only whoever reads the rows: draining
    /// them here is what makes such a failure throw.
    func perform(_ query: PostgresQuery, logger: Logger) async throws {
        _ = try await self.query(query, logger: logger).collect()
    }
}
