"""The offline keyframe drawer: one still per cut, in the look of the scene it opens.

The still is what the offline renderer's picture is made of — the scene's palette as a soft
gradient, its purpose's motif — drawn with Pillow in a few milliseconds, so the offline default
has the same structure as production (keyframes first, then every scene from its keyframe)
without a model. Deterministic for (seed, scene).
"""

from __future__ import annotations

import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

from omnigen.providers.local.palettes import rgba
from omnigen.providers.local.scene_renderer import motif, scene_colors
from omnigen.providers.ports import CallContext, KeyframeRequest, ProviderCall


class LocalKeyframes:
    name = "local-keyframes"

    def draw(self, req: KeyframeRequest, out: Path, ctx: CallContext) -> Path:
        ctx.check()
        w, h = req.width, req.height
        rng = random.Random(req.seed * 1000 + req.scene.index)
        colors = scene_colors(req.style, req.scene, req.scene_count)
        # a vertical gradient between the palette's first two colours, at a quarter size
        small = Image.new("RGBA", (max(8, w // 8), max(8, h // 8)))
        top, bottom = rgba(colors[0], 255), rgba(colors[1], 255)
        draw = ImageDraw.Draw(small)
        for y in range(small.height):
            t = y / max(1, small.height - 1)
            draw.line(
                [(0, y), (small.width, y)], fill=tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
            )
        img = small.resize((w, h), Image.BICUBIC)
        for _ in range(3):
            size = int(h * rng.uniform(0.25, 0.5))
            blob = Image.new("RGBA", (size, size), (0, 0, 0, 0))
            ImageDraw.Draw(blob).ellipse([0, 0, size - 1, size - 1], fill=rgba(colors[rng.randrange(2, 5)], 110))
            img.alpha_composite(
                blob.filter(ImageFilter.GaussianBlur(size * 0.08)),
                (rng.randrange(max(1, w - size)), rng.randrange(max(1, h - size))),
            )
        mark = motif(req.scene.purpose, int(h * 0.34), colors)
        img.alpha_composite(mark, ((w - mark.width) // 2, int(h * 0.42 - mark.height / 2)))
        path = out.with_suffix(".jpg")
        img.convert("RGB").save(path, "JPEG", quality=92)
        ctx.record(ProviderCall(capability="keyframes", model=self.name, cost_usd=0.0))
        return path
