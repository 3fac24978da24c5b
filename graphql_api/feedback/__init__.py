"""GraphQL types, queries and mutations of problem feedback (问题反馈)."""
