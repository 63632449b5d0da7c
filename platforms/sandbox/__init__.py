"""The sandbox platform: an in-memory fake store with the adapter interface, for demos and tests."""
