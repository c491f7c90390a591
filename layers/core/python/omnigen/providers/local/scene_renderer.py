"""The offline scene renderer: real motion graphics from the scene's shot, mood and purpose.

Each scene is one ffmpeg run at the target size, fps and exact duration: an animated gradient
in the mood's palette, drifting shapes, a motif for the scene's purpose (a rising sun for the
hook, a shield for the benefit, steady slow forms for the major statement so nothing distracts
from the risks), and the product image in a card with a slow camera push when the brief has one.
No text is drawn: the shot prompt is the renderer's input, not part of the picture (a finished
ad carries only the timeline's text; compose marks an offline render as an animatic once). A
chained scene opens on the previous scene's last frame and dissolves into its own picture — the
continuity a video model gets from `start_image`. Sprites are drawn with Pillow; ffmpeg animates
and encodes them, so a 60 s 1080p ad renders in well under real time on two cores.
"""

from __future__ import annotations

import math
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageOps, UnidentifiedImageError

from omnigen.media.ffmpeg import run_ffmpeg
from omnigen.providers.local.palettes import palette_for, rgba, shift_hue
from omnigen.providers.ports import CallContext, ProviderCall, ProviderError, SceneRequest
from omnigen.script import Scene

GRADIENT_TYPES = ("linear", "radial", "circular", "spiral")


def load_image(path: Path) -> Image.Image:
    """Open a product image or frame, or say plainly why it cannot be used."""
    try:
        with Image.open(path) as probe:
            probe.verify()
        img = Image.open(path)
        img.load()
    except FileNotFoundError:
        raise ProviderError(f"the image {path.name} does not exist; give a PNG or JPEG file") from None
    except (UnidentifiedImageError, OSError, SyntaxError) as err:
        raise ProviderError(
            f"the image {path.name} cannot be read ({err.__class__.__name__}); "
            "save it again as a PNG or JPEG file and retry"
        ) from None
    if img.format not in ("PNG", "JPEG"):
        raise ProviderError(f"the image {path.name} is {img.format}; use a PNG or JPEG file")
    return ImageOps.exif_transpose(img).convert("RGBA")


def _blob(size: int, color: str, alpha: int, blur: float) -> Image.Image:
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    pad = int(size * 0.15)
    ImageDraw.Draw(img).ellipse([pad, pad, size - pad, size - pad], fill=rgba(color, alpha))
    return img.filter(ImageFilter.GaussianBlur(blur)) if blur else img


def _ring(size: int, color: str, alpha: int, width: int) -> Image.Image:
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    pad = int(size * 0.1)
    ImageDraw.Draw(img).ellipse([pad, pad, size - pad, size - pad], outline=rgba(color, alpha), width=width)
    return img


