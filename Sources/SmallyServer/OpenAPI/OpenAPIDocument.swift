/// The OpenAPI 3.1 description served at `GET /openapi.json`. Kept by hand next to the routes;
/// `OpenAPITests` checks that it lists exactly the registered routes, each with its response
/// schema and (where a JSON body is read) its request schema; `make test` validates it with
/// openapi-spec-validator and fuzzes the live server from it with schemathesis.
enum OpenAPIDocument {
    static func json(version: String, model: String, dimension: Int, maxTexts: Int, maxTextBytes: Int) -> String {
        #"""
        {
          "openapi": "3.1.0",
          "info": {
            "title": "Smally",
            "version": "\#(version)",
            "description": "Sentence embeddings (\#(model), \#(dimension) dimensions) exact to sentence-transformers. Errors on every route: {\"error\": {\"message\", \"type\", \"param\", \"code\"}}."
          },
          "paths": {
            "/v1/embed": {
              "post": {
                "operationId": "embed",
                "security": [{"apiKey": []}],
                "summary": "Embed one text or a batch of texts (Smally contract).",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EmbedRequest"}}}},
                "responses": {
                  "200": {
                    "description": "Embedding(s). Headers x-queue-time, x-inference-time (ms) and x-cache (hit-l1 | hit-l2 | miss).",
                    "headers": {"x-request-id": {"$ref": "#/components/headers/x-request-id"}},
                    "content": {"application/json": {"schema": {"oneOf": [
                      {"$ref": "#/components/schemas/EmbedResponse"},
                      {"$ref": "#/components/schemas/EmbedBatchResponse"}
                    ]}}}
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "413": {"$ref": "#/components/responses/TooLarge"},
                  "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
                  "429": {"$ref": "#/components/responses/Overloaded"}
                }
              }
            },
            "/v1/embeddings": {
              "post": {
                "operationId": "createEmbeddings",
                "security": [{"apiKey": []}],
                "summary": "OpenAI-compatible embeddings (vectors are L2-normalised).",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OpenAIEmbeddingsRequest"}}}},
                "responses": {
                  "200": {"description": "OpenAI embedding list.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OpenAIEmbeddingsResponse"}}}},
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "404": {"description": "Unknown model.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                  "413": {"$ref": "#/components/responses/TooLarge"},
                  "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
                  "429": {"$ref": "#/components/responses/Overloaded"}
                }
              }
            },
            "/v1/tokenize": {
              "post": {
                "operationId": "tokenize",
                "security": [{"apiKey": []}],
                "summary": "Token ids and counts (for quota previews); truncated at the model's max tokens.",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TokenizeRequest"}}}},
                "responses": {
                  "200": {"description": "Tokens.", "content": {"application/json": {"schema": {"oneOf": [
                    {"$ref": "#/components/schemas/Tokenization"},
                    {"type": "object", "required": ["results", "total_tokens"], "properties": {
                      "results": {"type": "array", "items": {"$ref": "#/components/schemas/Tokenization"}},
                      "total_tokens": {"type": "integer"}}}
                  ]}}}},
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "413": {"$ref": "#/components/responses/TooLarge"},
                  "415": {"$ref": "#/components/responses/UnsupportedMediaType"}
                }
              }
            },
            "/v1/models": {
              "get": {
                "operationId": "listModels",
                "security": [{"apiKey": []}],
                "responses": {"200": {"description": "The served model.", "content": {"application/json": {"schema": {
                  "type": "object", "required": ["object", "data"], "properties": {
                    "object": {"const": "list"},
                    "data": {"type": "array", "items": {"type": "object", "required": ["id", "object", "created", "owned_by"], "properties": {
                      "id": {"type": "string"}, "object": {"const": "model"}, "created": {"type": "integer"}, "owned_by": {"type": "string"}}}}}}}}},
                  "401": {"$ref": "#/components/responses/Unauthorized"}}
              }
            },
            "/v1/usage": {
              "get": {
                "operationId": "usage",
                "summary": "The caller's organization: embeddings, requests, tokens and cache hits this month (or ?month=YYYY-MM), with its quota.",
                "security": [{"apiKey": []}],
                "parameters": [{"name": "month", "in": "query", "required": false, "schema": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}}],
                "responses": {
                  "200": {"description": "Usage of the organization.", "content": {"application/json": {"schema": {"type": "object"}}}},
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"}
                }
              }
            },
            "/v1/admin/orgs": {
              "get": {"operationId": "adminListOrgs", "summary": "List organizations (only when ADMIN_TOKEN is set).", "security": [{"adminToken": []}],
                      "responses": {"200": {"description": "Organizations.", "content": {"application/json": {"schema": {"type": "object"}}}}, "401": {"$ref": "#/components/responses/Unauthorized"}}},
              "post": {"operationId": "adminCreateOrg", "summary": "Create an organization: {name, tier, monthly_quota?, per_minute?}.", "security": [{"adminToken": []}],
                       "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["name", "tier"], "properties": {
                         "name": {"type": "string"}, "tier": {"type": "string", "enum": ["free", "pro", "scale"]},
                         "monthly_quota": {"type": "integer", "minimum": 0, "maximum": 1000000000000}, "per_minute": {"type": "integer", "minimum": 1, "maximum": 10000000}}}}}},
                       "responses": {"201": {"description": "The organization.", "content": {"application/json": {"schema": {"type": "object"}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"}}}
            },
            "/v1/admin/orgs/{name}": {
              "parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}],
              "get": {"operationId": "adminGetOrg", "security": [{"adminToken": []}], "responses": {"200": {"description": "The organization.", "content": {"application/json": {"schema": {"type": "object"}}}}, "401": {"$ref": "#/components/responses/Unauthorized"}, "404": {"description": "Unknown organization.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}},
              "patch": {"operationId": "adminUpdateOrg", "summary": "Change tier or limits.", "security": [{"adminToken": []}], "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "properties": {
                "tier": {"type": "string", "enum": ["free", "pro", "scale"]},
                "monthly_quota": {"type": ["integer", "null"], "minimum": 0, "maximum": 1000000000000, "description": "null clears the override"},
                "per_minute": {"type": ["integer", "null"], "minimum": 1, "maximum": 10000000, "description": "null clears the override"}}}}}},
                "responses": {"200": {"description": "The organization.", "content": {"application/json": {"schema": {"type": "object"}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"}}}
            },
            "/v1/admin/keys": {
              "get": {"operationId": "adminListKeys", "security": [{"adminToken": []}], "parameters": [{"name": "org", "in": "query", "required": false, "schema": {"type": "string"}}],
                      "responses": {"200": {"description": "Keys (never the secret).", "content": {"application/json": {"schema": {"type": "object"}}}}, "401": {"$ref": "#/components/responses/Unauthorized"}}},
              "post": {"operationId": "adminCreateKey", "summary": "Create a key: {org, name?, expires_in?}; the secret is in this response only.", "security": [{"adminToken": []}],
                       "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["org"], "properties": {
                         "org": {"type": "string"}, "name": {"type": "string", "minLength": 1, "maxLength": 100},
                         "expires_in": {"type": "string", "description": "Digits and a unit (s, m, h, d), 1 s to 3650 d, e.g. 30d."}}}}}},
                       "responses": {"201": {"description": "The key with its secret.", "content": {"application/json": {"schema": {"type": "object"}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"}}}
            },
            "/v1/admin/keys/{id}": {
              "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
              "delete": {"operationId": "adminDeleteKey", "summary": "Revoke a key (same as POST …/revoke).", "security": [{"adminToken": []}], "responses": {"200": {"description": "Revoked (every node refuses it within 5 s).", "content": {"application/json": {"schema": {"type": "object"}}}}, "401": {"$ref": "#/components/responses/Unauthorized"}, "404": {"description": "Unknown key.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}}
            },
            "/v1/admin/keys/{id}/rotate": {
              "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
              "post": {"operationId": "adminRotateKey", "security": [{"adminToken": []}],
                "requestBody": {"required": false, "content": {"application/json": {"schema": {"type": "object", "properties": {"grace": {"type": "string", "description": "How long the old key keeps working, e.g. 24h (default) or 0."}}}}}},
                "responses": {"200": {"description": "The new key; the old one stays valid for the grace period.", "content": {"application/json": {"schema": {"type": "object"}}}}, "401": {"$ref": "#/components/responses/Unauthorized"}}}
            },
            "/v1/admin/keys/{id}/revoke": {
              "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
              "post": {"operationId": "adminRevokeKey", "security": [{"adminToken": []}], "responses": {"200": {"description": "Revoked (every node refuses it within 5 s).", "content": {"application/json": {"schema": {"type": "object"}}}}, "401": {"$ref": "#/components/responses/Unauthorized"}}}
            },
            "/v1/admin/usage": {
              "get": {"operationId": "adminUsage", "security": [{"adminToken": []}], "parameters": [
                {"name": "org", "in": "query", "required": false, "schema": {"type": "string"}},
                {"name": "month", "in": "query", "required": false, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "Usage.", "content": {"application/json": {"schema": {"type": "object"}}}}, "401": {"$ref": "#/components/responses/Unauthorized"}}}
            },
            "/health": {
              "get": {"operationId": "health", "summary": "Liveness.", "responses": {"200": {"description": "Alive.", "content": {"application/json": {"schema": {
                "type": "object", "required": ["status"], "properties": {"status": {"const": "ok"}}}}}}}}
            },
            "/ready": {
              "get": {"operationId": "ready", "summary": "Readiness: model warmed up and configured dependencies reachable.", "responses": {
                "200": {"description": "Ready.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Readiness"}}}},
                "503": {"description": "Not ready.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Readiness"}}}}}}
            },
            "/info": {
              "get": {"operationId": "info", "summary": "Model, dimension, limits, version.", "responses": {"200": {"description": "Service information.", "content": {"application/json": {"schema": {
                "type": "object", "required": ["model", "dimension", "max_tokens", "limits", "version"], "properties": {
                  "model": {"type": "string"}, "dimension": {"type": "integer"}, "max_tokens": {"type": "integer"},
                  "pooling": {"type": "string"}, "normalize_default": {"type": "boolean"}, "threads": {"type": "integer"},
                  "limits": {"type": "object"}, "version": {"type": "string"}, "build": {"type": "object"}}}}}}}}
            },
            "/metrics": {
              "get": {"operationId": "metrics", "summary": "Prometheus metrics (text exposition format).", "responses": {"200": {"description": "Metrics.", "content": {"text/plain": {"schema": {"type": "string"}}}}}}
            },
            "/openapi.json": {
              "get": {"operationId": "openapi", "summary": "This document.", "responses": {"200": {"description": "OpenAPI 3.1 document.", "content": {"application/json": {"schema": {"type": "object"}}}}}}
            }
          },
          "components": {
            "securitySchemes": {
              "apiKey": {"type": "http", "scheme": "bearer", "description": "API key (sk_…) as 'Authorization: Bearer <key>'; required unless the server runs with SMALLY_AUTH=off."},
              "adminToken": {"type": "http", "scheme": "bearer", "description": "The server's ADMIN_TOKEN."}
            },
            "headers": {
              "x-request-id": {"description": "Request id (echoes a sane client-sent x-request-id).", "schema": {"type": "string"}}
            },
            "schemas": {
              "Vector": {"type": "array", "items": {"type": "number"}, "minItems": \#(dimension), "maxItems": \#(dimension)},
              "Text": {"type": "string", "minLength": 1, "description": "At most \#(maxTextBytes) UTF-8 bytes (413 beyond)."},
              "EmbedRequest": {
                "type": "object",
                "description": "Exactly one of text / texts.",
                "properties": {
                  "text": {"$ref": "#/components/schemas/Text"},
                  "texts": {"type": "array", "items": {"$ref": "#/components/schemas/Text"}, "minItems": 1, "maxItems": \#(maxTexts)},
                  "normalize": {"type": "boolean", "default": false}
                }
              },
              "EmbedResponse": {
                "type": "object",
                "required": ["embedding", "model", "tokens", "cached", "truncated", "latency_ms"],
                "properties": {
                  "embedding": {"$ref": "#/components/schemas/Vector"},
                  "model": {"type": "string"},
                  "tokens": {"type": "integer", "description": "Including [CLS] and [SEP]."},
                  "cached": {"type": "boolean"},
                  "truncated": {"type": "boolean"},
                  "dimension": {"type": "integer"},
                  "normalized": {"type": "boolean"},
                  "latency_ms": {"type": "number"}
                }
              },
              "EmbedBatchResponse": {
                "type": "object",
                "required": ["embeddings", "model", "tokens", "cached", "truncated", "total_tokens", "latency_ms"],
                "properties": {
                  "embeddings": {"type": "array", "items": {"$ref": "#/components/schemas/Vector"}},
                  "model": {"type": "string"},
                  "tokens": {"type": "array", "items": {"type": "integer"}},
                  "cached": {"type": "array", "items": {"type": "boolean"}},
                  "truncated": {"type": "array", "items": {"type": "boolean"}},
                  "total_tokens": {"type": "integer"},
                  "dimension": {"type": "integer"},
                  "normalized": {"type": "boolean"},
                  "latency_ms": {"type": "number"}
                }
              },
              "OpenAIEmbeddingsRequest": {
                "type": "object",
                "required": ["input"],
                "properties": {
                  "input": {"oneOf": [
                    {"$ref": "#/components/schemas/Text"},
                    {"type": "array", "items": {"$ref": "#/components/schemas/Text"}, "minItems": 1, "maxItems": \#(maxTexts)},
                    {"type": "array", "items": {"type": "integer"}, "minItems": 1},
                    {"type": "array", "items": {"type": "array", "items": {"type": "integer"}, "minItems": 1}, "minItems": 1, "maxItems": \#(maxTexts)}
                  ], "description": "Token-id input is used as given (ids of this model's vocabulary, at most the model's max tokens)."},
                  "model": {"type": "string", "description": "\#(model) (or sentence-transformers/\#(model))."},
                  "encoding_format": {"enum": ["float", "base64"], "default": "float", "description": "base64 = little-endian float32 bytes."},
                  "dimensions": {"type": "integer", "minimum": 1, "maximum": \#(dimension), "description": "Truncate, then renormalise."},
                  "user": {"type": "string"}
                }
              },
              "OpenAIEmbeddingsResponse": {
                "type": "object",
                "required": ["object", "data", "model", "usage"],
                "properties": {
                  "object": {"const": "list"},
                  "data": {"type": "array", "items": {"type": "object", "required": ["object", "index", "embedding"], "properties": {
                    "object": {"const": "embedding"},
                    "index": {"type": "integer"},
                    "embedding": {"oneOf": [{"type": "array", "items": {"type": "number"}}, {"type": "string", "contentEncoding": "base64"}]}}}},
                  "model": {"type": "string"},
                  "usage": {"type": "object", "required": ["prompt_tokens", "total_tokens"], "properties": {
                    "prompt_tokens": {"type": "integer"}, "total_tokens": {"type": "integer"}}}
                }
              },
              "TokenizeRequest": {
                "type": "object",
                "description": "Exactly one of text / texts.",
                "properties": {
                  "text": {"$ref": "#/components/schemas/Text"},
                  "texts": {"type": "array", "items": {"$ref": "#/components/schemas/Text"}, "minItems": 1, "maxItems": \#(maxTexts)}
                }
              },
              "Tokenization": {
                "type": "object",
                "required": ["token_ids", "count", "truncated", "untruncated_count"],
                "properties": {
                  "token_ids": {"type": "array", "items": {"type": "integer"}},
                  "count": {"type": "integer"},
                  "truncated": {"type": "boolean"},
                  "untruncated_count": {"type": "integer"}
                }
              },
              "Readiness": {
                "type": "object",
                "required": ["status", "checks"],
                "properties": {"status": {"enum": ["ready", "not_ready"]}, "checks": {"type": "object", "additionalProperties": {"enum": ["ok", "failing"]}}}
              },
              "Error": {
                "type": "object",
                "required": ["error"],
                "properties": {"error": {"type": "object", "required": ["message", "type", "param", "code"], "properties": {
                  "message": {"type": "string"}, "type": {"type": "string"},
                  "param": {"type": ["string", "null"]}, "code": {"type": ["string", "null"]}}}}
              }
            },
            "responses": {
              "BadRequest": {"description": "Malformed JSON, wrong types, missing or empty text, too many texts.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "TooLarge": {"description": "A text or the body exceeds its byte limit.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "UnsupportedMediaType": {"description": "Content-Type is not application/json.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "Unauthorized": {"description": "Missing, malformed, unknown, revoked or expired key (code invalid_api_key); WWW-Authenticate: Bearer.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "Overloaded": {"description": "The inference queue is full (server_overloaded), the key's per-minute limit (rate_limit_exceeded) or the organization's monthly quota (quota_exceeded) is reached; retry after Retry-After seconds. Rate-limit headers: x-ratelimit-limit-requests, x-ratelimit-remaining-requests, x-ratelimit-reset-requests, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset.", "headers": {"Retry-After": {"schema": {"type": "integer"}}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            }
          }
        }
        """#
    }
}
