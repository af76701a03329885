"""Storage: SQLAlchemy models, engine set-up and migrations. Knows nothing of GraphQL or HTTP."""
