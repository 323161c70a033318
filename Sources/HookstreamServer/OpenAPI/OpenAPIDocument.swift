import JSONValue

/// The OpenAPI 3.1 description served at `/v1/openapi.json`.
///
/// Kept as JSON text (the form readers and tools know) and checked at start-up by parsing it.
/// The test command fuzzes the live server against it with schemathesis, so a route whose
/// behaviour drifts from this document fails the build. Paths are added per resource in
/// `OpenAPIDocument+<Resource>.swift`.
enum OpenAPIDocument {
    static let bytes: [UInt8] = {
        var paths = JSONObject()
        for part in [systemPaths, authPaths, sourcePaths, destinationPaths, connectionPaths, ingestPaths, eventPaths, deliveryPaths] {
            for (path, item) in parse(part).objectValue ?? [:] { paths[path] = item }
        }
        var document = parse(skeleton).objectValue ?? [:]
        document["paths"] = .object(paths)
        if case .object(var components)? = document["components"], case .object(var schemas)? = components["schemas"] {
            for part in [destinationSchemas, connectionSchemas, deliverySchemas] {
                for (name, schema) in parse(part).objectValue ?? [:] { schemas[name] = schema }
            }
            components["schemas"] = .object(schemas)
            document["components"] = .object(components)
        }
        return JSON.object(document).serializedBytes()
    }()

    static func parse(_ text: String) -> JSON {
        do {
            return try JSON(parsing: text)
        } catch {
            preconditionFailure("OpenAPI fragment is not valid JSON: \(error)")
        }
    }

