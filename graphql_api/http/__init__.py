"""The HTTP routes beside GraphQL: the public verify page and JSON, signed downloads, portal
files, import templates, well-known keys, and the middleware of request size and security
headers."""
