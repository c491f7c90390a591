"""Mood and style words → a colour palette for the offline renderer (pure)."""

from __future__ import annotations

import colorsys

PALETTES: dict[str, list[str]] = {
    "coastal": ["#0E4D64", "#137C8B", "#7FC8D6", "#F2E8CF", "#F6AE2D"],
    "sunset": ["#3D1E6D", "#8E3B76", "#E0607E", "#F59E6C", "#FFE3A3"],
    "warm": ["#5B2333", "#A4443B", "#E07A5F", "#F2CC8F", "#FFF3E0"],
    "nature": ["#1B4332", "#2D6A4F", "#52B788", "#B7E4C7", "#FEFAE0"],
    "clinical": ["#0B3C5D", "#328CC1", "#A9D6E5", "#E8F1F2", "#FFFFFF"],
    "night": ["#0B132B", "#1C2541", "#3A506B", "#5BC0BE", "#E0FBFC"],
    "vivid": ["#3A0CA3", "#7209B7", "#F72585", "#4CC9F0", "#FFD166"],
    "calm": ["#22333B", "#5E7C88", "#A9C5CF", "#EAE0D5", "#F7F4EF"],
}

KEYWORDS: dict[str, tuple[str, ...]] = {
    "coastal": ("coast", "ocean", "sea", "beach", "water", "blue", "lake"),
    "sunset": ("sunset", "dusk", "golden hour", "evening"),
    "warm": ("warm", "cozy", "family", "kitchen", "home", "autumn"),
    "nature": ("garden", "park", "forest", "green", "outdoor", "hike", "nature"),
    "clinical": ("clinic", "doctor", "clean", "medical", "white", "pharmacy", "office"),
    "night": ("night", "dark", "city", "neon"),
    "vivid": ("energetic", "vibrant", "bold", "playful", "pop", "bright color"),
    "calm": ("calm", "gentle", "soft", "minimal", "serene", "quiet"),
}


def palette_for(text: str) -> list[str]:
    """The palette whose keywords the text mentions most (ties: the earlier palette)."""
    low = text.lower()
    scores = {name: sum(low.count(k) for k in words) for name, words in KEYWORDS.items()}
    best = max(scores, key=lambda n: scores[n])
    return PALETTES[best if scores[best] else "calm"]


def shift_hue(color: str, degrees: float) -> str:
    """Rotate a colour's hue: each scene gets its own variation of the ad's palette."""
    r, g, b = (int(color[i : i + 2], 16) / 255 for i in (1, 3, 5))
    h, lum, s = colorsys.rgb_to_hls(r, g, b)
    r2, g2, b2 = colorsys.hls_to_rgb((h + degrees / 360) % 1.0, lum, s)
    return "#" + "".join(f"{round(c * 255):02X}" for c in (r2, g2, b2))


def rgba(color: str, alpha: int = 255) -> tuple[int, int, int, int]:
    return (int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16), alpha)
