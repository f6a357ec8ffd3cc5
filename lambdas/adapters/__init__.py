"""Small clients for S3, Secrets Manager, Cloud Vision and Cosmos DB, one job each.

Import the submodule you need: each pulls in only its own SDK (they are slow to import).
"""
