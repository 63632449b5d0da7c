"""The migrations in the repository describe exactly the models: nothing left to generate."""

from __future__ import annotations

import shutil
from pathlib import Path

from connector.store.db import MIGRATIONS
from connector.store.makemigrations import _generate_in_subprocess


def test_models_and_migrations_agree(tmp_path: Path) -> None:
    workdir = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, workdir, ignore=shutil.ignore_patterns("__pycache__"))

    written = _generate_in_subprocess("sqlite://:memory:", workdir, "drift")

    assert written is None, f"models changed without a migration: {written.read_text()[:2000]}"


def test_every_migration_carries_both_dialects() -> None:
    for path in sorted((MIGRATIONS / "models").glob("*.py")):
        text = path.read_text()
        assert 'if db.capabilities.dialect == "postgres":' in text, path.name
        postgres_part = text.split('if db.capabilities.dialect == "postgres":')[1].split(
            "return", 2
        )[1]
        assert "AUTOINCREMENT" not in postgres_part, path.name
