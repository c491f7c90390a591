"""Text matching for the rules: concepts of label phrases, claims outside negations, contacts.

The rules compare what the brief says (a side effect, the indication, the print-ad line) with what
a writer wrote. A writer paraphrases: "serious infections, including tuberculosis" may be spoken
as "serious infections like tuberculosis", "hospitalization" as "bad enough to put you in the
hospital". So a phrase is matched by its *concepts* (`equivalents`: content words and table
terms, each said by any of its forms), over tokens of the visible text (`tokens`), and a policy
fraction of them is asked for rather than all; a claim is matched outside negation scope
(`negation`). Everything here is pure string work: no I/O, no model.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from omnigen.compliance.equivalents import EMPTY, Thesaurus, said
from omnigen.compliance.negation import negated
from omnigen.compliance.tokens import parse, significant_words, stem, tokens, visible

__all__ = [
    "Hit",
    "Match",
    "compact",
    "compiled",
    "contains_phrase",
    "find_claims",
    "match_phrase",
    "mentions_phone",
    "mentions_website",
    "names_word",
    "negated",
    "sentences",
    "significant_words",
    "stem",
    "tokens",
]


@dataclass(frozen=True)
class Match:
    """How much of a phrase a text carries: the concepts found and missing (by their label words)."""

    found: tuple[str, ...]
    missing: tuple[str, ...]

    @property
    def fraction(self) -> float:
        total = len(self.found) + len(self.missing)
        return 1.0 if total == 0 else len(self.found) / total

    def ok(self, min_fraction: float) -> bool:
        """True when at least `min_fraction` of the concepts are present (rounded up to whole ones)."""
        total = len(self.found) + len(self.missing)
        return len(self.found) >= math.ceil(min_fraction * total - 1e-9)


def match_phrase(phrase: str, text: str | Iterable[str], thesaurus: Thesaurus = EMPTY) -> Match:
    """Which concepts of `phrase` occur in `text` (a string or several strings), each said by
    its own words or by an equivalent from `thesaurus`."""
    docs = [parse(text)] if isinstance(text, str) else [parse(t) for t in text]
    found, missing = [], []
    for c in thesaurus.concepts(phrase):
        (found if any(said(d, c) for d in docs) else missing).append(c.label)
    return Match(tuple(found), tuple(missing))


def contains_phrase(text: str, phrase: str) -> bool:
    """True when every word of `phrase` occurs in `text` in order and next to each other
    (case, punctuation and plural endings ignored)."""
    want = [stem(w) for w in tokens(phrase)]
    if not want:
        return False
    have = [t.stem for t in parse(text).tokens if t.is_word]
    n = len(want)
    return any(have[i : i + n] == want for i in range(len(have) - n + 1))


def compact(text: str) -> str:
    """Letters and digits only, lower case: "Veltrexamab-ABCD" and "veltrexamab abcd" compare equal."""
    return re.sub(r"[^a-z0-9]", "", visible(text).lower())


def names_word(text: str, name: str) -> bool:
    """True when `name` (a brand or a drug word) occurs in `text` as a whole word, any case."""
    n = compact(name)
    if not n:
        return False
    words = [w for w in re.split(r"[^a-z0-9]+", name.lower()) if w]
    pattern = r"(?<![a-z0-9])" + r"[\W_]*".join(re.escape(w) for w in words) + r"(?![a-z0-9])"
    return re.search(pattern, visible(text).lower()) is not None


# --- contacts ------------------------------------------------------------------------------

_DIGIT_RUN = re.compile(r"\d[\d\s\-.()/]*\d")


def phone_digits(phone: str) -> str:
    """The digits that identify a phone number: the last ten (a leading 1 is optional to say)."""
    digits = re.sub(r"\D", "", phone)
    return digits[-10:] if len(digits) >= 10 else digits


def mentions_phone(text: str, phone: str) -> bool:
    """True when the number appears in `text` in any common punctuation (1-800-555-0199,
    (800) 555 0199, 800.555.0199)."""
    want = phone_digits(phone)
    if not want:
        return False
    return any(want in re.sub(r"\D", "", m.group(0)) for m in _DIGIT_RUN.finditer(visible(text)))


def website_key(url: str) -> str:
    """A website reduced to what a viewer must type: no scheme, no "www.", no trailing slash."""
    u = url.strip().lower()
    u = re.sub(r"^[a-z]+://", "", u)
    u = re.sub(r"^www\.", "", u)
    return u.rstrip("/")


def mentions_website(text: str, url: str) -> bool:
    """True when `text` shows or says the site ("veltrexa.example", "Veltrexa dot example")."""
    key = website_key(url)
    if not key:
        return False
    t = visible(text).lower()
    t = re.sub(r"\s+dot\s+", ".", t)
    t = re.sub(r"\s+slash\s+", "/", t)
    t = re.sub(r"(?:https?://)?www\.", "", t)
    return key in t


_QUOTES = str.maketrans({"’": "'", "‘": "'"})


# --- patterns ------------------------------------------------------------------------------


@lru_cache(maxsize=512)
def compiled(pattern: str) -> re.Pattern[str]:
    """A case-insensitive regex, compiled once (policy patterns are reused for every check)."""
    return re.compile(pattern, re.IGNORECASE)


@dataclass(frozen=True)
class Hit:
    """One match of a pattern in a text (offsets in the visible text)."""

    text: str
    start: int


def find_claims(text: str, patterns: Iterable[str], skip_negated: bool = True) -> list[tuple[str, Hit]]:
    """Every (pattern, hit) in the visible `text`, leaving out hits whose first word lies in the
    scope of a negation before it ("there is no cure", "it is not known if it is safe")."""
    shown = visible(text).translate(_QUOTES)
    out: list[tuple[str, Hit]] = []
    for p in patterns:
        for m in compiled(p).finditer(shown):
            if skip_negated and negated(shown, m.start()):
                continue
            out.append((p, Hit(m.group(0), m.start())))
    return out


def sentences(text: str) -> list[str]:
    """Sentences and semicolon clauses: the units a boxed warning states one point in."""
    return [s.strip() for s in re.split(r"(?<=[.;!?])\s+", " ".join(visible(text).split())) if s.strip()]
