import Foundation
import JSONValue

extension DedupSettings {
    /// The dedup key of a request, or `nil` when it has none (the header is absent or empty,
    /// the body is not JSON, the path leads nowhere or to `null`/`""`) — such a request is
    /// never treated as a duplicate.
    ///
    /// Field values are used as they are: strings verbatim, numbers in JavaScript form (`42`,
    /// `1.5`), booleans as `true`/`false`, objects and arrays as JSON with sorted keys so that
    /// member order does not matter. The store may hash long keys; equal keys stay equal.
    public func key(headers: [(name: String, value: String)], body: [UInt8]) -> String? {
        switch strategy {
        case .payloadHash:
            return SignatureEncoding.sha256Hex(body)
        case .headerField:
            guard let field else { return nil }
            let wanted = field.lowercased()
            guard let value = headers.first(where: { $0.name.lowercased() == wanted })?.value
                .trimmingCharacters(in: .whitespaces), !value.isEmpty
            else { return nil }
            return value
        case .bodyField:
            guard let path, let json = try? JSON(parsing: body), let value = path.lookup(in: json) else { return nil }
            switch value {
            case .null: return nil
            case .string(let text): return text.isEmpty ? nil : text
            case .number(let number): return JSNumberFormat.string(number)
            case .bool(let flag): return flag ? "true" : "false"
            case .array, .object: return value.serialized(options: [.sortedKeys])
            }
        }
    }
}

/// A body path: `data.id`, `items[0].id`, `items.0.id`, `a[1][2]`. A numeric segment after a
/// dot is a member name on objects and an index on arrays.
struct DedupPath: Sendable, Equatable {
    enum Segment: Sendable, Equatable {
        case name(String)
        case index(Int)
    }

    let segments: [Segment]

    init?(_ text: String) {
        var segments: [Segment] = []
        for part in text.split(separator: ".", omittingEmptySubsequences: false) {
            var rest = part[...]
            // The member name runs up to the first "[", then any number of "[n]" follow.
            let nameEnd = rest.firstIndex(of: "[") ?? rest.endIndex
            let name = rest[..<nameEnd]
            if !name.isEmpty {
                guard !name.contains("]") else { return nil }
                segments.append(.name(String(name)))
            }
            rest = rest[nameEnd...]
            if name.isEmpty && rest.isEmpty { return nil }
            while !rest.isEmpty {
                guard rest.first == "[", let close = rest.firstIndex(of: "]") else { return nil }
                let digits = rest[rest.index(after: rest.startIndex)..<close]
                guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber), let index = Int(digits)
                else { return nil }
                segments.append(.index(index))
                rest = rest[rest.index(after: close)...]
            }
        }
        guard !segments.isEmpty else { return nil }
        self.segments = segments
    }

    func lookup(in root: JSON) -> JSON? {
        var current = root
        for segment in segments {
            switch (segment, current) {
            case (.name(let name), .object(let object)):
                guard let next = object[name] else { return nil }
                current = next
            case (.name(let name), .array(let array)):
                guard let index = Int(name), array.indices.contains(index) else { return nil }
                current = array[index]
            case (.index(let index), .array(let array)):
                guard array.indices.contains(index) else { return nil }
                current = array[index]
            default:
                return nil
            }
        }
        return current
    }
}
