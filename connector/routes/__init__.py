"""HTTP routes: thin — parse, authenticate, call a service, shape the answer."""
