"""The edge tests reuse the admin API's installed shop and the WooCommerce fakes."""

from tests.admin.conftest import program_shop, shop  # noqa: F401
from tests.woocommerce.conftest import fake_woo, sleeps, woo_runtime  # noqa: F401
