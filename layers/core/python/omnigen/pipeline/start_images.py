"""Which picture a scene's video starts from (pure: no I/O).

A chained scene starts on the previous scene's last frame (continuity). Any other scene starts
on the product image only where its shot shows the product — otherwise every unchained scene
would open on the packshot — and from its text alone everywhere else.
"""

from __future__ import annotations

import re

from omnigen.brief import Brief
from omnigen.script import Scene

PRODUCT_WORDS = (
    "product",
    "packshot",
    "pack shot",
    "pack",
    "package",
    "packaging",
    "box",
    "carton",
    "bottle",
    "pen",
    "autoinjector",
    "injector",
    "inhaler",
    "blister",
    "vial",
    "tube",
)


def shows_product(scene: Scene, brief: Brief) -> bool:
    """Whether the shot shows the product: as the writer said (`Scene.shows_product`), else when
    the shot names the brand, the generic name or the product itself (a pack, a pen, a bottle)."""
    if scene.shows_product is not None:
        return scene.shows_product
    names = [brief.product.brand_name, brief.product.generic_name, *PRODUCT_WORDS]
    pattern = r"\b(" + "|".join(re.escape(n.lower()) for n in names if n) + r")s?\b"
    return re.search(pattern, scene.shot.lower()) is not None
