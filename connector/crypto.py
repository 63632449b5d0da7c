"""Encryption at rest for store credentials, with key rotation; keys derived for other purposes.

Keys are Fernet keys (AES-128-CBC + HMAC-SHA256), newest first. Encryption always uses the newest;
decryption tries each. `connector rotate-keys` re-encrypts every stored secret under the newest.

`derived_key` gives one purpose (a label) its own key, HMAC-SHA256 of the label under the newest
key, so nothing more needs configuring. Putting a new key first changes every derived value at
once (nothing is re-derived with the old key), which for each label means:

- `sandbox-webhooks`, the sandbox's webhook secret: sandbox deliveries signed before the change
  no longer verify (only the sandbox and the demo sign with it);
- `connector/storefront-token/{shop}`, a sandbox shop's storefront token key: tokens already
  rendered into pages stop verifying until the page renders a new one (they live two days at most);
- `connector/rate-limits`: subjects hash anew, so the running windows count from zero once;
- `connector/reward-codes`: a discount reward's code is saved on its row before the store call,
  so a retry reuses it and rotation is safe; only rewards not tried yet get codes under the new key;
- `connector/friend-codes`: a friend's single-use code is redrawn, so a friend who claims again
  after the change is given a second code beside the first (the codes are unique by code, not by
  friend);
- `connector/storefront-decoy`: the decoy answered for an advocate's own email changes.
"""

from __future__ import annotations

import hashlib
import hmac
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


def derived_key(keys: Sequence[Secret], label: str) -> bytes:
    """HMAC-SHA256 of `label` under the newest key: that purpose's own key (see the module doc)."""
    return hmac.new(keys[0].reveal().encode(), label.encode(), hashlib.sha256).digest()
