"""The JSON API under /api/ (OpenAPI schema at /api/openapi.json)."""

from ninja import NinjaAPI

api = NinjaAPI(title="先锋 Vanguard API", version="1", urls_namespace="api")
