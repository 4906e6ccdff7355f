"""The API's routes, one module per resource: thin, they read the request and call a service."""
