"""Services: install, ingest, processing, lifecycle and privacy. Called by routes and the CLI."""
