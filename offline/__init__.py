"""The offline stack: local protocol-compatible servers, the worker and the dev server.

``tricloud demo`` and the integration tests run the real Lambda handlers against it.
Nothing here is deployed, and the Lambda code never imports it.
"""
