"""The edge tests reuse the admin API's installed shop and program."""

from tests.admin.conftest import program_shop, shop  # noqa: F401