    static let skeleton = #"""
    {
      "openapi": "3.1.0",
      "info": {
        "title": "hookstream API",
        "version": "0.1.0",
        "description": "Self-hostable event gateway for webhooks: sources, ingest, events. Every non-2xx answer carries the standard error body."
      },
      "servers": [{"url": "/"}],
      "security": [{"apiKey": []}, {"session": []}],
      "components": {
        "securitySchemes": {
          "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
          "session": {"type": "apiKey", "in": "cookie", "name": "hookstream_session"}
        },
        "headers": {
          "RateLimitLimit": {"description": "Requests allowed in the current window.", "schema": {"type": "string", "pattern": "^[0-9]+$"}},
          "RateLimitRemaining": {"description": "Requests left in the current window.", "schema": {"type": "string", "pattern": "^[0-9]+$"}},
          "RateLimitReset": {"description": "Unix time (seconds) at which the window resets.", "schema": {"type": "string", "pattern": "^[0-9]+$"}},
          "RequestId": {"description": "Identifier of this request.", "schema": {"type": "string", "pattern": "^req_[0-9a-f]+$"}}
        },
        "parameters": {
          "Cursor": {"name": "cursor", "in": "query", "required": false, "description": "Opaque cursor from a previous page.", "schema": {"type": "string"}},
          "Limit20": {"name": "limit", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}},
          "Limit50": {"name": "limit", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 50}},
          "Id": {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}
        },
        "responses": {
          "BadRequest": {"description": "Invalid input; nothing was changed.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
          "Unauthorized": {"description": "Missing or invalid credentials.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
          "Forbidden": {"description": "Not allowed with these credentials.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
          "NotFound": {"description": "No such resource in this organization.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
          "MethodNotAllowed": {"description": "The path exists but not with this method.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
          "Conflict": {"description": "A uniqueness rule was broken.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
          "TooLarge": {"description": "The body is larger than allowed.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
          "TooManyRequests": {"description": "Rate limit exceeded.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
          "Unavailable": {"description": "Temporarily unable to accept the request; retry.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        },
        "schemas": {
          "Error": {
            "type": "object",
            "required": ["error", "status", "request_id"],
            "properties": {
              "error": {"type": "string"},
              "status": {"type": "integer", "minimum": 400, "maximum": 599},
              "request_id": {"type": "string", "pattern": "^req_[0-9a-f]+$"}
            }
          },
          "Success": {"type": "object", "required": ["success"], "properties": {"success": {"const": true}}},
          "Timestamp": {"type": "string", "format": "date-time"},
          "NullableTimestamp": {"type": ["string", "null"], "format": "date-time"},
          "User": {
            "type": "object",
            "required": ["id", "email", "name", "created_at"],
            "properties": {
              "id": {"type": "string", "pattern": "^usr_[0-9a-f]{32}$"},
              "email": {"type": "string"},
              "name": {"type": ["string", "null"]},
              "created_at": {"$ref": "#/components/schemas/Timestamp"}
            }
          },
          "Organization": {
            "type": "object",
            "required": ["id", "name", "created_at"],
            "properties": {
              "id": {"type": "string", "pattern": "^org_[0-9a-f]{32}$"},
              "name": {"type": "string"},
              "created_at": {"$ref": "#/components/schemas/Timestamp"}
            }
          },
          "Environment": {
            "type": "object",
            "required": ["id", "name", "organization_id", "created_at"],
            "properties": {
              "id": {"type": "string", "pattern": "^env_[0-9a-f]{32}$"},
              "name": {"type": "string"},
              "organization_id": {"type": "string"},
              "created_at": {"$ref": "#/components/schemas/Timestamp"}
            }
          },
          "Account": {
            "type": "object",
            "required": ["user", "organization", "environment"],
            "properties": {
              "user": {"oneOf": [{"$ref": "#/components/schemas/User"}, {"type": "null"}]},
              "organization": {"$ref": "#/components/schemas/Organization"},
              "environment": {"$ref": "#/components/schemas/Environment"},
              "api_key": {
                "oneOf": [
                  {"type": "null"},
                  {"type": "object", "required": ["id", "name", "key_prefix"], "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "key_prefix": {"type": "string"}}}
                ]
              }
            }
          },
          "APIKey": {
            "type": "object",
            "required": ["id", "name", "key_prefix", "scopes", "request_count", "revoked", "created_at", "last_used_at"],
            "properties": {
              "id": {"type": "string", "pattern": "^ak_[0-9a-f]{32}$"},
              "name": {"type": "string"},
              "key_prefix": {"type": "string"},
              "scopes": {"type": "null"},
              "request_count": {"type": "integer", "minimum": 0},
              "revoked": {"type": "integer", "enum": [0, 1]},
              "created_at": {"$ref": "#/components/schemas/Timestamp"},
              "last_used_at": {"$ref": "#/components/schemas/NullableTimestamp"}
            }
          },
          "CreatedAPIKey": {
            "type": "object",
            "required": ["id", "name", "key", "key_prefix", "scopes", "created_at"],
            "properties": {
              "id": {"type": "string", "pattern": "^ak_[0-9a-f]{32}$"},
              "name": {"type": "string"},
              "key": {"type": "string", "pattern": "^hs_(live|test)_[0-9a-f]{64}$"},
              "key_prefix": {"type": "string"},
              "scopes": {"type": "null"},
              "created_at": {"$ref": "#/components/schemas/Timestamp"}
            }
          },
          "Template": {
            "type": "object",
            "required": ["id", "name", "verification_type", "verification_header", "description"],
            "properties": {
              "id": {"type": "string"},
              "name": {"type": "string"},
              "verification_type": {"type": "string"},
              "verification_header": {"type": ["string", "null"]},
              "description": {"type": "string"},
              "docs_url": {"type": ["string", "null"]}
            }
          },
          "StringList": {"type": ["array", "null"], "items": {"type": "string"}},
          "Source": {
            "type": "object",
            "required": ["id", "name", "slug", "status", "template", "url", "verification_type", "verification_header", "verification_secret",
                         "previous_secret_expires_at", "dedup_strategy", "dedup_field", "dedup_window_seconds", "ip_allowlist", "ip_denylist",
                         "schema_validation_enabled", "json_schema", "schema_action", "event_count", "created_at", "updated_at"],
            "properties": {
              "id": {"type": "string", "pattern": "^src_[0-9a-f]{32}$"},
              "name": {"type": "string"},
              "slug": {"type": "string"},
              "status": {"type": "string", "enum": ["active", "paused"]},
              "template": {"type": ["string", "null"]},
              "url": {"type": "string"},
              "verification_type": {"type": ["string", "null"]},
              "verification_header": {"type": ["string", "null"]},
              "verification_secret": {"type": ["string", "null"], "description": "Masked: only the last four characters are shown."},
              "previous_secret_expires_at": {"$ref": "#/components/schemas/NullableTimestamp"},
              "dedup_strategy": {"type": ["string", "null"], "enum": ["payload_hash", "header_field", "body_field", null]},
              "dedup_field": {"type": ["string", "null"]},
              "dedup_window_seconds": {"type": "number"},
              "ip_allowlist": {"$ref": "#/components/schemas/StringList"},
              "ip_denylist": {"$ref": "#/components/schemas/StringList"},
              "schema_validation_enabled": {"type": "boolean"},
              "json_schema": {"type": ["object", "boolean", "null"]},
              "schema_action": {"type": "string", "enum": ["reject", "warn"]},
              "event_count": {"type": "integer", "minimum": 0},
              "created_at": {"$ref": "#/components/schemas/Timestamp"},
              "updated_at": {"$ref": "#/components/schemas/Timestamp"}
            }
          },
          "SourceInput": {
            "type": "object",
            "properties": {
              "name": {"type": "string", "minLength": 1, "maxLength": 200},
              "slug": {"type": "string", "pattern": "^[a-z0-9]([a-z0-9-]*[a-z0-9])?$", "maxLength": 100},
              "status": {"type": "string", "enum": ["active", "paused"]},
              "template": {"type": ["string", "null"]},
              "verification_type": {"type": ["string", "null"], "enum": ["hmac_sha256", "hmac_sha1", "standard_webhooks", "hmac-sha256", "hmac-sha1", "standard-webhooks", null]},
              "verification_secret": {"type": ["string", "null"]},
              "verification_header": {"type": ["string", "null"]},
              "previous_secret_expires_at": {"type": ["string", "null"], "format": "date-time"},
              "dedup_strategy": {"type": ["string", "null"], "enum": ["payload_hash", "header_field", "body_field", null]},
              "dedup_field": {"type": ["string", "null"]},
              "dedup_window_seconds": {"type": "number", "exclusiveMinimum": 0, "maximum": 2592000},
              "ip_allowlist": {"oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}, {"type": "null"}]},
              "ip_denylist": {"oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}, {"type": "null"}]},
              "schema_validation_enabled": {"type": "boolean"},
              "json_schema": {"type": ["object", "boolean", "null"]},
              "schema_action": {"type": "string", "enum": ["reject", "warn"]}
            }
          },
          "EventSummary": {
            "type": "object",
            "required": ["id", "source_id", "source_name", "method", "content_type", "status", "dedup_status", "body_size", "source_ip", "received_at"],
            "properties": {
              "id": {"type": "string", "pattern": "^evt_[0-9a-f]{32}$"},
              "source_id": {"type": "string"},
              "source_name": {"type": ["string", "null"]},
              "method": {"type": "string"},
              "content_type": {"type": ["string", "null"]},
              "status": {"type": "string", "enum": ["received", "processing", "delivered", "failed"]},
              "dedup_status": {"type": "string"},
              "body_size": {"type": "integer", "minimum": 0},
              "source_ip": {"type": ["string", "null"]},
              "received_at": {"$ref": "#/components/schemas/Timestamp"}
            }
          },
          "Event": {
            "type": "object",
            "required": ["id", "source_id", "source_name", "method", "headers", "query", "body", "body_encoding", "content_type", "source_ip",
                         "body_size", "status", "dedup_status", "verification_status", "delivery_attempts", "received_at"],
            "properties": {
              "id": {"type": "string", "pattern": "^evt_[0-9a-f]{32}$"},
              "source_id": {"type": "string"},
              "source_name": {"type": ["string", "null"]},
              "method": {"type": "string"},
              "headers": {"type": "object", "additionalProperties": {"type": "string"}},
              "query": {"type": "object", "additionalProperties": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}},
              "body": {"description": "Parsed JSON when the body is JSON, a string for other text, base64 when body_encoding is base64, null when empty."},
              "body_encoding": {"type": "string", "enum": ["utf8", "base64"]},
              "content_type": {"type": ["string", "null"]},
              "source_ip": {"type": ["string", "null"]},
              "body_size": {"type": "integer", "minimum": 0},
              "status": {"type": "string", "enum": ["received", "processing", "delivered", "failed"]},
              "dedup_status": {"type": "string"},
              "verification_status": {"type": ["string", "null"]},
              "delivery_attempts": {"type": "array", "items": {"$ref": "#/components/schemas/DeliveryAttempt"}},
              "received_at": {"$ref": "#/components/schemas/Timestamp"}
            }
          }
        }
      }
    }
    """#
}
