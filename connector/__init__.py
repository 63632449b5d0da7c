"""The referral connector core: routes, services, the pure domain and storage."""

__version__ = "0.1.0"
