/// The OpenAPI 3 description of the JSON API, served at /api/openapi.json. Hand-written; a test checks that every
/// path and method in it is served by the router and that the API's responses carry the documented fields.
enum OpenAPIDocument {
    static let json = """
        {
          "openapi": "3.0.3",
          "info": {
            "title": "Sieve moderation API",
            "version": "1.0.0",
            "description": "The moderation queue for the EOC and integrations. Authenticate with `Authorization: Bearer <token>` (create a token with `sieve user token NAME`); tokens act with their account's role. A browser session also works; then POST requests need the session's CSRF token in `X-CSRF-Token`. Times are RFC 3339 in Taipei time (+08:00)."
          },
          "servers": [{"url": "/"}],
          "security": [{"bearer": []}],
          "paths": {
            "/api/v1/queue": {
              "get": {
                "summary": "Open items (queued and escalated), most urgent first",
                "operationId": "listQueue",
                "parameters": [
                  {"name": "q", "in": "query", "schema": {"type": "string"}, "description": "Full-text search; tokenized like the posts, all words must match"},
                  {"name": "type", "in": "query", "schema": {"type": "string"}, "description": "Disaster type, e.g. flood, landslide"},
                  {"name": "county", "in": "query", "schema": {"type": "string"}, "description": "County, e.g. 新北市"},
                  {"name": "verdict", "in": "query", "schema": {"type": "string", "enum": ["corroborated", "contradicted", "unconfirmed", "none"]}},
                  {"name": "source", "in": "query", "schema": {"type": "string"}},
                  {"name": "state", "in": "query", "schema": {"type": "string", "enum": ["fetched", "queued", "approved", "rejected", "escalated"]}},
                  {"name": "from", "in": "query", "schema": {"type": "string"}, "description": "Post time at or after (2026-09-14T22:00, Taipei, or RFC 3339)"},
                  {"name": "to", "in": "query", "schema": {"type": "string"}, "description": "Post time before"},
                  {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                  {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}}
                ],
                "responses": {
                  "200": {"description": "One page", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/QueuePage"}}}},
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"}
                }
              }
            },
            "/api/v1/queue/summary": {
              "get": {
                "summary": "Counts of open items and the newest open item's id (for polling)",
                "operationId": "queueSummary",
                "responses": {
                  "200": {"description": "Counts", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Summary"}}}},
                  "401": {"$ref": "#/components/responses/Unauthorized"}
                }
              }
            },
            "/api/v1/items/{id}": {
              "get": {
                "summary": "One item with the classifier's reasons, cross-reference, cluster, reviews and publications",
                "operationId": "getItem",
                "parameters": [{"$ref": "#/components/parameters/id"}],
                "responses": {
                  "200": {"description": "The item", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ItemDetail"}}}},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "404": {"$ref": "#/components/responses/NotFound"}
                }
              }
            },
            "/api/v1/items/{id}/decision": {
              "post": {
                "summary": "Approve, reject or escalate an open item (moderator and admin roles)",
                "operationId": "decide",
                "parameters": [{"$ref": "#/components/parameters/id"}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Decision"}}}},
                "responses": {
                  "200": {"description": "Recorded", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/DecisionResult"}}}},
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"description": "The account may not decide (EOC viewer), or a session request lacks its CSRF token", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "409": {"description": "Already decided, or another moderator holds the item", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
                }
              }
            },
            "/api/openapi.json": {
              "get": {
                "summary": "This document",
                "operationId": "openapi",
                "security": [],
                "responses": {"200": {"description": "OpenAPI 3 document", "content": {"application/json": {}}}}
              }
            }
          },
          "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "parameters": {"id": {"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "format": "int64", "minimum": 1}}},
            "responses": {
              "BadRequest": {"description": "Invalid parameter or body", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "Unauthorized": {"description": "Missing or unknown token", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "NotFound": {"description": "No such item", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            },
            "schemas": {
              "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
              "Place": {"type": "object", "required": ["surface", "name", "level"], "properties": {
                "surface": {"type": "string"}, "name": {"type": "string"}, "level": {"type": "string", "enum": ["county", "township", "address"]}, "county": {"type": "string"}}},
              "QueueItem": {"type": "object", "required": ["id", "source", "text", "fetched", "state", "scores", "types", "places", "cluster_size"], "properties": {
                "id": {"type": "integer", "format": "int64"},
                "source": {"type": "string"},
                "title": {"type": "string"},
                "text": {"type": "string"},
                "url": {"type": "string"},
                "author": {"type": "string"},
                "published": {"type": "string", "format": "date-time"},
                "fetched": {"type": "string", "format": "date-time"},
                "state": {"type": "string", "enum": ["fetched", "queued", "approved", "rejected", "escalated"]},
                "scores": {"type": "object", "properties": {"disaster": {"type": "number"}, "rumour": {"type": "number"}, "priority": {"type": "number"}}},
                "types": {"type": "array", "items": {"type": "string"}},
                "places": {"type": "array", "items": {"$ref": "#/components/schemas/Place"}},
                "verdict": {"type": "string", "enum": ["corroborated", "contradicted", "unconfirmed"]},
                "cluster_size": {"type": "integer"},
                "duplicate_of": {"type": "integer", "format": "int64"},
                "claim": {"type": "object", "properties": {"user": {"type": "string"}, "until": {"type": "string", "format": "date-time"}}}
              }},
              "QueuePage": {"type": "object", "required": ["items", "page", "page_size"], "properties": {
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/QueueItem"}},
                "page": {"type": "integer"}, "page_size": {"type": "integer"},
                "next_page": {"type": "integer", "description": "Absent on the last page"}}},
              "Summary": {"type": "object", "required": ["open", "queued", "escalated", "latest_id"], "properties": {
                "open": {"type": "integer"}, "queued": {"type": "integer"}, "escalated": {"type": "integer"}, "latest_id": {"type": "integer", "format": "int64"}}},
              "ItemDetail": {"type": "object", "required": ["item", "reasons", "cluster", "reviews", "publications"], "properties": {
                "item": {"$ref": "#/components/schemas/QueueItem"},
                "reasons": {"type": "array", "items": {"type": "string"}},
                "model": {"type": "string"},
                "cross_reference": {"type": "object", "properties": {"verdict": {"type": "string"}, "score": {"type": "number"}, "explanation": {}, "matches": {}}},
                "cluster": {"type": "array", "items": {"type": "integer", "format": "int64"}},
                "reviews": {"type": "array", "items": {"type": "object", "properties": {
                  "decision": {"type": "string"}, "reviewer": {"type": "string"}, "reason": {"type": "string"}, "note": {"type": "string"}, "decided_at": {"type": "string", "format": "date-time"}}}},
                "public_text": {"type": "string", "description": "The edited public wording of the latest approval"},
                "publications": {"type": "array", "items": {"type": "object", "properties": {"channel": {"type": "string"}, "status": {"type": "string"}}}}}},
              "Decision": {"type": "object", "required": ["decision"], "properties": {
                "decision": {"type": "string", "enum": ["approve", "reject", "escalate"]},
                "reason": {"type": "string", "enum": ["not_disaster", "rumour", "duplicate", "spam"], "description": "Required for reject"},
                "note": {"type": "string"},
                "channels": {"type": "array", "items": {"type": "string"}, "description": "For approve; default every configured channel"},
                "public_text": {"type": "string", "description": "For approve: edited public wording"}}},
              "DecisionResult": {"type": "object", "required": ["id", "state", "state_label"], "properties": {
                "id": {"type": "integer", "format": "int64"}, "state": {"type": "string"}, "state_label": {"type": "string"}}}
            }
          }
        }
        """
}
