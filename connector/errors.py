"""Errors of the connector core.

    ConnectorError
    ├── ConfigError            settings are missing or malformed (message says what to set)
    ├── NotConfigured          a platform's credentials are not set; routes answer 503
    ├── CryptoError            a stored secret cannot be decrypted with any known key
    └── DeliveryError          a stored delivery cannot be processed
        ├── NoHandler          no handler is configured for its topic (dead-letter at once)
        └── LeaseLost          another worker took the delivery over; our work is rolled back

Platform errors (rate limits, rejections, auth) live in `platforms.base`.
"""

from __future__ import annotations


class ConnectorError(Exception):
    """Base of every error the core raises."""


class ConfigError(ConnectorError):
    """A setting is missing or malformed."""


class NotConfigured(ConnectorError):
    """A platform is not configured; `what_to_set` tells the operator what to do."""

    def __init__(self, platform: str, what_to_set: str) -> None:
        super().__init__(f"{platform} is not configured: {what_to_set}")
        self.platform = platform
        self.what_to_set = what_to_set


class CryptoError(ConnectorError):
    """A stored secret could not be decrypted with any configured key."""


class DeliveryError(ConnectorError):
    """A stored delivery could not be processed."""


class NoHandler(DeliveryError):
    """No handler is configured for the delivery's topic."""

    def __init__(self, topic: str) -> None:
        super().__init__(f"no handler is configured for topic {topic!r}")
        self.topic = topic


class LeaseLost(DeliveryError):
    """The delivery's lease expired and another worker claimed it."""
