import JSONValue

/// The members a write body may carry. Anything else is refused with a 400 naming it: a typo
/// (`"tempalte": "stripe"`) must never silently drop a setting — with a misspelled security
/// setting that would be an unverified source.
///
/// Every `JSONBody.read` names its fields, so a new write endpoint cannot forget the check.
/// Members holding objects the API defines (`config`, `signing_config`, filter rules) are
/// checked the same way through `nested`; members holding user data (a JSON Schema, headers,
/// a test payload) are not.
///
/// ```swift
/// static let fields: BodyFields = ["name", "slug", .nested("config", ["url", "method"])]
/// ```
struct BodyFields: Sendable, ExpressibleByArrayLiteral {
    /// One accepted member, possibly with rules for what it holds.
    struct Member: Sendable, ExpressibleByStringLiteral {
        let name: String
        /// The fields of the object this member holds (or of each object in its array).
        let fields: BodyFields?

        init(stringLiteral name: String) {
            self.name = name
            self.fields = nil
        }

        private init(name: String, fields: BodyFields) {
            self.name = name
            self.fields = fields
        }

        /// A member holding an object (or an array of objects) whose own members are `fields`.
        static func nested(_ name: String, _ fields: BodyFields) -> Member {
            Member(name: name, fields: fields)
        }
    }

    private(set) var members: [String: Member] = [:]

    /// A body that accepts nothing: an action (`retry`, `logout`) sent with no body or `{}`.
    static let none: BodyFields = []

    init(arrayLiteral elements: Member...) {
        for element in elements { members[element.name] = element }
    }

    /// These fields and `other`'s (when two settings groups share one body).
    func merging(_ other: BodyFields) -> BodyFields {
        var merged = self
        for (name, member) in other.members { merged.members[name] = member }
        return merged
    }

    /// Refuses the first member of `object` that is not accepted, depth first, in body order.
    /// - Parameter path: where `object` sits in the body (`config`, `filter_rules[2]`), for the
    ///   message.
    /// - Throws: `APIError` 400 "Unknown field 'config.urll' (did you mean 'url'?)".
    func check(_ object: JSONObject, path: String = "") throws {
        for (name, value) in object {
            let location = path.isEmpty ? name : "\(path).\(name)"
            guard let member = members[name] else {
                var message = "Unknown field '\(location)'"
                if let suggestion = closest(to: name) { message += " (did you mean '\(suggestion)'?)" }
                throw APIError.badRequest(message)
            }
            guard let inner = member.fields else { continue }
            switch value {
            case .object(let nested):
                try inner.check(nested, path: location)
            case .array(let elements):
                for (index, element) in elements.enumerated() {
                    if case .object(let nested) = element { try inner.check(nested, path: "\(location)[\(index)]") }
                }
            default:
                // A wrong type is the member's own decoder's error, with its own message.
                continue
            }
        }
    }

    /// The accepted name a typo most likely meant: at most two edits away, and closer than the
    /// name's own length (so `a` does not "mean" `id`).
    private func closest(to name: String) -> String? {
        let lowered = name.lowercased()
        var best: (name: String, distance: Int)?
        for candidate in members.keys.sorted() {
            let distance = Self.editDistance(lowered, candidate)
            if distance <= 2, distance < name.count, distance < best?.distance ?? .max { best = (candidate, distance) }
        }
        return best?.name
    }

    /// Optimal string alignment distance: insertions, deletions, substitutions and swaps of
    /// two neighbours (the commonest typo, `tempalte`) each cost one.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previous2[j - 2] + 1)
                }
            }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[b.count]
    }
}
