"""The widget's files: complete locales, the loader naming the widget's version, the size budgets."""

from __future__ import annotations

import json
import re

from connector.services.storefront.api import PUBLIC_STATUS
from connector.services.storefront.assets import (
    LOADER_BUDGET,
    WIDGET_BUDGET,
    WIDGET_DIR,
    budget_rows,
    load_assets,
    messages,
    resolve_locale,
)

# Keys the widget builds at run time rather than naming literally.
DYNAMIC_KEYS = {
    *(f"status_{status}" for status in PUBLIC_STATUS.values()),
    *(
        f"offer_{k}"
        for k in (
            "percentage_discount",
            "fixed_amount_discount",
            "store_credit",
            "cash",
            "charity_donation",
        )
    ),
    "whatsapp",
    "facebook",
    "x",
    "email",
    "sms",
}


def test_every_locale_has_the_same_keys_and_message_shapes_as_spanish():
    locales = load_assets().locales
    spanish = locales["es"]

    for name, copy in locales.items():
        assert set(copy) == set(spanish), name
        for key, text in copy.items():
            assert type(text) is type(spanish[key]), (name, key)


def test_spanish_and_english_ship():
    assert sorted(load_assets().locales) == ["en", "es"]


def test_every_key_the_widget_uses_is_in_the_locales():
    source = (WIDGET_DIR / "widget.js").read_text()
    used = set(re.findall(r'\bt\("(\w+)"[,)]', source)) | DYNAMIC_KEYS

    assert used - set(load_assets().locales["es"]) == set()


def test_the_loader_names_the_widgets_content_version():
    assets = load_assets()

    assert f"/widget/{assets.version}/widget.js".encode() in assets.loader.body
    assert b"__VERSION__" not in assets.loader.body
    assert len(assets.version) == 12


def test_both_files_are_within_their_gzip_budgets():
    rows = {r.name: r for r in budget_rows(load_assets())}

    assert rows["loader.js"].budget == LOADER_BUDGET == 1024
    assert rows["widget.js"].budget == WIDGET_BUDGET == 12 * 1024
    assert all(r.within for r in rows.values())


def test_a_page_tag_resolves_to_its_locale_file_then_spanish():
    available = {"es": {}, "en": {}, "pt-BR": {}}

    assert resolve_locale("en-GB", available) == "en"
    assert resolve_locale("EN", available) == "en"
    assert resolve_locale("pt_br", available) == "pt-BR"
    assert resolve_locale("pt-PT", available) == "es"
    assert resolve_locale("fr", available) == "es"
    assert resolve_locale(None, available) == "es"


def test_merchant_overrides_replace_known_messages_of_the_same_shape_only():
    assets = load_assets()

    copy = messages(
        assets,
        "en",
        {
            "launcher": "Share the love",
            "clicks": {"one": "{n} click", "other": "{n} clicks"},
            "friends": "not a plural",
            "unknown_key": "ignored",
        },
    )

    assert copy["launcher"] == "Share the love"
    assert copy["clicks"] == {"one": "{n} click", "other": "{n} clicks"}
    assert copy["friends"] == assets.locales["en"]["friends"]
    assert "unknown_key" not in copy
    assert copy["title"] == "Invite your friends"


def test_adding_a_locale_is_one_file(tmp_path):
    (tmp_path / "locales").mkdir()
    for name in ("widget.js", "loader.js"):
        (tmp_path / name).write_bytes((WIDGET_DIR / name).read_bytes())
    spanish = load_assets().locales["es"]
    (tmp_path / "locales" / "es.json").write_text(json.dumps(spanish))
    (tmp_path / "locales" / "pt.json").write_text(json.dumps({"launcher": "Indique e ganhe"}))

    assets = load_assets(tmp_path)

    assert resolve_locale("pt-BR", assets.locales) == "pt"
    copy = messages(assets, "pt")
    assert copy["launcher"] == "Indique e ganhe"
    assert copy["title"] == spanish["title"]
