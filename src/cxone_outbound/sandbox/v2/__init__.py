"""The `v2` dialect (shared/API.md): its routes, token endpoint, paging and OpenAPI document."""
