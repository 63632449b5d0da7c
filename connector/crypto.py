"""Encryption at rest for store credentials, with key rotation.

Keys are Fernet keys (AES-128-CBC + HMAC-SHA256), newest first. Encryption always uses the newest;
decryption tries each. `connector rotate-keys` re-encrypts every stored secret under the newest.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from connector.errors import ConfigError, CryptoError
from connector.settings import Secret


class Vault:
    """Encrypts and decrypts secrets with a rotating list of keys."""

    def __init__(self, keys: Sequence[Secret]) -> None:
        if not keys:
            raise ConfigError("no encryption key: set CONNECTOR_ENCRYPTION_KEYS")
        self._fernet = MultiFernet([Fernet(k.reveal().encode()) for k in keys])

    def encrypt(self, plaintext: str) -> str:
        """Encrypt with the newest key."""
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        """Decrypt with whichever configured key made the token."""
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise CryptoError(
                "a stored secret cannot be decrypted with any configured key; "
                "was a key removed from CONNECTOR_ENCRYPTION_KEYS before `connector rotate-keys`?"
            ) from exc

    def rotate(self, token: str) -> str:
        """Re-encrypt a token under the newest key."""
        try:
            return self._fernet.rotate(token.encode()).decode()
        except InvalidToken as exc:
            raise CryptoError(
                "a stored secret cannot be decrypted with any configured key"
            ) from exc

    def encrypt_optional(self, plaintext: str | None) -> str | None:
        """Encrypt, passing None through."""
        return None if plaintext is None else self.encrypt(plaintext)

    def decrypt_optional(self, token: str | None) -> str | None:
        """Decrypt, passing None through."""
        return None if token is None else self.decrypt(token)


def generate_key() -> str:
    """A new random Fernet key."""
    return Fernet.generate_key().decode()
