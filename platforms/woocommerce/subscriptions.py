"""Order webhooks over the REST API: create or reuse, delete, and re-enable after failures.

Every webhook gets our per-shop secret: WooCommerce never returns a secret, and one it
generates itself could not be checked. A webhook is disabled by the store after repeated failed
deliveries (7 in a row on WooCommerce 11) and never retried, so we put it back to `active`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from platforms.base import PlatformRejected, StoreCredentials
from platforms.woocommerce.rest import NotFound, WooREST


async def list_webhooks(rest: WooREST, creds: StoreCredentials) -> list[Mapping[str, Any]]:
    """Every webhook of the store."""
    return [hook async for hook in rest.paginate(creds, "/webhooks")]


async def register_webhooks(
    rest: WooREST,
    creds: StoreCredentials,
    topics: Sequence[str],
    delivery_url: str,
    *,
    secret: str,
    name: str,
    replace_prefix: str | None = None,
) -> list[str]:
    """One active webhook per topic at delivery_url, signed with `secret`; return their ids.

    A webhook that already exists for (topic, delivery_url) is reused, with the secret set
    again and re-activated, so connecting twice never duplicates deliveries. With
    `replace_prefix`, every other webhook whose delivery URL starts with it (ours, from an
    earlier connection or topic list) is deleted.
    """
    existing = await list_webhooks(rest, creds)
    ids = []
    for topic in topics:
        match = next(
            (
                w
                for w in existing
                if w.get("topic") == topic and w.get("delivery_url") == delivery_url
            ),
            None,
        )
        if match is not None:
            hook_id = str(match["id"])
            body = {"secret": secret, "status": "active"}
            await rest.request(creds, "PUT", f"/webhooks/{hook_id}", json_body=body)
        else:
            body = {
                "name": f"{name}: {topic}",
                "topic": topic,
                "delivery_url": delivery_url,
                "secret": secret,
                "status": "active",
            }
            # Not idempotent: a POST that may have arrived is not repeated (it would duplicate).
            answer = await rest.request(
                creds, "POST", "/webhooks", json_body=body, idempotent=False
            )
            created = answer.body if isinstance(answer.body, Mapping) else {}
            if not created.get("id"):
                raise PlatformRejected("POST /webhooks returned no webhook", code="NO_PAYLOAD")
            hook_id = str(created["id"])
        ids.append(hook_id)
    if replace_prefix is not None:
        stale = [
            str(w["id"])
            for w in existing
            if str(w.get("delivery_url", "")).startswith(replace_prefix) and str(w["id"]) not in ids
        ]
        await delete_webhooks(rest, creds, stale)
    return ids


async def delete_webhooks(rest: WooREST, creds: StoreCredentials, ids: Sequence[str]) -> None:
    """Delete webhooks for good (`force=true`: webhooks have no trash); gone counts as done."""
    for hook_id in ids:
        try:
            await rest.request(creds, "DELETE", f"/webhooks/{hook_id}", params={"force": "true"})
        except NotFound:
            continue


async def reactivate_webhooks(
    rest: WooREST, creds: StoreCredentials, delivery_url_prefix: str
) -> list[str]:
    """Set our webhooks (delivery URL under the prefix) back to active; return those changed."""
    changed = []
    for hook in await list_webhooks(rest, creds):
        ours = str(hook.get("delivery_url", "")).startswith(delivery_url_prefix)
        if ours and hook.get("status") != "active":
            hook_id = str(hook["id"])
            await rest.request(creds, "PUT", f"/webhooks/{hook_id}", json_body={"status": "active"})
            changed.append(hook_id)
    return changed
