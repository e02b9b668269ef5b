"""The `admin` dialect (the real CXone ACD Admin API, docs/admin-dialect.md): its pipeline,
login and routes, OpenAPI paths, and reply-shape drift."""
