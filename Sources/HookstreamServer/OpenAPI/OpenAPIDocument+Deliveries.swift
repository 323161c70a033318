extension OpenAPIDocument {
    /// Delivery attempts, the issues that group their failures, and the retry operations.
    /// Nullable fields stay nullable here even where the server usually fills them, because
    /// the fuzzer checks every answer against these schemas.
    static let deliverySchemas = #"""
    {
      "DeliveryErrorType": {
        "type": ["string", "null"],
        "enum": ["http_4xx", "http_5xx", "timeout", "connection_error", "circuit_open", "transform_error", "destination_deleted", null]
      },
      "DeliveryAttempt": {
        "type": "object",
        "required": ["id", "event_id", "connection_id", "destination_id", "destination_name", "status", "status_code", "attempt_number",
                     "is_dlq", "dlq_at", "latency_ms", "error", "error_type", "next_retry_at", "scheduled_at", "attempted_at", "created_at"],
        "properties": {
          "id": {"type": "string", "pattern": "^da_[0-9a-f]{32}$"},
          "event_id": {"type": "string"},
          "connection_id": {"type": ["string", "null"]},
          "destination_id": {"type": "string"},
          "destination_name": {"type": ["string", "null"]},
          "status": {"type": "string", "enum": ["pending", "success", "failed"]},
          "status_code": {"type": ["integer", "null"]},
          "attempt_number": {"type": "integer", "minimum": 1},
          "is_dlq": {"type": "integer", "enum": [0, 1]},
          "dlq_at": {"$ref": "#/components/schemas/NullableTimestamp"},
          "latency_ms": {"type": ["integer", "null"]},
          "error": {"type": ["string", "null"]},
          "error_type": {"$ref": "#/components/schemas/DeliveryErrorType"},
          "next_retry_at": {"$ref": "#/components/schemas/NullableTimestamp"},
          "scheduled_at": {"$ref": "#/components/schemas/Timestamp"},
          "attempted_at": {"$ref": "#/components/schemas/NullableTimestamp"},
          "created_at": {"$ref": "#/components/schemas/Timestamp"}
        }
      },
      "DeliveryAttemptDetail": {
        "allOf": [
          {"$ref": "#/components/schemas/DeliveryAttempt"},
          {
            "type": "object",
            "required": ["request_headers", "response_headers", "response_body", "issue_id"],
            "properties": {
              "request_headers": {"type": ["object", "null"]},
              "response_headers": {"type": ["object", "null"]},
              "response_body": {"type": ["string", "null"]},
              "issue_id": {"type": ["string", "null"]}
            }
          }
        ]
      },
      "OffsetPagination": {
        "type": "object",
        "required": ["total", "limit", "offset", "has_more"],
        "properties": {
          "total": {"type": "integer", "minimum": 0},
          "limit": {"type": "integer"},
          "offset": {"type": "integer", "minimum": 0},
          "has_more": {"type": "boolean"}
        }
      },
      "Issue": {
        "type": "object",
        "required": ["id", "destination_id", "destination_name", "error_type", "message", "status", "occurrence_count", "first_seen_at",
                     "last_seen_at", "recent_attempt_ids", "snoozed_until", "resolved_at", "created_at", "updated_at"],
        "properties": {
          "id": {"type": "string", "pattern": "^iss_[0-9a-f]{32}$"},
          "destination_id": {"type": "string"},
          "destination_name": {"type": ["string", "null"]},
          "error_type": {"type": "string", "enum": ["http_4xx", "http_5xx", "timeout", "connection_error", "circuit_open", "transform_error"]},
          "message": {"type": "string"},
          "status": {"type": "string", "enum": ["open", "acknowledged", "resolved"]},
          "occurrence_count": {"type": "integer", "minimum": 0},
          "first_seen_at": {"$ref": "#/components/schemas/Timestamp"},
          "last_seen_at": {"$ref": "#/components/schemas/Timestamp"},
          "recent_attempt_ids": {"type": "array", "items": {"type": "string"}},
          "snoozed_until": {"$ref": "#/components/schemas/NullableTimestamp"},
          "resolved_at": {"$ref": "#/components/schemas/NullableTimestamp"},
          "created_at": {"$ref": "#/components/schemas/Timestamp"},
          "updated_at": {"$ref": "#/components/schemas/Timestamp"}
        }
      },
      "IssueUpdate": {
        "type": "object",
        "properties": {
          "status": {"type": "string", "enum": ["open", "acknowledged", "resolved"]},
          "snoozed_until": {"type": ["string", "null"], "format": "date-time"}
        }
      }
    }
    """#

    static let deliveryPaths = #"""
    {
      "/v1/delivery-attempts": {
        "get": {
          "operationId": "listDeliveryAttempts", "summary": "List delivery attempts, newest first; is_dlq=1 lists the dead-letter queue.",
          "parameters": [
            {"$ref": "#/components/parameters/Limit50"},
            {"name": "offset", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 0, "default": 0}},
            {"name": "event_id", "in": "query", "required": false, "schema": {"type": "string"}},
            {"name": "connection_id", "in": "query", "required": false, "schema": {"type": "string"}},
            {"name": "destination_id", "in": "query", "required": false, "schema": {"type": "string"}},
            {"name": "status", "in": "query", "required": false, "schema": {"type": "string", "enum": ["pending", "success", "failed"]}},
            {"name": "is_dlq", "in": "query", "required": false, "schema": {"type": "string", "enum": ["1", "0", "true", "false"]}}
          ],
          "responses": {
            "200": {"description": "A page of delivery attempts.", "content": {"application/json": {"schema": {
              "type": "object", "required": ["delivery_attempts", "pagination"],
              "properties": {
                "delivery_attempts": {"type": "array", "items": {"$ref": "#/components/schemas/DeliveryAttempt"}},
                "pagination": {"$ref": "#/components/schemas/OffsetPagination"}}}}}},
            "400": {"$ref": "#/components/responses/BadRequest"},
            "401": {"$ref": "#/components/responses/Unauthorized"},
            "429": {"$ref": "#/components/responses/TooManyRequests"}
          }
        }
      },
      "/v1/delivery-attempts/{id}": {
        "parameters": [{"$ref": "#/components/parameters/Id"}],
        "get": {
          "operationId": "getDeliveryAttempt", "summary": "One delivery attempt with the request and response headers and the response body.",
          "responses": {
            "200": {"description": "The delivery attempt.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/DeliveryAttemptDetail"}}}},
            "401": {"$ref": "#/components/responses/Unauthorized"},
            "404": {"$ref": "#/components/responses/NotFound"},
            "429": {"$ref": "#/components/responses/TooManyRequests"}
          }
        }
      },
      "/v1/delivery-attempts/{id}/retry": {
        "parameters": [{"$ref": "#/components/parameters/Id"}],
        "post": {
          "operationId": "retryDeliveryAttempt", "summary": "Queue a new attempt for a failed delivery.",
          "responses": {
            "200": {"description": "The new, pending attempt.", "content": {"application/json": {"schema": {
              "type": "object", "required": ["delivery_attempt"],
              "properties": {"delivery_attempt": {"$ref": "#/components/schemas/DeliveryAttempt"}}}}}},
            "401": {"$ref": "#/components/responses/Unauthorized"},
            "404": {"$ref": "#/components/responses/NotFound"},
            "409": {"description": "The attempt did not fail, its destination was deleted, or a newer attempt is already pending.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
            "429": {"$ref": "#/components/responses/TooManyRequests"}
          }
        }
      },
      "/v1/events/{id}/retry": {
        "parameters": [{"$ref": "#/components/parameters/Id"}],
        "post": {
          "operationId": "retryEvent", "summary": "Deliver an event again to every destination of its source's connections.",
          "responses": {
            "200": {"description": "What was queued, and the connections that could not be retried.", "content": {"application/json": {"schema": {
              "type": "object", "required": ["retried", "errors"],
              "properties": {
                "retried": {"type": "array", "items": {
                  "type": "object", "required": ["connection_id", "destination_id", "delivery_attempt_id", "status"],
                  "properties": {"connection_id": {"type": ["string", "null"]}, "destination_id": {"type": "string"},
                                 "delivery_attempt_id": {"type": "string"}, "status": {"const": "queued"}}}},
                "errors": {"type": "array", "items": {
                  "type": "object", "required": ["connection_id", "destination_id", "error"],
                  "properties": {"connection_id": {"type": ["string", "null"]}, "destination_id": {"type": ["string", "null"]}, "error": {"type": "string"}}}}}}}}},
            "401": {"$ref": "#/components/responses/Unauthorized"},
            "404": {"$ref": "#/components/responses/NotFound"},
            "429": {"$ref": "#/components/responses/TooManyRequests"}
          }
        }
      },
      "/v1/issues": {
        "get": {
          "operationId": "listIssues", "summary": "List issues, most recently seen first.",
          "parameters": [
            {"$ref": "#/components/parameters/Limit50"},
            {"name": "offset", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 0, "default": 0}},
            {"name": "status", "in": "query", "required": false, "schema": {"type": "string", "enum": ["open", "acknowledged", "resolved", "all"], "default": "open"}},
            {"name": "destination_id", "in": "query", "required": false, "schema": {"type": "string"}},
            {"name": "error_type", "in": "query", "required": false, "schema": {"type": "string", "enum": ["http_4xx", "http_5xx", "timeout", "connection_error", "circuit_open", "transform_error"]}}
          ],
          "responses": {
            "200": {"description": "A page of issues.", "content": {"application/json": {"schema": {
              "type": "object", "required": ["issues", "pagination"],
              "properties": {
                "issues": {"type": "array", "items": {"$ref": "#/components/schemas/Issue"}},
                "pagination": {"$ref": "#/components/schemas/OffsetPagination"}}}}}},
            "400": {"$ref": "#/components/responses/BadRequest"},
            "401": {"$ref": "#/components/responses/Unauthorized"},
            "429": {"$ref": "#/components/responses/TooManyRequests"}
          }
        }
      },
      "/v1/issues/summary": {
        "get": {
          "operationId": "issueSummary", "summary": "Issue counts by status.",
          "responses": {
            "200": {"description": "Counts.", "content": {"application/json": {"schema": {
              "type": "object", "required": ["open", "acknowledged", "resolved"],
              "properties": {"open": {"type": "integer", "minimum": 0}, "acknowledged": {"type": "integer", "minimum": 0}, "resolved": {"type": "integer", "minimum": 0}}}}}},
            "401": {"$ref": "#/components/responses/Unauthorized"},
            "429": {"$ref": "#/components/responses/TooManyRequests"}
          }
        }
      },
      "/v1/issues/{id}": {
        "parameters": [{"$ref": "#/components/parameters/Id"}],
        "get": {
          "operationId": "getIssue", "summary": "One issue with the IDs of its recent failed attempts.",
          "responses": {
            "200": {"description": "The issue.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Issue"}}}},
            "401": {"$ref": "#/components/responses/Unauthorized"},
            "404": {"$ref": "#/components/responses/NotFound"},
            "429": {"$ref": "#/components/responses/TooManyRequests"}
          }
        },
        "patch": {
          "operationId": "updateIssue", "summary": "Acknowledge, resolve or reopen an issue, or snooze it (null clears the snooze).",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IssueUpdate"}}}},
          "responses": {
            "200": {"description": "The updated issue.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Issue"}}}},
            "400": {"$ref": "#/components/responses/BadRequest"},
            "401": {"$ref": "#/components/responses/Unauthorized"},
            "404": {"$ref": "#/components/responses/NotFound"},
            "413": {"$ref": "#/components/responses/TooLarge"},
            "429": {"$ref": "#/components/responses/TooManyRequests"}
          }
        }
      },
      "/v1/issues/{id}/retry": {
        "parameters": [{"$ref": "#/components/parameters/Id"}],
        "post": {
          "operationId": "retryIssue", "summary": "Queue a new attempt for each of the issue's failed deliveries.",
          "responses": {
            "200": {"description": "How many of the failed deliveries were queued again.", "content": {"application/json": {"schema": {
              "type": "object", "required": ["retried", "total"],
              "properties": {"retried": {"type": "integer", "minimum": 0}, "total": {"type": "integer", "minimum": 0}}}}}},
            "401": {"$ref": "#/components/responses/Unauthorized"},
            "404": {"$ref": "#/components/responses/NotFound"},
            "429": {"$ref": "#/components/responses/TooManyRequests"}
          }
        }
      }
    }
    """#
}
