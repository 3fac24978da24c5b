"""GraphQL queries of conversion, one module per family: policies, rules, applications."""
