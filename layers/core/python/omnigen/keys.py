"""Asset keys: the same names on S3 and on disk, so either store can hold any job."""

from __future__ import annotations


def job_prefix(user_id: str, job_id: str) -> str:
    return f"users/{user_id}/jobs/{job_id}/"


class JobKeys:
    """Every asset key of one job. Build it once per job; pass keys, never bytes, between steps."""

    def __init__(self, user_id: str, job_id: str):
        self.prefix = job_prefix(user_id, job_id)

    def _k(self, name: str) -> str:
        return self.prefix + name

    @property
    def brief(self) -> str:
        return self._k("brief.json")

    @property
    def script(self) -> str:
        return self._k("script.json")

    @property
    def timeline(self) -> str:
        return self._k("timeline.json")

    @property
    def compliance(self) -> str:
        return self._k("compliance.json")

    @property
    def compliance_html(self) -> str:
        return self._k("compliance.html")

    @property
    def music(self) -> str:
        return self._k("audio/background.mp3")

    @property
    def voiceover(self) -> str:
        return self._k("audio/voiceover.wav")

    @property
    def voice_lines(self) -> str:
        return self._k("audio/voice_lines.json")

    def voice_line(self, n: int) -> str:
        return self._k(f"audio/voice/line_{n}.wav")

    def clip(self, scene: int) -> str:
        return self._k(f"clips/scene_{scene}.mp4")

    def last_frame(self, scene: int) -> str:
        return self._k(f"frames/scene_{scene}_last.jpg")

    def product_image(self, ext: str = "png") -> str:
        return self._k(f"inputs/product.{ext}")

    def output(self, version: int = 1) -> str:
        return self._k("final/output.mp4" if version <= 1 else f"final/v{version}.mp4")

    @property
    def poster(self) -> str:
        return self._k("final/poster.jpg")

    @property
    def captions(self) -> str:
        return self._k("final/captions.vtt")
