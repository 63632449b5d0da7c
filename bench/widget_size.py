"""Storefront size budget: raw and gzip bytes of the loader and the widget, as the server sends them.

    python bench/widget_size.py [--json]

Exits 1 when a file is past its gzip budget (loader 1 KB, widget 12 KB), so CI fails on it.
"""

from __future__ import annotations

import argparse
import json
import sys

from connector.services.storefront.assets import budget_rows, load_assets


def main(argv: list[str] | None = None) -> int:
    """Print the size report; return 1 if any budget is exceeded."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args(argv)
    rows = budget_rows(load_assets())
    if args.json:
        print(json.dumps([{**r.__dict__, "within": r.within} for r in rows], indent=2))
    else:
        print(f"{'file':<12}{'raw':>10}{'gzip':>10}{'budget':>10}  status")
        for r in rows:
            status = "ok" if r.within else f"OVER by {r.gzipped - r.budget} B"
            print(f"{r.name:<12}{r.raw:>10}{r.gzipped:>10}{r.budget:>10}  {status}")
    return 0 if all(r.within for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
