/// Rejects schemas whose evaluation could never end.
///
/// Recursion through `properties`, `items` and the like always moves to a smaller part of the
/// instance, so it ends. Recursion that stays on the same instance — `$ref`, `allOf`, `anyOf`,
/// `oneOf`, `not`, `if`/`then`/`else`, schema `dependencies` — does not: `{"allOf": [{"$ref": "#"}]}`
/// would evaluate itself forever. Such a cycle is reported when the schema is compiled.
enum LoopCheck {
    /// - Parameter location: a node's place in the schemas, for the error's path.
    static func rejectLoops(_ nodes: [SchemaNode], location: (Int) -> String) throws(JSONSchemaError) {
        // 0 = unvisited, 1 = on the current path, 2 = done.
        var state = [UInt8](repeating: 0, count: nodes.count)
        for start in nodes.indices where state[start] == 0 {
            var stack: [(node: Int, next: [Int], position: Int)] = [(start, inPlaceChildren(nodes[start]), 0)]
            state[start] = 1
            while !stack.isEmpty {
                let top = stack.count - 1
                if stack[top].position == stack[top].next.count {
                    state[stack[top].node] = 2
                    stack.removeLast()
                    continue
                }
                let child = stack[top].next[stack[top].position]
                stack[top].position += 1
                switch state[child] {
                case 1:
                    throw JSONSchemaError(
                        message: "reference cycle: this schema applies itself to the same value without end",
                        path: location(child))
                case 0:
                    state[child] = 1
                    stack.append((child, inPlaceChildren(nodes[child]), 0))
                default:
                    break
                }
            }
        }
    }

    private static func inPlaceChildren(_ node: SchemaNode) -> [Int] {
        guard case .keywords(let keywords) = node else { return [] }
        var result: [Int] = []
        for keyword in keywords {
            switch keyword {
            case .ref(let target), .not(let target): result.append(target)
            case .allOf(let list), .anyOf(let list), .oneOf(let list): result += list
            case .conditional(let condition, let then, let otherwise):
                result.append(condition)
                if let then { result.append(then) }
                if let otherwise { result.append(otherwise) }
            case .schemaDependencies(let list): result += list.map(\.schema)
            default: break
            }
        }
        return result
    }
}
