import JSONValue

/// JSON Schema's equality (`enum`, `const`, `uniqueItems`): numbers by value (`1` equals `1.0`),
/// objects regardless of member order, and strings by code points.
///
/// `JSON`'s own `==` compares strings the way Swift does, by canonical equivalence, which makes
/// "é" (U+00E9) equal to "e" + U+0301; JSON Schema counts those as different strings.
struct ExactJSON: Hashable {
    var value: JSON

    static func == (lhs: ExactJSON, rhs: ExactJSON) -> Bool { equal(lhs.value, rhs.value) }

    static func equal(_ a: JSON, _ b: JSON) -> Bool {
        switch (a, b) {
        case (.string(let x), .string(let y)):
            return x.unicodeScalars.elementsEqual(y.unicodeScalars)
        case (.array(let x), .array(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        case (.object(let x), .object(let y)):
            guard x.count == y.count else { return false }
            for (key, value) in x {
                guard let index = y.index(forKey: key),
                    y.keys[index].unicodeScalars.elementsEqual(key.unicodeScalars),
                    equal(value, y.values[index])
                else { return false }
            }
            return true
        default:
            return a == b
        }
    }

    func hash(into hasher: inout Hasher) { Self.hash(value, into: &hasher) }

    private static func hash(_ value: JSON, into hasher: inout Hasher) {
        switch value {
        case .string(let s):
            hasher.combine(5)
            for unit in s.utf8 { hasher.combine(unit) }
        case .array(let items):
            hasher.combine(6)
            hasher.combine(items.count)
            for item in items { hash(item, into: &hasher) }
        case .object(let members):
            // Order-independent, as equality is.
            var combined = 0
            for (key, member) in members {
                var h = Hasher()
                for unit in key.utf8 { h.combine(unit) }
                hash(member, into: &h)
                combined ^= h.finalize()
            }
            hasher.combine(7)
            hasher.combine(members.count)
            hasher.combine(combined)
        default:
            hasher.combine(value)
        }
    }
}
