"""The Shopify theme app extension: an app embed block that loads the loader through the App Proxy."""

from __future__ import annotations

import json
import re
import tomllib
from typing import Any

from connector.settings import REPO_ROOT

EXTENSION = REPO_ROOT / "widgets" / "shopify"
BLOCK = EXTENSION / "blocks" / "app-embed.liquid"


def schema() -> dict[str, Any]:
    found = re.search(r"{% schema %}(.*?){% endschema %}", BLOCK.read_text(), re.S)
    assert found is not None
    result: dict[str, Any] = json.loads(found.group(1))
    return result


def translation_keys(value: Any) -> set[str]:
    """Every `t:` reference in the schema."""
    if isinstance(value, str):
        return {value[2:]} if value.startswith("t:") else set()
    if isinstance(value, dict):
        return set().union(*(translation_keys(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(translation_keys(v) for v in value))
    return set()


def flatten(data: dict[str, Any], prefix: str = "") -> set[str]:
    keys: set[str] = set()
    for key, value in data.items():
        name = f"{prefix}{key}"
        keys |= flatten(value, name + ".") if isinstance(value, dict) else {name}
    return keys


def test_the_extension_is_a_theme_extension():
    config = tomllib.loads((EXTENSION / "shopify.extension.toml").read_text())

    assert config == {"name": "Referral widget", "type": "theme"}


def test_the_block_is_an_app_embed_with_position_locale_and_colour_settings():
    block = schema()
    settings = {s["id"]: s for s in block["settings"] if "id" in s}

    assert block["target"] == "body"
    assert [o["value"] for o in settings["position"]["options"]] == ["bottom-right", "bottom-left"]
    assert [o["value"] for o in settings["locale"]["options"]] == ["auto", "es", "en"]
    assert {k for k, s in settings.items() if s["type"] == "color"} == {
        "accent",
        "accent_text",
        "background",
        "text",
    }
    assert settings["proxy_path"]["default"] == "/apps/referrals"


def test_the_loader_comes_through_the_app_proxy_and_no_script_tag_is_used():
    text = BLOCK.read_text()

    assert 'src="{{ proxy }}/widget/loader.js"' in text
    assert "<referral-widget" in text
    assert "script_tag" not in text
    assert "ScriptTag" not in text


def test_every_setting_label_is_translated_in_english_and_spanish():
    wanted = translation_keys(schema())

    for name in ("en.default.schema.json", "es.schema.json"):
        data = json.loads((EXTENSION / "locales" / name).read_text())
        assert wanted - flatten(data) == set(), name


def test_the_default_proxy_path_matches_app_toml():
    proxy = tomllib.loads((REPO_ROOT / "app.toml").read_text())["shopify"]["app_proxy"]
    settings = {s["id"]: s for s in schema()["settings"] if "id" in s}

    assert settings["proxy_path"]["default"] == f"/{proxy['prefix']}/{proxy['subpath']}"
    assert "default: '/apps/referrals'" in BLOCK.read_text()
