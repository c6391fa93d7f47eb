"""All SQL lives in this package, one module per area (content reads, ingest writes, search,
accounts, demos). Routes and services call these functions; nothing else builds queries."""
