"""Every table that can hold personal data has a source in the privacy registry."""

from __future__ import annotations

from tortoise import Tortoise

from connector.services.privacy.compliance import DATA_SOURCES


async def test_every_model_with_personal_fields_has_a_data_source(db: None) -> None:
    models = [
        model for model in Tortoise.apps["models"].values() if getattr(model, "PII_FIELDS", ())
    ]

    assert models
    assert [m.__name__ for m in models if m not in DATA_SOURCES] == []
