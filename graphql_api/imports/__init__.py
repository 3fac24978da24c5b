"""GraphQL types, queries and mutations of one domain."""
