"""Store credentials: encrypted into the shop row, decrypted only in memory when a call needs them."""

from __future__ import annotations

import json

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from connector.crypto import Vault
from connector.services.base.runtime import Runtime
from connector.store.models import Shop, ShopStatus
from platforms.base import StoreCredentials


async def save_credentials(
    runtime: Runtime, creds: StoreCredentials, using_db: BaseDBAsyncClient | None = None
) -> Shop:
    """Create or update the shop with these credentials, encrypted, and mark it active."""
    vault = runtime.vault
    runtime.remember_secret(creds.access_token, creds.refresh_token, *creds.extra.values())
    values = {
        "status": ShopStatus.ACTIVE,
        "status_reason": None,
        "scopes": ",".join(creds.scopes),
        "access_token": vault.encrypt(creds.access_token),
        "access_expires_at": creds.expires_at,
        "refresh_token": vault.encrypt_optional(creds.refresh_token),
        "refresh_expires_at": creds.refresh_token_expires_at,
        "secrets": vault.encrypt(json.dumps(dict(creds.extra))) if creds.extra else None,
        "uninstalled_at": None,
    }
    async with in_transaction() if using_db is None else _nullctx(using_db) as tx:
        shop = await Shop.filter(platform=creds.platform, domain=creds.shop).using_db(tx).first()
        if shop is None:
            shop = await Shop.create(
                platform=creds.platform,
                domain=creds.shop,
                installed_at=runtime.now(),
                using_db=tx,
                **values,
            )
        else:
            if shop.status == ShopStatus.UNINSTALLED:
                values["installed_at"] = runtime.now()
            shop.update_from_dict(values)
            await shop.save(using_db=tx)
    return shop


def credentials_of(runtime: Runtime, shop: Shop) -> StoreCredentials:
    """Decrypt a shop's credentials (raises CryptoError if no configured key fits)."""
    vault = runtime.vault
    if shop.access_token is None:
        raise LookupError(f"{shop.domain} has no stored credentials (status {shop.status})")
    access = vault.decrypt(shop.access_token)
    refresh = vault.decrypt_optional(shop.refresh_token)
    extra = json.loads(vault.decrypt(shop.secrets)) if shop.secrets else {}
    runtime.remember_secret(access, refresh, *extra.values())
    return StoreCredentials(
        platform=shop.platform,
        shop=shop.domain,
        access_token=access,
        scopes=tuple(s for s in shop.scopes.split(",") if s),
        expires_at=shop.access_expires_at,
        refresh_token=refresh,
        refresh_token_expires_at=shop.refresh_expires_at,
        extra=extra,
    )


async def rotate_all(vault: Vault) -> int:
    """Re-encrypt every shop's secrets with the newest key; return the number of shops."""
    count = 0
    async with in_transaction() as tx:
        for shop in await Shop.all().using_db(tx).select_for_update():
            for column in ("access_token", "refresh_token", "secrets"):
                token = getattr(shop, column)
                setattr(shop, column, vault.rotate(token) if token else None)
            await shop.save(using_db=tx, update_fields=["access_token", "refresh_token", "secrets"])
            count += 1
    return count


class _nullctx:
    """An async context manager that yields an existing transaction."""

    def __init__(self, tx: BaseDBAsyncClient) -> None:
        self.tx = tx

    async def __aenter__(self) -> BaseDBAsyncClient:
        return self.tx

    async def __aexit__(self, *exc: object) -> None:
        return None
