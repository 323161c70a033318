extension OpenAPIDocument {
    static let connectionSchemas = #"""
    {
      "FilterRule": {
        "type": "object", "required": ["field", "op", "value"],
        "properties": {"field": {"type": "string"}, "op": {"type": "string", "enum": ["eq", "neq", "contains", "gt", "gte", "lt", "lte", "exists", "in"]}, "value": {}}
      },
      "Connection": {
        "type": "object",
        "required": ["id", "name", "source_id", "destination_id", "source_name", "destination_name", "filter_rules", "transform_expression",
                     "transform_enabled", "created_at", "updated_at"],
        "properties": {
          "id": {"type": "string", "pattern": "^conn_[0-9a-f]{32}$"},
          "name": {"type": ["string", "null"]},
          "source_id": {"type": "string"},
          "destination_id": {"type": "string"},
          "source_name": {"type": ["string", "null"]},
          "destination_name": {"type": ["string", "null"]},
          "filter_rules": {"type": "array", "items": {"$ref": "#/components/schemas/FilterRule"}},
          "transform_expression": {"type": ["string", "null"]},
          "transform_enabled": {"type": "boolean"},
          "created_at": {"$ref": "#/components/schemas/Timestamp"},
          "updated_at": {"$ref": "#/components/schemas/Timestamp"}
        }
      },
      "ConnectionInput": {
        "type": "object",
        "properties": {
          "name": {"type": ["string", "null"]},
          "source_id": {"type": "string"},
          "destination_id": {"type": "string"},
          "filter_rules": {"type": ["array", "null"], "items": {"type": "object", "description": "{field, op (or operator), value}"}},
          "transform_expression": {"type": ["string", "null"]},
          "transform_enabled": {"type": "boolean"}
        }
      },
      "JSONataError": {
        "allOf": [{"$ref": "#/components/schemas/Error"}, {"type": "object", "properties": {"code": {"type": "string"}, "position": {"type": ["integer", "null"]}}}]
      }
    }
    """#

    static let connectionPaths = #"""
    {
      "/v1/connections": {
        "get": {
          "operationId": "listConnections", "summary": "List connections, newest first.",
          "parameters": [{"$ref": "#/components/parameters/Cursor"}, {"$ref": "#/components/parameters/Limit20"},
                         {"name": "source_id", "in": "query", "required": false, "schema": {"type": "string"}},
                         {"name": "destination_id", "in": "query", "required": false, "schema": {"type": "string"}}],
          "responses": {
            "200": {"description": "A page of connections.", "content": {"application/json": {"schema": {
              "type": "object", "required": ["connections", "cursor", "has_more"],
              "properties": {"connections": {"type": "array", "items": {"$ref": "#/components/schemas/Connection"}}, "cursor": {"type": ["string", "null"]}, "has_more": {"type": "boolean"}}}}}},
            "400": {"$ref": "#/components/responses/BadRequest"},
            "401": {"$ref": "#/components/responses/Unauthorized"},
            "429": {"$ref": "#/components/responses/TooManyRequests"}
          }
        },
        "post": {
          "operationId": "createConnection", "summary": "Connect a source to a destination; filter rules and the transform are validated here.",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"allOf": [{"$ref": "#/components/schemas/ConnectionInput"}, {"required": ["source_id", "destination_id"]}]}}}},
          "responses": {
            "201": {"description": "Created.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Connection"}}}},
            "400": {"description": "Invalid input (a JSONata syntax error carries its code and position).", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/JSONataError"}}}},
            "401": {"$ref": "#/components/responses/Unauthorized"},
            "413": {"$ref": "#/components/responses/TooLarge"},
            "429": {"$ref": "#/components/responses/TooManyRequests"}
          }
        }
      },
      "/v1/connections/{id}": {
        "parameters": [{"$ref": "#/components/parameters/Id"}],
        "get": {
          "operationId": "getConnection", "summary": "One connection.",
          "responses": {
            "200": {"description": "The connection.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Connection"}}}},
            "401": {"$ref": "#/components/responses/Unauthorized"},
            "404": {"$ref": "#/components/responses/NotFound"},
            "429": {"$ref": "#/components/responses/TooManyRequests"}
          }
        },
        "patch": {
          "operationId": "updateConnection", "summary": "Update a connection; every field is optional.",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ConnectionInput"}}}},
          "responses": {
            "200": {"description": "The updated connection.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Connection"}}}},
            "400": {"description": "Invalid input.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/JSONataError"}}}},
            "401": {"$ref": "#/components/responses/Unauthorized"},
            "404": {"$ref": "#/components/responses/NotFound"},
            "413": {"$ref": "#/components/responses/TooLarge"},
            "429": {"$ref": "#/components/responses/TooManyRequests"}
          }
        },
        "delete": {
          "operationId": "deleteConnection", "summary": "Delete a connection; deliveries already routed are not cancelled.",
          "responses": {
            "200": {"description": "Deleted.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Success"}}}},
            "401": {"$ref": "#/components/responses/Unauthorized"},
            "404": {"$ref": "#/components/responses/NotFound"},
            "429": {"$ref": "#/components/responses/TooManyRequests"}
          }
        }
      },
      "/v1/transforms/test": {
        "post": {
          "operationId": "testTransform", "summary": "Evaluate a JSONata expression on a sample payload.",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {
            "type": "object", "required": ["expression"],
            "properties": {"expression": {"type": "string"}, "payload": {}, "headers": {"type": "object"}, "bindings": {"type": "object"}}}}}},
          "responses": {
            "200": {"description": "The result; `undefined: true` when the expression yields nothing.", "content": {"application/json": {"schema": {
              "type": "object", "required": ["result"], "properties": {"result": {}, "undefined": {"const": true}}}}}},
            "400": {"description": "Invalid input, or a JSONata error with its code and position.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/JSONataError"}}}},
            "401": {"$ref": "#/components/responses/Unauthorized"},
            "413": {"$ref": "#/components/responses/TooLarge"},
            "429": {"$ref": "#/components/responses/TooManyRequests"}
          }
        }
      }
    }
    """#
}
