"""The mini-program (小程序): its server side (the platform client for login, access tokens and
subscribe messages, and the use-cases of WeChat binding), exposed through the same GraphQL API."""
