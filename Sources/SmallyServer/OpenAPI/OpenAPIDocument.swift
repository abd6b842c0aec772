/// The OpenAPI 3.1 description served at `GET /openapi.json`. Kept by hand next to the routes;
/// `OpenAPITests` checks that it lists exactly the registered routes, each with its response
/// schema and (where a JSON body is read) its request schema; `make test` validates it with
/// openapi-spec-validator and fuzzes the live server from it with schemathesis.
enum OpenAPIDocument {
    /// - Parameters: `models`: the names served, the default embedding model first.
    static func json(version: String, models: [String], maxTexts: Int, maxTextBytes: Int) -> String {
        let model = models.first ?? ""
        let names = models.joined(separator: ", ")
        // The options both embedding routes take, spelled into each request schema (an `allOf` of a
        // shared schema made schemathesis' generator hit a CPython 3.11 AST recursion error).
        let outputOptions = #"""
                "model": {"type": "string", "description": "A served model (\#(names)); default \#(model). Unknown: 404 model_not_found."},
                "prompt_name": {"type": "string", "description": "One of the model's prompts (see /v1/models); prepended to every text, its tokens count in usage. Unknown: 400 unknown_prompt. Default: the model's default prompt, if any."},
                "input_type": {"enum": ["query", "document"], "description": "Picks the model's query, or document/passage, prompt (none if it has none). Not with prompt_name."},
                "truncate": {"type": "boolean", "default": true, "description": "false: a text over the model's max tokens is refused with 400 input_too_long."},
                "truncation_direction": {"enum": ["right", "left"], "default": "right", "description": "Which end of a long text is cut off."},
                "encoding_format": {"enum": ["float", "base64", "int8", "uint8", "binary", "ubinary"], "default": "float", "description": "base64: little-endian float32 bytes. int8/uint8: one byte per dimension over the model's ranges calibrated on a fixed corpus, clip(floor((v - min) / step), 0, 255), minus 128 for int8 (sentence-transformers' quantize_embeddings). binary/ubinary: sign bits packed 8 per byte, first dimension in the high bit (binary = ubinary − 128)."},
                "embedding_types": {"type": "array", "items": {"enum": ["float", "base64", "int8", "uint8", "binary", "ubinary"]}, "minItems": 1, "description": "Several output types at once (Cohere); each vector becomes an object keyed by type. Not with encoding_format."}
        """#
        return #"""
        {
          "openapi": "3.1.0",
          "info": {
            "title": "Smally",
            "version": "\#(version)",
            "description": "Sentence embeddings and reranking exact to sentence-transformers. Models served: \#(names) (default \#(model); /v1/models lists each with its dimension and prompts). Errors on every route: {\"error\": {\"message\", \"type\", \"param\", \"code\"}}."
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
                  "404": {"$ref": "#/components/responses/ModelNotFound"},
                  "413": {"$ref": "#/components/responses/TooLarge"},
                  "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
                  "429": {"$ref": "#/components/responses/Overloaded"},
                  "503": {"$ref": "#/components/responses/QueueTimeout"}
                }
              }
            },
            "/v1/rerank": {
              "post": {
                "operationId": "rerank",
                "security": [{"apiKey": []}],
                "summary": "Score documents against a query with a cross-encoder, best first (Cohere/Jina shape). Each document counts as one embedding against the quota.",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RerankRequest"}}}},
                "responses": {
                  "200": {"description": "Scores, best first.", "headers": {"x-request-id": {"$ref": "#/components/headers/x-request-id"}},
                          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RerankResponse"}}}},
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "404": {"$ref": "#/components/responses/ModelNotFound"},
                  "413": {"$ref": "#/components/responses/TooLarge"},
                  "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
                  "429": {"$ref": "#/components/responses/Overloaded"},
                  "503": {"$ref": "#/components/responses/QueueTimeout"}
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
                  "404": {"$ref": "#/components/responses/ModelNotFound"},
                  "413": {"$ref": "#/components/responses/TooLarge"},
                  "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
                  "429": {"$ref": "#/components/responses/Overloaded"},
                  "503": {"$ref": "#/components/responses/QueueTimeout"}
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
                  "404": {"$ref": "#/components/responses/ModelNotFound"},
                  "413": {"$ref": "#/components/responses/TooLarge"},
                  "415": {"$ref": "#/components/responses/UnsupportedMediaType"}
                }
              }
            },
            "/v1/models": {
              "get": {
                "operationId": "listModels",
                "security": [{"apiKey": []}],
                "responses": {"200": {"description": "The served models, the default embedding model first.", "content": {"application/json": {"schema": {
                  "type": "object", "required": ["object", "data"], "properties": {
                    "object": {"const": "list"},
                    "data": {"type": "array", "items": {"allOf": [{"$ref": "#/components/schemas/ModelDescription"}, {"type": "object", "required": ["id", "object", "created", "owned_by"], "properties": {
                      "id": {"type": "string"}, "object": {"const": "model"}, "created": {"type": "integer"}, "owned_by": {"type": "string"}}}]}}}}}}},
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
              "post": {"operationId": "adminCreateKey", "summary": "Create a key: {org, name?, expires_in?, role?}; the secret is in this response only. Listings show each key's role.", "security": [{"adminToken": []}],
                       "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["org"], "properties": {
                         "org": {"type": "string"}, "name": {"type": "string", "minLength": 1, "maxLength": 100},
                         "expires_in": {"type": "string", "description": "Digits and a unit (s, m, h, d), 1 s to 3650 d, e.g. 30d."},
                         "role": {"type": "string", "enum": ["embed", "admin"], "default": "embed", "description": "embed: the API only; admin: the API and the web console of its organization."}}}}}},
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
                  "models": {"type": "array", "items": {"allOf": [{"$ref": "#/components/schemas/ModelDescription"}, {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}]}},
                  "kernel": {"type": "string"},
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
              "Vector": {"description": "One vector in the requested output type: numbers (float), integers (int8, uint8, binary, ubinary: one byte per dimension, or per 8 dimensions for the binary types), a base64 string of little-endian float32 (base64), or with embedding_types an object with one such value per type.",
                "oneOf": [{"type": "array", "items": {"type": "number"}}, {"type": "string", "contentEncoding": "base64"},
                          {"type": "object", "additionalProperties": {"oneOf": [{"type": "array", "items": {"type": "number"}}, {"type": "string"}]}}]},
              "Vectors": {"description": "A batch's vectors: an array of Vector, or with embedding_types an object with one array per type.",
                "oneOf": [{"type": "array", "items": {"$ref": "#/components/schemas/Vector"}},
                          {"type": "object", "additionalProperties": {"type": "array", "items": {"oneOf": [{"type": "array", "items": {"type": "number"}}, {"type": "string"}]}}}]},
              "ModelDescription": {"type": "object", "required": ["kind", "dimension", "max_tokens", "pooling", "precision"], "properties": {
                "kind": {"enum": ["embedding", "rerank"]}, "dimension": {"type": "integer", "description": "0 for rerank models."},
                "max_tokens": {"type": "integer"}, "pooling": {"type": "string"}, "precision": {"type": "string"},
                "normalized_by_model": {"type": "boolean"}, "prompts": {"type": "object", "additionalProperties": {"type": "string"}},
                "default_prompt_name": {"type": ["string", "null"]}}},
              "Text": {"type": "string", "minLength": 1, "description": "At most \#(maxTextBytes) UTF-8 bytes (413 beyond)."},
              "EmbedRequest": {
                "type": "object",
                "description": "Exactly one of text / texts.",
                "properties": {
                  \#(outputOptions),
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
                  "embeddings": {"$ref": "#/components/schemas/Vectors"},
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
                  \#(outputOptions),
                  "input": {"oneOf": [
                    {"$ref": "#/components/schemas/Text"},
                    {"type": "array", "items": {"$ref": "#/components/schemas/Text"}, "minItems": 1, "maxItems": \#(maxTexts)},
                    {"type": "array", "items": {"type": "integer"}, "minItems": 1},
                    {"type": "array", "items": {"type": "array", "items": {"type": "integer"}, "minItems": 1}, "minItems": 1, "maxItems": \#(maxTexts)}
                  ], "description": "Token-id input is used as given (ids of this model's vocabulary, at most the model's max tokens)."},
                  "dimensions": {"type": "integer", "minimum": 1, "description": "At most the model's dimension: truncate, then renormalise (not with int8/uint8)."},
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
                    "embedding": {"$ref": "#/components/schemas/Vector"}}}},
                  "model": {"type": "string"},
                  "usage": {"type": "object", "required": ["prompt_tokens", "total_tokens"], "properties": {
                    "prompt_tokens": {"type": "integer"}, "total_tokens": {"type": "integer"}}}
                }
              },
              "RerankRequest": {
                "type": "object",
                "required": ["query", "documents"],
                "properties": {
                  "query": {"$ref": "#/components/schemas/Text"},
                  "documents": {"type": "array", "minItems": 1, "maxItems": \#(maxTexts), "items": {"oneOf": [
                    {"$ref": "#/components/schemas/Text"},
                    {"type": "object", "required": ["text"], "properties": {"text": {"$ref": "#/components/schemas/Text"}}}]}},
                  "model": {"type": "string", "description": "A served cross-encoder; default: the first one. Unknown: 404 model_not_found; an embedding model: 400 model_not_supported."},
                  "top_n": {"type": "integer", "minimum": 1, "description": "Return only the best n."},
                  "return_documents": {"type": "boolean", "default": false},
                  "raw_scores": {"type": "boolean", "default": false, "description": "Add each pair's raw logit."},
                  "truncate": {"type": "boolean", "default": true, "description": "false: a pair over the model's max tokens is refused with 400 input_too_long."}
                }
              },
              "RerankResponse": {
                "type": "object",
                "required": ["results", "model", "usage"],
                "properties": {
                  "results": {"type": "array", "items": {"type": "object", "required": ["index", "relevance_score"], "properties": {
                    "index": {"type": "integer"}, "relevance_score": {"type": "number", "description": "sigmoid of the logit for a one-label cross-encoder, as sentence-transformers' CrossEncoder.predict."},
                    "logit": {"type": "number"}, "document": {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}}}}},
                  "model": {"type": "string"},
                  "usage": {"type": "object", "required": ["documents", "total_tokens"], "properties": {"documents": {"type": "integer"}, "total_tokens": {"type": "integer"}}},
                  "latency_ms": {"type": "number"}
                }
              },
              "TokenizeRequest": {
                "type": "object",
                "description": "Exactly one of text / texts; model: a served embedding model (default: the first).",
                "properties": {
                  "model": {"type": "string"},
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
              "ModelNotFound": {"description": "The request names a model this server does not serve (code model_not_found).", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "TooLarge": {"description": "A text or the body exceeds its byte limit.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "UnsupportedMediaType": {"description": "Content-Type is not application/json.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "Unauthorized": {"description": "Missing, malformed, unknown, revoked or expired key (code invalid_api_key); WWW-Authenticate: Bearer.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "QueueTimeout": {"description": "The request's texts waited longer for inference than the server's queue deadline (SMALLY_MAX_QUEUE_MS) and were dropped instead of computed late (code queue_timeout, type overloaded_error; nothing is charged); retry after Retry-After seconds. Also 503 (code unavailable) while the server shuts down or the quota cannot be checked.", "headers": {"Retry-After": {"schema": {"type": "integer"}}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "Overloaded": {"description": "The inference queue is full (server_overloaded), the key's per-minute limit (rate_limit_exceeded) or the organization's monthly quota (quota_exceeded) is reached; retry after Retry-After seconds. Rate-limit headers: x-ratelimit-limit-requests, x-ratelimit-remaining-requests, x-ratelimit-reset-requests, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset.", "headers": {"Retry-After": {"schema": {"type": "integer"}}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            }
          }
        }
        """#
    }
}
