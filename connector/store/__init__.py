"""Storage: the Tortoise models (`models`), the database lifecycle (`db`) and migrations.

Only services import this package. `makemigrations` writes one migration for both dialects
(SQLite and PostgreSQL) into `connector/migrations/models`.
"""
