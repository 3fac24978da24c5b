"""The GraphQL surface of the credit bank: app factory, schema, context and routes."""
