"""PLACEHOLDER being written by a helper: compliance handlers."""
from __future__ import annotations

from connector.services.lifecycle import AppUninstalledHandler as _H


class CustomersDataRequestHandler(_H):
    pass


class CustomersRedactHandler(_H):
    pass


class ShopRedactHandler(_H):
    pass
