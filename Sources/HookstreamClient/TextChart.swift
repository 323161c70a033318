/// A horizontal bar chart in plain text, for series a person would rather look at than read:
/// one line per label, bars scaled to the largest value, the value after each bar.
public enum TextChart {
    public static func bars(_ points: [(label: String, value: Double)], width: Int = 40) -> String {
        guard !points.isEmpty else { return "" }
        let top = points.map(\.value).max() ?? 0
        let labelWidth = points.map(\.label.count).max() ?? 0
        return points.map { point in
            // Eighths of a block, so small differences still show.
            let eighths = top > 0 ? Int((point.value / top * Double(width * 8)).rounded()) : 0
            var bar = String(repeating: "█", count: eighths / 8)
            if eighths % 8 > 0 { bar.append(partials[eighths % 8 - 1]) }
            if bar.isEmpty, point.value > 0 { bar = "▏" }
            let label = point.label + String(repeating: " ", count: labelWidth - point.label.count)
            return "\(label) │\(bar) \(format(point.value))"
        }.joined(separator: "\n")
    }

    private static let partials: [Character] = ["▏", "▎", "▍", "▌", "▋", "▊", "▉"]

    private static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int64(value)) : String(value)
    }
}
