"""The analytics tests use the admin tests' installed Shopify shop and its program."""

from tests.admin.conftest import other_shop, program_shop, shop

__all__ = ["other_shop", "program_shop", "shop"]
