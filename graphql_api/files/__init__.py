"""GraphQL types and mutations of uploaded files."""