def _rounded(w: int, h: int, color: str, alpha: int) -> Image.Image:
    img = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    ImageDraw.Draw(img).rounded_rectangle([0, 0, w - 1, h - 1], radius=min(w, h) // 4, fill=rgba(color, alpha))
    return img


def motif(purpose: str, size: int, colors: list[str]) -> Image.Image:
    """A simple pictogram for the scene's purpose."""
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    c, light = colors[4], colors[3]
    s = size
    if purpose == "hook":  # a rising sun over a horizon
        d.ellipse([s * 0.2, s * 0.25, s * 0.8, s * 0.85], fill=rgba(colors[4], 235))
        for k in range(9):
            a = math.pi * (k / 8)
            d.line(
                [
                    s / 2 + math.cos(a) * s * 0.36,
                    s * 0.55 - math.sin(a) * s * 0.36,
                    s / 2 + math.cos(a) * s * 0.48,
                    s * 0.55 - math.sin(a) * s * 0.48,
                ],
                fill=rgba(light, 220),
                width=max(2, s // 40),
            )
        d.rectangle([0, s * 0.6, s, s], fill=(0, 0, 0, 0))
        d.line([s * 0.05, s * 0.6, s * 0.95, s * 0.6], fill=rgba(light, 255), width=max(2, s // 50))
    elif purpose == "indication":  # a plus in a circle
        d.ellipse([s * 0.1, s * 0.1, s * 0.9, s * 0.9], outline=rgba(c, 230), width=max(3, s // 25))
        w = s * 0.12
        d.rectangle([s / 2 - w / 2, s * 0.28, s / 2 + w / 2, s * 0.72], fill=rgba(light, 240))
        d.rectangle([s * 0.28, s / 2 - w / 2, s * 0.72, s / 2 + w / 2], fill=rgba(light, 240))
    elif purpose == "benefit":  # a shield with a check
        d.polygon(
            [
                (s * 0.5, s * 0.08),
                (s * 0.85, s * 0.22),
                (s * 0.8, s * 0.6),
                (s * 0.5, s * 0.92),
                (s * 0.2, s * 0.6),
                (s * 0.15, s * 0.22),
            ],
            fill=rgba(c, 220),
        )
        d.line(
            [(s * 0.32, s * 0.5), (s * 0.45, s * 0.64), (s * 0.7, s * 0.36)],
            fill=rgba(light, 255),
            width=max(3, s // 14),
            joint="curve",
        )
    elif purpose == "adequate_provision":  # a handset and a globe
        d.rounded_rectangle(
            [s * 0.12, s * 0.2, s * 0.42, s * 0.8], radius=s // 14, outline=rgba(light, 240), width=max(3, s // 30)
        )
        d.ellipse([s * 0.52, s * 0.3, s * 0.9, s * 0.68], outline=rgba(c, 240), width=max(3, s // 30))
        d.line([s * 0.52, s * 0.49, s * 0.9, s * 0.49], fill=rgba(c, 240), width=max(2, s // 50))
        d.ellipse([s * 0.64, s * 0.3, s * 0.78, s * 0.68], outline=rgba(c, 240), width=max(2, s // 50))
    elif purpose == "brand_close":  # concentric halo
        for k in range(4):
            p = s * (0.1 + k * 0.09)
            d.ellipse([p, p, s - p, s - p], outline=rgba(light if k % 2 else c, 200 - k * 30), width=max(2, s // 40))
    else:  # major statement: a calm, still horizon line — nothing that competes with the risks
        d.line([s * 0.1, s * 0.5, s * 0.9, s * 0.5], fill=rgba(light, 120), width=max(2, s // 60))
    return img


def _product_card(image: Image.Image, box_h: int) -> Image.Image:
    """The product image on a white rounded card with a soft shadow."""
    img = image.copy()
    img.thumbnail((box_h, box_h))
    pad = max(8, box_h // 16)
    cw, ch = img.width + 2 * pad, img.height + 2 * pad
    out = Image.new("RGBA", (cw + pad * 2, ch + pad * 2), (0, 0, 0, 0))
    shadow = Image.new("RGBA", out.size, (0, 0, 0, 0))
    ImageDraw.Draw(shadow).rounded_rectangle(
        [pad, pad + pad // 2, cw + pad, ch + pad + pad // 2], radius=pad, fill=(0, 0, 0, 110)
    )
    out = Image.alpha_composite(out, shadow.filter(ImageFilter.GaussianBlur(pad / 2)))
    card = Image.new("RGBA", (cw, ch), (0, 0, 0, 0))
    ImageDraw.Draw(card).rounded_rectangle([0, 0, cw - 1, ch - 1], radius=pad, fill=(255, 255, 255, 245))
    card.alpha_composite(img, (pad, pad))
    out.alpha_composite(card, (pad, pad))
    return out


def scene_colors(style: str, scene: Scene, scene_count: int) -> list[str]:
    """The scene's palette: the mood's colours, turned a little further round the wheel each scene
    (the renderer's and the keyframe drawer's one source, so a keyframe looks like its scene)."""
    base = palette_for(f"{style} {scene.mood} {scene.shot}")
    return [shift_hue(c, (scene.index - 1) * 360 / max(3, scene_count) * 0.35) for c in base]


class LocalSceneRenderer:
    """Deterministic for (seed, scene): the same brief renders the same frames."""

    name = "local-motion-graphics"
    animatic = True  # motion graphics standing in for footage: the render says so (see compose)
    end_frame = True  # a clip can be told its last frame: it dissolves into the end image

    def render(self, req: SceneRequest, out: Path, ctx: CallContext) -> Path:
        ctx.check()
        scene = req.scene
        w, h, fps, dur = req.width, req.height, req.fps, scene.duration_s
        rng = random.Random(req.seed * 1000 + scene.index)
        colors = scene_colors(req.style, scene, req.scene_count)
        calm = scene.purpose == "major_statement"
        work = out.parent / f"{out.stem}_sprites"
        work.mkdir(parents=True, exist_ok=True)
        product = load_image(req.product_image) if req.product_image else None
        start = None
        if req.start_image and req.start_image != req.product_image:
            start = load_image(req.start_image)
        end = load_image(req.end_image) if req.end_image else None

        gw, gh = max(16, w // 4 // 2 * 2), max(16, h // 4 // 2 * 2)
        inputs: list[str | Path] = [
            "-f",
            "lavfi",
            "-i",
            f"gradients=s={gw}x{gh}:r={fps}:d={dur:.3f}:n=3:c0={colors[0]}:c1={colors[1]}:c2={colors[2]}"
            f":speed={0.004 if calm else 0.012 + 0.01 * rng.random():.4f}:seed={rng.randrange(1 << 30)}"
            f":type={rng.choice(GRADIENT_TYPES[:2] if calm else GRADIENT_TYPES)}",
        ]
        # The gradient and its vignette are smooth, so they are drawn at a quarter of the size and
        # scaled up: per-pixel work at 1080p was most of a scene's render time.
        graph: list[str] = [f"[0:v]vignette=PI/5,scale={w}:{h}:flags=bicubic,format=yuv420p[bg0]"]
        layers: list[tuple[Path, str, str]] = []  # (png, x expr, y expr)
        n_shapes = 2 if calm else rng.randint(3, 5)
        for k in range(n_shapes):
            size = int(h * rng.uniform(0.25, 0.6))
            kind = rng.choice(("blob", "ring", "rounded"))
            color = colors[rng.randrange(1, 5)]
            if kind == "blob":
                sprite = _blob(size, color, rng.randint(70, 140), size * 0.06)
            elif kind == "ring":
                sprite = _ring(size, color, rng.randint(90, 170), max(2, size // 30))
            else:
                sprite = _rounded(size, int(size * 0.6), color, rng.randint(50, 110))
            path = work / f"shape_{k}.png"
            sprite.save(path)
            speed = (0.05 if calm else 0.25) * rng.uniform(0.5, 1.5)
            x0, y0 = rng.uniform(-0.1, 0.8) * w, rng.uniform(-0.1, 0.7) * h
            ax, ay = rng.uniform(0.05, 0.2) * w, rng.uniform(0.05, 0.15) * h
            ph = rng.uniform(0, 6.28)
            layers.append(
                (
                    path,
                    f"{x0:.1f}+{ax:.1f}*sin({speed:.3f}*t+{ph:.2f})",
                    f"{y0:.1f}+{ay:.1f}*cos({speed * 0.8:.3f}*t+{ph:.2f})",
                )
            )
        msize = int(h * 0.34)
        mpath = work / "motif.png"
        motif(scene.purpose, msize, colors).save(mpath)
        mx = w * (0.68 if product is not None else 0.5) - msize / 2
        bob = 0.004 if calm else 0.02
        layers.append((mpath, f"{mx:.1f}", f"{h * 0.42 - msize / 2:.1f}+{h * bob:.1f}*sin(1.3*t)"))
        n_in = 1
        cur = "[bg0]"
        for k, (path, x, y) in enumerate(layers):
            inputs += ["-loop", "1", "-framerate", str(fps), "-t", f"{dur:.3f}", "-i", path]
            graph.append(f"{cur}[{n_in}:v]overlay=x='{x}':y='{y}':shortest=1[l{k}]")
            cur = f"[l{k}]"
            n_in += 1
        if product is not None:
            card = _product_card(product, int(h * 0.42))
            ppath = work / "product.png"
            card.save(ppath)
            inputs += ["-loop", "1", "-framerate", str(fps), "-t", f"{dur:.3f}", "-i", ppath]
            # the camera move: a slow push-in on the product card (scale per frame), drifting in
            grow = 0.12 if not calm else 0.04
            graph.append(f"[{n_in}:v]scale=w='trunc(iw*(1+{grow}*t/{dur:.3f})/2)*2':h=-2:eval=frame[pc]")
            px = f"{w * (0.3 if scene.purpose != 'brand_close' else 0.5):.1f}-overlay_w/2+{w * 0.02:.1f}*t/{dur:.3f}"
            graph.append(f"{cur}[pc]overlay=x='{px}':y='{h * 0.45:.1f}-overlay_h/2':shortest=1[lp]")
            cur = "[lp]"
            n_in += 1
        fade = min(1.0, dur / 3)
        # a chained or keyframed scene opens on its start image and dissolves into its own
        # picture; a scene told its last frame (the next keyframe) dissolves into it at the end
        stills = [
            (start, "start", f"fade=t=out:st=0:d={fade:.3f}"),
            (end, "end", f"fade=t=in:st={dur - fade:.3f}:d={fade:.3f}"),
        ]
        for image, name, dissolve in stills:
            if image is None:
                continue
            path = work / f"{name}.png"
            image.convert("RGB").resize((w, h)).save(path)
            inputs += ["-loop", "1", "-framerate", str(fps), "-t", f"{dur:.3f}", "-i", path]
            graph.append(f"[{n_in}:v]format=rgba,{dissolve}:alpha=1[{name}]")
            graph.append(f"{cur}[{name}]overlay=shortest=1[l{name}]")
            cur = f"[l{name}]"
            n_in += 1
        graph.append(f"{cur}format=yuv420p[vout]")
        ctx.progress(0.1, "drawing")
        run_ffmpeg(
            [
                "-y",
                *inputs,
                "-filter_complex",
                ";".join(graph),
                "-map",
                "[vout]",
                "-r",
                str(fps),
                "-frames:v",
                str(round(dur * fps)),
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",  # a mezzanine clip: compose re-encodes it, so spend bits, not CPU
                "-crf",
                "17",
                "-pix_fmt",
                "yuv420p",
                "-movflags",
                "+faststart",
                out,
            ],
            what=f"rendering scene {scene.index}",
        )
        ctx.record(ProviderCall(capability="video", model=self.name, cost_usd=0.0))
        return out
