"""The REST API (/v1): its routes, API keys, error rendering and OpenAPI document."""
