"""Asset keys: the same names on S3 and on disk, so either store can hold any job."""

from __future__ import annotations

import re
import secrets

UPLOAD_ID = re.compile(r"[0-9a-f]{16}\.(png|jpg)")


def upload_key(user_id: str, ext: str) -> str:
    """Where a product-image upload goes: a fresh random name under the user's uploads."""
    return f"users/{user_id}/uploads/{secrets.token_hex(8)}.{ext}"


def is_upload_key(user_id: str, key: str) -> bool:
    """Whether `key` is exactly the form `upload_key` makes for this user: nothing else (a path,
    `..`, a NUL, another user's upload) may name an image in an API request."""
    prefix = f"users/{user_id}/uploads/"
    return key.startswith(prefix) and UPLOAD_ID.fullmatch(key[len(prefix) :]) is not None


def job_prefix(user_id: str, job_id: str) -> str:
    return f"users/{user_id}/jobs/{job_id}/"


class _Reports:
    """The check reports kept under a job (its latest check: the script's, or the last made
    version's; a refused compose's go to `JobKeys.refused`) and under each made version (that
    version's own copy): the same names at both levels, under each one's `_k`."""

    def _k(self, name: str) -> str:
        raise NotImplementedError

    @property
    def compliance(self) -> str:
        return self._k("compliance.json")

    @property
    def compliance_html(self) -> str:
        return self._k("compliance.html")

    @property
    def qc(self) -> str:
        return self._k("qc.json")


class JobKeys(_Reports):
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

    def draft(self, revision: int, token: str) -> str:
        """Revision `revision` of the draft timeline: written once, by the one save that made it
        (`token` keeps two saves racing for the same revision apart)."""
        return self._k(f"drafts/timeline.r{revision:06d}.{token}.json")

    @property
    def refused(self) -> str:
        """The full compliance and QC reports of the last refused compose (no version was made)."""
        return self._k("drafts/refused.json")

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

    def voice_said(self, digest: str) -> str:
        """A line re-voiced after an edit, named by what was said and how (`lines.voice_digest`):
        the same text is never spoken twice, and a changed line never overwrites another's."""
        return self._k(f"audio/voice/said_{digest}.wav")

    def clip(self, scene: int, take: int = 1) -> str:
        """Scene `scene`'s clip; take 1 is the pipeline's, later takes are regenerations."""
        return self._k(f"clips/scene_{scene}.mp4" if take == 1 else f"clips/scene_{scene}.take{take}.mp4")

    def last_frame(self, scene: int, take: int = 1) -> str:
        name = f"frames/scene_{scene}_last.jpg" if take == 1 else f"frames/scene_{scene}.take{take}_last.jpg"
        return self._k(name)

    def keyframe(self, scene: int) -> str:
        """The still scene `scene` starts on (continuity `keyframes`), and its previous scene ends on."""
        return self._k(f"frames/scene_{scene}_key.jpg")

    def segment(self, name: str) -> str:
        """A picture segment or mastered audio kept for compose, named by what it is made of
        (`omnigen.media.segments`); any version may reuse it."""
        return self._k(f"segments/{name}")

    def product_image(self, ext: str = "png") -> str:
        return self._k(f"inputs/product.{ext}")

    def version(self, k: int) -> VersionKeys:
        """Everything version `k` of the ad is made of; a later compose never writes these."""
        return VersionKeys(self.prefix, k)

    def output(self, version: int = 1) -> str:
        return self.version(version).output

    @property
    def poster(self) -> str:
        return self.version(1).poster

    @property
    def captions(self) -> str:
        return self.version(1).captions


class VersionKeys(_Reports):
    """The artefacts of one rendered version, kept side by side with every other version's.

    Version 1 keeps DESIGN's names (`final/output.mp4`, `final/poster.jpg`, ...); version k > 1
    prefixes them with `v{k}` (`final/v2.mp4`, `final/v2.poster.jpg`, ...), so re-composing
    never overwrites what an earlier version was delivered or reviewed with.
    """

    def __init__(self, prefix: str, k: int):
        if k < 1:
            raise ValueError(f"versions count from 1, not {k}")
        self.number = k
        self._final = prefix + "final/"
        self._stem = "" if k == 1 else f"v{k}."

    def _k(self, name: str) -> str:
        return self._final + self._stem + name

    @property
    def output(self) -> str:
        return self._final + ("output.mp4" if self.number == 1 else f"v{self.number}.mp4")

    @property
    def poster(self) -> str:
        return self._k("poster.jpg")

    @property
    def captions(self) -> str:
        return self._k("captions.vtt")

    @property
    def qc_text(self) -> str:
        return self._k("qc.txt")

    @property
    def timeline(self) -> str:
        """The timeline this version was rendered from: what restoring it puts back in the draft,
        and what its approval covers."""
        return self._k("timeline.json")

    def package_zip(self, build_id: str) -> str:
        """One build of the export package (zip), named by what it holds (`pipeline.delivery`);
        derived, never part of the content hash."""
        return self._k(f"package.{build_id}.zip")

    def package_status(self, build_id: str) -> str:
        """That build's progress record: building, ready or failed."""
        return self._k(f"package.{build_id}.json")

    def all(self) -> dict[str, str]:
        """Name → key of every artefact, the names the job's `versions` and URLs use."""
        return {
            "output": self.output,
            "poster": self.poster,
            "captions": self.captions,
            "compliance": self.compliance,
            "compliance_html": self.compliance_html,
            "qc": self.qc,
            "qc_text": self.qc_text,
            "timeline": self.timeline,
        }
