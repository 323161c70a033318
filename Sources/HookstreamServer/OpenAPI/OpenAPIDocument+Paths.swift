extension OpenAPIDocument {
    /// Health and this document.
    static let systemPaths = #"""
    {
      "/v1/health": {
        "get": {
          "operationId": "health", "summary": "Liveness check.", "security": [],
          "responses": {
            "200": {"description": "The server is up.", "content": {"application/json": {"schema": {
              "type": "object", "required": ["status", "version", "timestamp"],
              "properties": {"status": {"const": "ok"}, "version": {"type": "string"}, "timestamp": {"$ref": "#/components/schemas/Timestamp"}}}}}},
            "429": {"$ref": "#/components/responses/TooManyRequests"}
          }
        }
      },
      "/v1/openapi.json": {
        "get": {
          "operationId": "openapi", "summary": "This document.", "security": [],
          "responses": {
            "200": {"description": "OpenAPI 3.1 document.", "content": {"application/json": {"schema": {"type": "object"}}}},
            "429": {"$ref": "#/components/responses/TooManyRequests"}
          }
        }
      }
    }
    """#

    static let authPaths = #"""
    {
      "/v1/auth/signup": {
        "post": {
          "operationId": "signup", "summary": "Create an account; provisions an organization and a production environment.", "security": [],
          "requestBody": {"required": true, "content": {"application/json": {"schema": {
            "type": "object", "required": ["email", "password"],
            "properties": {"email": {"type": "string", "format": "email"}, "password": {"type": "string", "minLength": 8, "maxLength": 72}, "name": {"type": "string"}}}}}},
          "responses": {
            "201": {"description": "Account created; a session cookie is set.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Account"}}}},
            "400": {"$ref": "#/components/responses/BadRequest"},
            "403": {"$ref": "#/components/responses/Forbidden"},
            "409": {"$ref": "#/components/responses/Conflict"},
            "413": {"$ref": "#/components/responses/TooLarge"},
            "429": {"$ref": "#/components/responses/TooManyRequests"}
          }
        }
      },
      "/v1/auth/login": {
        "post": {
          "operationId": "login", "summary": "Sign in with email and password.", "security": [],
          "requestBody": {"required": true, "content": {"application/json": {"schema": {
            "type": "object", "required": ["email", "password"],
            "properties": {"email": {"type": "string"}, "password": {"type": "string"}}}}}},
          "responses": {
            "200": {"description": "Signed in; a session cookie is set.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Account"}}}},
            "400": {"$ref": "#/components/responses/BadRequest"},
            "401": {"$ref": "#/components/responses/Unauthorized"},
            "413": {"$ref": "#/components/responses/TooLarge"},
            "429": {"$ref": "#/components/responses/TooManyRequests"}
          }
        }
      },
      "/v1/auth/logout": {
        "post": {
          "operationId": "logout", "summary": "End the session.", "security": [],
          "responses": {
            "200": {"description": "Signed out.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Success"}}}},
            "429": {"$ref": "#/components/responses/TooManyRequests"}
          }
        }
      },
      "/v1/auth/me": {
        "get": {
          "operationId": "me", "summary": "The current user (null with an API key), organization and environment.",
          "responses": {
            "200": {"description": "Who is calling.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Account"}}}},
            "401": {"$ref": "#/components/responses/Unauthorized"},
            "429": {"$ref": "#/components/responses/TooManyRequests"}
          }
        }
      },
      "/v1/auth/api-keys": {
        "get": {
          "operationId": "listApiKeys", "summary": "List the organization's API keys (session only).", "security": [{"session": []}],
          "responses": {
            "200": {"description": "Keys, masked.", "content": {"application/json": {"schema": {
              "type": "object", "required": ["api_keys"], "properties": {"api_keys": {"type": "array", "items": {"$ref": "#/components/schemas/APIKey"}}}}}}},
            "401": {"$ref": "#/components/responses/Unauthorized"},
            "403": {"$ref": "#/components/responses/Forbidden"},
            "429": {"$ref": "#/components/responses/TooManyRequests"}
          }
        },
        "post": {
          "operationId": "createApiKey", "summary": "Create an API key (session only); the key is shown only in this response.", "security": [{"session": []}],
          "requestBody": {"required": true, "content": {"application/json": {"schema": {
            "type": "object", "required": ["name"], "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 200}, "mode": {"type": "string", "enum": ["live", "test"]}}}}}},
          "responses": {
            "201": {"description": "Created.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CreatedAPIKey"}}}},
            "400": {"$ref": "#/components/responses/BadRequest"},
            "401": {"$ref": "#/components/responses/Unauthorized"},
            "403": {"$ref": "#/components/responses/Forbidden"},
            "413": {"$ref": "#/components/responses/TooLarge"},
            "429": {"$ref": "#/components/responses/TooManyRequests"}
          }
        }
      },
      "/v1/auth/api-keys/{id}": {
        "delete": {
          "operationId": "revokeApiKey", "summary": "Revoke an API key at once (session only).", "security": [{"session": []}],
          "parameters": [{"$ref": "#/components/parameters/Id"}],
          "responses": {
            "200": {"description": "Revoked.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Success"}}}},
            "401": {"$ref": "#/components/responses/Unauthorized"},
            "403": {"$ref": "#/components/responses/Forbidden"},
            "404": {"$ref": "#/components/responses/NotFound"},
            "429": {"$ref": "#/components/responses/TooManyRequests"}
          }
        }
      }
    }
    """#

    static let sourcePaths = #"""
    {
      "/v1/sources": {
        "get": {
          "operationId": "listSources", "summary": "List sources, newest first.",
          "parameters": [{"$ref": "#/components/parameters/Cursor"}, {"$ref": "#/components/parameters/Limit20"},
                         {"name": "status", "in": "query", "required": false, "schema": {"type": "string", "enum": ["active", "paused"]}}],
          "responses": {
            "200": {"description": "A page of sources.", "content": {"application/json": {"schema": {
              "type": "object", "required": ["sources", "cursor", "has_more"],
              "properties": {"sources": {"type": "array", "items": {"$ref": "#/components/schemas/Source"}}, "cursor": {"type": ["string", "null"]}, "has_more": {"type": "boolean"}}}}}},
            "400": {"$ref": "#/components/responses/BadRequest"},
            "401": {"$ref": "#/components/responses/Unauthorized"},
            "429": {"$ref": "#/components/responses/TooManyRequests"}
          }
        },
        "post": {
          "operationId": "createSource", "summary": "Create a source; the answer carries its ingest URL.",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"allOf": [{"$ref": "#/components/schemas/SourceInput"}, {"required": ["name"]}]}}}},
          "responses": {
            "201": {"description": "Created.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Source"}}}},
            "400": {"$ref": "#/components/responses/BadRequest"},
            "401": {"$ref": "#/components/responses/Unauthorized"},
            "409": {"$ref": "#/components/responses/Conflict"},
            "413": {"$ref": "#/components/responses/TooLarge"},
            "429": {"$ref": "#/components/responses/TooManyRequests"}
          }
        }
      },
      "/v1/sources/templates": {
        "get": {
          "operationId": "listSourceTemplates", "summary": "The provider templates.",
          "responses": {
            "200": {"description": "Templates.", "content": {"application/json": {"schema": {
              "type": "object", "required": ["templates"], "properties": {"templates": {"type": "array", "items": {"$ref": "#/components/schemas/Template"}}}}}}},
            "401": {"$ref": "#/components/responses/Unauthorized"},
            "429": {"$ref": "#/components/responses/TooManyRequests"}
          }
        }
      },
      "/v1/sources/{id}": {
        "parameters": [{"$ref": "#/components/parameters/Id"}],
        "get": {
          "operationId": "getSource", "summary": "One source.",
          "responses": {
            "200": {"description": "The source.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Source"}}}},
            "401": {"$ref": "#/components/responses/Unauthorized"},
            "404": {"$ref": "#/components/responses/NotFound"},
            "429": {"$ref": "#/components/responses/TooManyRequests"}
          }
        },
        "patch": {
          "operationId": "updateSource", "summary": "Update a source; every field is optional. A new verification_secret with previous_secret_expires_at keeps the old secret valid until then.",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SourceInput"}}}},
          "responses": {
            "200": {"description": "The updated source.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Source"}}}},
            "400": {"$ref": "#/components/responses/BadRequest"},
            "401": {"$ref": "#/components/responses/Unauthorized"},
            "404": {"$ref": "#/components/responses/NotFound"},
            "409": {"$ref": "#/components/responses/Conflict"},
            "413": {"$ref": "#/components/responses/TooLarge"},
            "429": {"$ref": "#/components/responses/TooManyRequests"}
          }
        },
        "delete": {
          "operationId": "deleteSource", "summary": "Delete a source; its events stay.",
          "responses": {
            "200": {"description": "Deleted.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Success"}}}},
            "401": {"$ref": "#/components/responses/Unauthorized"},
            "404": {"$ref": "#/components/responses/NotFound"},
            "429": {"$ref": "#/components/responses/TooManyRequests"}
          }
        }
      }
    }
    """#

    static let ingestResponses = #"""
    {
      "200": {"description": "Stored durably before this answer was sent. A duplicate (dedup window still open) answers with the original event and `duplicate: true`.", "content": {"application/json": {"schema": {
        "type": "object", "required": ["event_id", "source_id"],
        "properties": {"event_id": {"type": "string", "pattern": "^evt_[0-9a-f]{32}$"}, "source_id": {"type": "string"}, "duplicate": {"const": true}}}}}},
      "401": {"$ref": "#/components/responses/Unauthorized"},
      "403": {"$ref": "#/components/responses/Forbidden"},
      "404": {"$ref": "#/components/responses/NotFound"},
      "413": {"$ref": "#/components/responses/TooLarge"},
      "422": {"description": "The payload does not match the source's JSON Schema (reject mode).", "content": {"application/json": {"schema": {
        "allOf": [{"$ref": "#/components/schemas/Error"}, {"type": "object", "required": ["validation_errors"], "properties": {"validation_errors": {
          "type": "array", "items": {"type": "object", "required": ["path", "message"], "properties": {"path": {"type": "string"}, "message": {"type": "string"}}}}}}]}}}},
      "429": {"$ref": "#/components/responses/TooManyRequests"},
      "503": {"$ref": "#/components/responses/Unavailable"}
    }
    """#

    static var ingestPaths: String {
        let operations = ["get", "post", "put", "patch", "delete", "options"].map { method in
            let body = ["get", "options"].contains(method) ? "" : #""requestBody": {"required": false, "content": {"*/*": {"schema": {}}}},"#
            return #""\#(method)": {"operationId": "ingest\#(method.capitalized)", "summary": "Receive a webhook: any method, any body. Checks: IP lists (403), signature (401), schema (422), then dedup.", "security": [], \#(body) "responses": \#(ingestResponses)}"#
        }
        return #"{"/v1/ingest/{source_id}": {"parameters": [{"name": "source_id", "in": "path", "required": true, "schema": {"type": "string"}}], "#
            + operations.joined(separator: ", ") + "}}"
    }

    static let eventPaths = #"""
    {
      "/v1/events": {
        "get": {
          "operationId": "listEvents", "summary": "List events, newest first, with filters and search.",
          "parameters": [
            {"$ref": "#/components/parameters/Cursor"}, {"$ref": "#/components/parameters/Limit50"},
            {"name": "source_id", "in": "query", "required": false, "schema": {"type": "string"}},
            {"name": "status", "in": "query", "required": false, "schema": {"type": "string", "enum": ["received", "processing", "delivered", "failed"]}},
            {"name": "after", "in": "query", "required": false, "schema": {"type": "string", "format": "date-time"}},
            {"name": "before", "in": "query", "required": false, "schema": {"type": "string", "format": "date-time"}},
            {"name": "search", "in": "query", "required": false, "description": "Event ID prefix or text in the body.", "schema": {"type": "string", "maxLength": 200}}
          ],
          "responses": {
            "200": {"description": "A page of events.", "content": {"application/json": {"schema": {
              "type": "object", "required": ["events", "pagination"],
              "properties": {
                "events": {"type": "array", "items": {"$ref": "#/components/schemas/EventSummary"}},
                "pagination": {"type": "object", "required": ["total", "limit", "has_more", "next_cursor"], "properties": {
                  "total": {"type": "integer", "minimum": 0}, "limit": {"type": "integer"}, "has_more": {"type": "boolean"}, "next_cursor": {"type": ["string", "null"]}}}}}}}},
            "400": {"$ref": "#/components/responses/BadRequest"},
            "401": {"$ref": "#/components/responses/Unauthorized"},
            "429": {"$ref": "#/components/responses/TooManyRequests"}
          }
        }
      },
      "/v1/events/{id}": {
        "get": {
          "operationId": "getEvent", "summary": "One event with headers, body and delivery attempts.",
          "parameters": [{"$ref": "#/components/parameters/Id"}],
          "responses": {
            "200": {"description": "The event.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Event"}}}},
            "401": {"$ref": "#/components/responses/Unauthorized"},
            "404": {"$ref": "#/components/responses/NotFound"},
            "429": {"$ref": "#/components/responses/TooManyRequests"}
          }
        }
      }
    }
    """#
}
