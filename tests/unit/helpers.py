"""Small builders for unit tests (plain data, no I/O)."""

from omnigen.script import Scene, Script

PURPOSES = ["hook", "indication", "benefit", "major_statement", "adequate_provision", "brand_close"]


def make_script(links: list[bool], durations: list[float] | None = None) -> Script:
    durations = durations or [5.0] * len(links)
    scenes = [
        Scene(
            index=i + 1,
            duration_s=d,
            purpose=PURPOSES[min(i, 5)],
            shot=f"shot {i + 1}",
            voiceover=f"Line for scene {i + 1}.",
            continues_previous=link,
        )
        for i, (link, d) in enumerate(zip(links, durations, strict=True))
    ]
    return Script(title="t", scenes=scenes)
