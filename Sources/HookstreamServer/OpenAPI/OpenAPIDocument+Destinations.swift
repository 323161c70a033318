extension OpenAPIDocument {
    static let destinationSchemas = #"""
    {
      "DestinationConfig": {
        "type": "object",
        "properties": {
          "url": {"type": ["string", "null"]},
          "method": {"type": "string", "enum": ["POST", "PUT", "PATCH", "GET", "DELETE"]},
          "headers": {"type": "object", "additionalProperties": {"type": "string"}, "description": "Values of credential-like headers are masked."},
          "timeout": {"type": "number", "description": "Seconds."},
          "signing_config": {"type": ["object", "null"], "description": "The secret is masked."},
          "provider_config": {"type": ["object", "null"]}
        }
      },
      "Destination": {
        "type": "object",
        "required": ["id", "name", "slug", "type", "url", "method", "headers", "timeout", "signing_config", "provider_config", "config",
                     "retry_max_attempts", "retry_backoff_type", "retry_intervals", "status", "enabled", "max_concurrency", "circuit_state",
                     "delivery_count", "created_at", "updated_at"],
        "properties": {
          "id": {"type": "string", "pattern": "^dst_[0-9a-f]{32}$"},
          "name": {"type": "string"},
          "slug": {"type": "string"},
          "type": {"type": "string"},
          "url": {"type": ["string", "null"]},
          "method": {"type": "string"},
          "headers": {"type": "object", "additionalProperties": {"type": "string"}},
          "timeout": {"type": "number"},
          "signing_config": {"type": ["object", "null"]},
          "provider_config": {"type": ["object", "null"]},
          "config": {"$ref": "#/components/schemas/DestinationConfig"},
          "retry_max_attempts": {"type": "integer", "minimum": 1, "maximum": 10},
          "retry_backoff_type": {"type": "string", "enum": ["exponential", "linear", "fixed"]},
          "retry_intervals": {"type": "array", "items": {"type": "number"}},
          "status": {"type": "string", "enum": ["active", "paused"]},
          "enabled": {"type": "boolean"},
          "max_concurrency": {"type": ["integer", "null"]},
          "circuit_state": {"type": "string", "enum": ["closed", "open", "half_open"]},
          "delivery_count": {"type": "integer", "minimum": 0},
          "created_at": {"$ref": "#/components/schemas/Timestamp"},
          "updated_at": {"$ref": "#/components/schemas/Timestamp"}
        }
      },
      "DestinationInput": {
        "type": "object",
        "properties": {
          "name": {"type": "string", "minLength": 1, "maxLength": 200},
          "slug": {"type": "string", "pattern": "^[a-z0-9]([a-z0-9-]*[a-z0-9])?$", "maxLength": 100},
          "type": {"type": "string", "description": "http (others are refused until their provider exists)."},
          "url": {"type": "string", "format": "uri"},
          "method": {"type": "string", "enum": ["POST", "PUT", "PATCH", "GET", "DELETE"]},
          "headers": {"type": "object", "additionalProperties": {"type": "string"}},
          "timeout": {"type": "number", "minimum": 0.05, "maximum": 300},
          "signing_config": {"type": ["object", "null"]},
          "provider_config": {"type": ["object", "null"]},
          "config": {"$ref": "#/components/schemas/DestinationConfig"},
          "retry_max_attempts": {"type": "integer", "minimum": 1, "maximum": 10},
          "retry_backoff_type": {"type": "string", "enum": ["exponential", "linear", "fixed"]},
          "retry_intervals": {"type": "array", "items": {"type": "number", "minimum": 0}, "minItems": 1, "maxItems": 100},
          "status": {"type": "string", "enum": ["active", "paused"]},
          "enabled": {"type": "boolean"},
          "max_concurrency": {"type": ["integer", "null"], "minimum": 1, "maximum": 1000}
        }
      },
      "CircuitStatus": {
        "type": "object",
        "required": ["destination_id", "state", "failure_count", "last_failure_at", "opened_at"],
        "properties": {
          "destination_id": {"type": "string"},
          "state": {"type": "string", "enum": ["closed", "open", "half_open"]},
          "failure_count": {"type": "integer", "minimum": 0},
          "last_failure_at": {"$ref": "#/components/schemas/NullableTimestamp"},
          "opened_at": {"$ref": "#/components/schemas/NullableTimestamp"},
          "last_transition_at": {"$ref": "#/components/schemas/NullableTimestamp"}
        }
      }
    }
    """#

    static let destinationPaths = #"""
    {
      "/v1/destinations": {
        "get": {
          "operationId": "listDestinations", "summary": "List destinations, newest first.",
          "parameters": [{"$ref": "#/components/parameters/Cursor"}, {"$ref": "#/components/parameters/Limit20"},
                         {"name": "status", "in": "query", "required": false, "schema": {"type": "string", "enum": ["active", "paused"]}},
                         {"name": "type", "in": "query", "required": false, "schema": {"type": "string"}}],
          "responses": {
            "200": {"description": "A page of destinations.", "content": {"application/json": {"schema": {
              "type": "object", "required": ["destinations", "cursor", "has_more"],
              "properties": {"destinations": {"type": "array", "items": {"$ref": "#/components/schemas/Destination"}}, "cursor": {"type": ["string", "null"]}, "has_more": {"type": "boolean"}}}}}},
            "400": {"$ref": "#/components/responses/BadRequest"},
            "401": {"$ref": "#/components/responses/Unauthorized"},
            "429": {"$ref": "#/components/responses/TooManyRequests"}
          }
        },
        "post": {
          "operationId": "createDestination", "summary": "Create a destination.",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"allOf": [{"$ref": "#/components/schemas/DestinationInput"}, {"required": ["name"]}]}}}},
          "responses": {
            "201": {"description": "Created.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Destination"}}}},
            "400": {"$ref": "#/components/responses/BadRequest"},
            "401": {"$ref": "#/components/responses/Unauthorized"},
            "409": {"$ref": "#/components/responses/Conflict"},
            "413": {"$ref": "#/components/responses/TooLarge"},
            "429": {"$ref": "#/components/responses/TooManyRequests"}
          }
        }
      },
      "/v1/destinations/templates": {
        "get": {
          "operationId": "listDestinationTemplates", "summary": "Pre-filled HTTP destinations.",
          "responses": {
            "200": {"description": "Templates.", "content": {"application/json": {"schema": {
              "type": "object", "required": ["templates"], "properties": {"templates": {"type": "array", "items": {
                "type": "object", "required": ["id", "name", "type", "description", "config_template"],
                "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "type": {"type": "string"}, "description": {"type": "string"}, "config_template": {"type": "object"}}}}}}}}},
            "401": {"$ref": "#/components/responses/Unauthorized"},
            "429": {"$ref": "#/components/responses/TooManyRequests"}
          }
        }
      },
      "/v1/destinations/{id}": {
        "parameters": [{"$ref": "#/components/parameters/Id"}],
        "get": {
          "operationId": "getDestination", "summary": "One destination.",
          "responses": {
            "200": {"description": "The destination.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Destination"}}}},
            "401": {"$ref": "#/components/responses/Unauthorized"},
            "404": {"$ref": "#/components/responses/NotFound"},
            "429": {"$ref": "#/components/responses/TooManyRequests"}
          }
        },
        "patch": {
          "operationId": "updateDestination", "summary": "Update a destination; every field is optional. `enabled: false` or `status: paused` pauses it.",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/DestinationInput"}}}},
          "responses": {
            "200": {"description": "The updated destination.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Destination"}}}},
            "400": {"$ref": "#/components/responses/BadRequest"},
            "401": {"$ref": "#/components/responses/Unauthorized"},
            "404": {"$ref": "#/components/responses/NotFound"},
            "409": {"$ref": "#/components/responses/Conflict"},
            "413": {"$ref": "#/components/responses/TooLarge"},
            "429": {"$ref": "#/components/responses/TooManyRequests"}
          }
        },
        "delete": {
          "operationId": "deleteDestination", "summary": "Delete a destination.",
          "responses": {
            "200": {"description": "Deleted.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Success"}}}},
            "401": {"$ref": "#/components/responses/Unauthorized"},
            "404": {"$ref": "#/components/responses/NotFound"},
            "429": {"$ref": "#/components/responses/TooManyRequests"}
          }
        }
      },
      "/v1/destinations/{id}/circuit": {
        "parameters": [{"$ref": "#/components/parameters/Id"}],
        "get": {
          "operationId": "getDestinationCircuit", "summary": "Circuit breaker state.",
          "responses": {
            "200": {"description": "Circuit state.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CircuitStatus"}}}},
            "401": {"$ref": "#/components/responses/Unauthorized"},
            "404": {"$ref": "#/components/responses/NotFound"},
            "429": {"$ref": "#/components/responses/TooManyRequests"}
          }
        }
      },
      "/v1/destinations/{id}/circuit/reset": {
        "parameters": [{"$ref": "#/components/parameters/Id"}],
        "post": {
          "operationId": "resetDestinationCircuit", "summary": "Close the circuit by hand.",
          "responses": {
            "200": {"description": "Circuit state after the reset.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CircuitStatus"}}}},
            "401": {"$ref": "#/components/responses/Unauthorized"},
            "404": {"$ref": "#/components/responses/NotFound"},
            "429": {"$ref": "#/components/responses/TooManyRequests"}
          }
        }
      }
    }
    """#
}
