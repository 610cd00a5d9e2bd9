"""The HTTP gateway: JSON under /api/v1, authentication, validation, OpenAPI; no database."""
