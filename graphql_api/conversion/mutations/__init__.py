"""GraphQL mutations of conversion, one module per family: policies, rules, applications."""
