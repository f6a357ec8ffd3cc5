"""What the functions do, apart from events and SDKs: validation, documents, cursors, batches."""
