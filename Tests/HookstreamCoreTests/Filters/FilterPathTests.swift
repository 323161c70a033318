import HookstreamCore
import Testing

@Suite struct FilterPathTests {
    struct Valid: Sendable, CustomTestStringConvertible {
        let field: String
        let path: FilterPath
        var testDescription: String { field }
    }

    @Test(arguments: [
        Valid(field: "payload", path: .body([])),
        Valid(field: "body", path: .body([])),
        Valid(field: "payload.type", path: .body([.key("type")])),
        Valid(field: "body.type", path: .body([.key("type")])),
        Valid(field: "payload.data.customer.id", path: .body([.key("data"), .key("customer"), .key("id")])),
        Valid(field: "payload.items.0.sku", path: .body([.key("items"), .key("0"), .key("sku")])),
        Valid(field: "payload.items[0].sku", path: .body([.key("items"), .index(0), .key("sku")])),
        Valid(field: "body[2]", path: .body([.index(2)])),
        Valid(field: "body.matrix[1][12]", path: .body([.key("matrix"), .index(1), .index(12)])),
        Valid(field: "payload.with-dash_and space", path: .body([.key("with-dash_and space")])),
        Valid(field: "headers.x-github-event", path: .header("x-github-event")),
        Valid(field: "headers.X-GitHub-Event", path: .header("x-github-event")),
        Valid(field: "headers.x.dotted", path: .header("x.dotted")),
        Valid(field: "query.env", path: .query("env")),
        Valid(field: "query.Page.Size", path: .query("Page.Size")),
        Valid(field: "method", path: .method),
        Valid(field: "content_type", path: .contentType),
        Valid(field: "source_ip", path: .sourceIP),
    ])
    func parsesValidPaths(_ c: Valid) throws {
        #expect(try FilterPath(parsing: c.field) == c.path)
    }

    struct Invalid: Sendable, CustomTestStringConvertible {
        let field: String
        let messageFragment: String
        var testDescription: String { field.isEmpty ? "<empty>" : field }
    }

    @Test(arguments: [
        Invalid(field: "", messageFragment: "must not be empty"),
        Invalid(field: "type", messageFragment: "must start with \"payload.\""),
        Invalid(field: "data.id", messageFragment: "must start with"),
        Invalid(field: "Payload.type", messageFragment: "must start with"),
        Invalid(field: "payloads.type", messageFragment: "must start with"),
        Invalid(field: "Method", messageFragment: "must start with"),
        Invalid(field: "method.x", messageFragment: "must start with"),
        Invalid(field: "headers", messageFragment: "must start with"),
        Invalid(field: "headers.", messageFragment: "header name is required"),
        Invalid(field: "headers.bad name", messageFragment: "not a valid HTTP header name"),
        Invalid(field: "headers.x:y", messageFragment: "not a valid HTTP header name"),
        Invalid(field: "query.", messageFragment: "parameter name is required"),
        Invalid(field: "payload.", messageFragment: "empty segment"),
        Invalid(field: "payload..a", messageFragment: "empty segment"),
        Invalid(field: "payload.a.", messageFragment: "empty segment"),
        Invalid(field: "payload.a[", messageFragment: "unclosed"),
        Invalid(field: "payload.a[0", messageFragment: "unclosed"),
        Invalid(field: "payload.a[]", messageFragment: "not an array index"),
        Invalid(field: "payload.a[x]", messageFragment: "not an array index"),
        Invalid(field: "payload.a[-1]", messageFragment: "not an array index"),
        Invalid(field: "payload.a[0]b", messageFragment: "unexpected \"b\""),
        Invalid(field: "payload.a]", messageFragment: "unexpected \"]\""),
    ])
    func rejectsInvalidPaths(_ c: Invalid) {
        #expect {
            _ = try FilterPath(parsing: c.field)
        } throws: { error in
            guard let reason = error as? FilterRuleError.Reason else { return false }
            return reason.message.contains(c.messageFragment)
        }
    }
}
