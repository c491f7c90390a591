"""The small brief that smoke checks, soaks, benchmarks and tests start from (pure data).

One short 360p product claim — a name, one use, one risk and the contact card — which the offline
pipeline renders in seconds and which passes compliance and the post-render QC at 12 s (the
shortest it fits is 11 s; tests/integration/test_short_ads.py). It lives in the package, not in
tests/, so that ops/smoke.py and bench/ use the very brief the tests prove, without importing
test code.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

_SMALL: dict[str, Any] = {
    "prompt": "A hopeful short spot about getting back to the garden",
    "duration_s": 12,
    "resolution": "360p",
    "continuity": "parallel",
    "product": {
        "brand_name": "Veltrexa",
        "generic_name": "veltrexamab",
        "indication": "plaque psoriasis in adults",
        "side_effects": ["serious infections"],
        "phone": "1-800-555-0142",
        "website": "veltrexa.example",
        "print_ad": "See our ad in Health Today",
    },
}


def small_brief(product: Mapping[str, Any] | None = None, **over: Any) -> dict[str, Any]:
    """A fresh copy of the small brief as the API takes it (JSON-able dict): `over` replaces
    top-level fields, `product` is laid over the product field by field (so a caller names only
    what it changes: `small_brief(product={"image": key})`)."""
    brief = copy.deepcopy(_SMALL) | over
    if product is not None:
        brief["product"] = brief["product"] | dict(product)
    return brief
