import HookstreamCore

/// Statuses are stored as their enum's raw value, the same string the API shows. Rows are read
/// with `init(rawValue:)` and written with `rawValue` in each model's row mapping; queries whose
/// text must name one fixed status use `sqlLiteral`.
extension RawRepresentable where RawValue == String, Self: CaseIterable {
    /// The raw value as a quoted SQL literal, for a condition that must be literal SQL text:
    /// SQLite uses a partial index (`events_held`) only when the query states the index's
    /// condition itself, never through a bound argument. Status raw values are plain lower-case
    /// words, so there is nothing to escape.
    var sqlLiteral: String { "'\(rawValue)'" }
}
