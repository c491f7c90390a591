"""Text matching for the rules: significant words, light stemming, phrases, claims, contacts.

The rules compare what the brief says (a side effect, the indication, the print-ad line) with what
a writer wrote. A writer paraphrases: "serious infections, including tuberculosis" may be spoken
as "serious infections like TB or tuberculosis". Matching exact strings would fail good scripts,
so we match *significant words* (no function words), compared after a light stemming that makes
"infections"/"infection" and "stopping"/"stop" equal, and ask for a share of them (a policy
fraction) rather than all. Everything here is pure string work: no I/O, no model.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

# Function words and filler that carry no meaning of their own in a risk or indication phrase.
# Negations are here too: a phrase like "not caused by a heart valve problem" is matched by its
# content words; keeping "not" would make a faithful paraphrase ("unrelated to ...") fail.
_STOPWORD_TEXT = """
    a an the and or nor but if of in on at to for from by with without into onto about as than then
    so such like including include includes other others any all some each every both either neither
    its it it's this that these those there here which who whom whose what when where while how
    is are was were be been being am do does did done has have had having can could may might must
    shall should will would also very more most much many few less least just only even
    you your yours yourself he she him her his they them their we us our i me my
    not no never dont doesnt didnt isnt arent wasnt cant cannot wont shouldnt
    people person patients patient someone anyone everyone
"""
STOPWORDS: frozenset[str] = frozenset(_STOPWORD_TEXT.split())

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'"})
_TOKEN = re.compile(r"[a-z0-9]+")
_VOWELS = set("aeiou")


def normalise(text: str) -> str:
    """Lower case, curly quotes straightened, possessives and contractions joined ("don't" → "dont")."""
    t = text.translate(_APOSTROPHES).lower()
    t = re.sub(r"'s\b", "", t)
    return t.replace("'", "")


def tokens(text: str) -> list[str]:
    """Words and numbers in reading order; punctuation and hyphens separate words."""
    return _TOKEN.findall(normalise(text))


def stem(word: str) -> str:
    """A deliberately small stemmer: plural, -ing and -ed endings, a final -e and y/i.

    Small on purpose: both sides of every comparison go through it, so it only has to map the
    common inflections of one word to one key ("clots"/"clot", "stopping"/"stop", "taking"/"take",
    "allergies"/"allergy"), never to relate different words.
    """
    w = word
    if len(w) <= 3 or w.isdigit():
        return w
    for suffix, keep in (("ing", 3), ("ed", 4)):
        if w.endswith(suffix) and len(w) - len(suffix) >= keep:
            w = w[: -len(suffix)]
            if len(w) >= 3 and w[-1] == w[-2] and w[-1] not in _VOWELS and w[-1] not in "sl":
                w = w[:-1]  # stopping → stopp → stop
            break
    else:
        if w.endswith("ies") and len(w) > 4:
            w = w[:-3] + "i"
        elif w.endswith("sses") or w.endswith("xes") or w.endswith("ches") or w.endswith("shes"):
            w = w[:-2]
        elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
            w = w[:-1]
    if w.endswith("e") and len(w) > 3:
        w = w[:-1]
    if w.endswith("y") and len(w) > 3:
        w = w[:-1] + "i"
    return w


def significant_words(text: str) -> list[str]:
    """The content words of a text, in order, duplicates removed (original spelling kept)."""
    seen: set[str] = set()
    out: list[str] = []
    for w in tokens(text):
        if w in STOPWORDS or len(w) < 2:
            continue
        if w not in seen:
            seen.add(w)
            out.append(w)
    return out


def stems(text: str) -> set[str]:
    """Stems of every word of a text (stop words included: they do no harm on the haystack side)."""
    return {stem(w) for w in tokens(text)}


def _present(word_stem: str, haystack: set[str]) -> bool:
    if word_stem in haystack:
        return True
    # Prefix tolerance for longer words: "allergy" (allergi) is said as "allergic". One way only:
    # a shorter said word never stands for a longer one (the brand "veltrexa" is not "veltrexamab").
    if len(word_stem) >= 5:
        return any(h.startswith(word_stem) for h in haystack)
    return False


@dataclass(frozen=True)
class Match:
    """How much of a phrase a text carries: the significant words found and missing."""

    found: tuple[str, ...]
    missing: tuple[str, ...]

    @property
    def fraction(self) -> float:
        total = len(self.found) + len(self.missing)
        return 1.0 if total == 0 else len(self.found) / total

    def ok(self, min_fraction: float) -> bool:
        """True when at least `min_fraction` of the words are present (rounded up to whole words)."""
        total = len(self.found) + len(self.missing)
        return len(self.found) >= math.ceil(min_fraction * total - 1e-9)


def match_phrase(phrase: str, text: str | Iterable[str]) -> Match:
    """Which significant words of `phrase` occur in `text` (a string or several strings)."""
    hay = stems(text) if isinstance(text, str) else set().union(*(stems(t) for t in text), set())
    found, missing = [], []
    for w in significant_words(phrase):
        (found if _present(stem(w), hay) else missing).append(w)
    return Match(tuple(found), tuple(missing))


def contains_phrase(text: str, phrase: str) -> bool:
    """True when every word of `phrase` occurs in `text` in order and next to each other
    (case, punctuation and plural endings ignored)."""
    words = tokens(phrase)
    if not words:
        return False
    pattern = r"\b" + r"[\W_]+".join(re.escape(w) for w in words) + r"(?:s|es)?\b"
    return re.search(pattern, normalise(text)) is not None


def compact(text: str) -> str:
    """Letters and digits only, lower case: "Veltrexamab-ABCD" and "veltrexamab abcd" compare equal."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def names_word(text: str, name: str) -> bool:
    """True when `name` (a brand or a drug word) occurs in `text` as a whole word, any case."""
    n = compact(name)
    if not n:
        return False
    words = [w for w in re.split(r"[^a-z0-9]+", name.lower()) if w]
    pattern = r"(?<![a-z0-9])" + r"[\W_]*".join(re.escape(w) for w in words) + r"(?![a-z0-9])"
    return re.search(pattern, text.lower()) is not None


# --- negation ------------------------------------------------------------------------------

_NEGATOR_TEXT = "not no never nothing none isnt arent wasnt dont doesnt didnt cant cannot wont without nor"
_NEGATORS = frozenset(_NEGATOR_TEXT.split())


def negated(text: str, start: int, window: int = 3) -> bool:
    """True when one of the `window` words before position `start` is a negation
    ("there is no cure", "it is not a cure"): such a sentence makes no claim."""
    before = tokens(text[:start])[-window:]
    return any(w in _NEGATORS for w in before)


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
    return any(want in re.sub(r"\D", "", m.group(0)) for m in _DIGIT_RUN.finditer(text))


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
    t = text.lower()
    t = re.sub(r"\s+dot\s+", ".", t)
    t = re.sub(r"\s+slash\s+", "/", t)
    t = re.sub(r"(?:https?://)?www\.", "", t)
    return key in t


# --- patterns ------------------------------------------------------------------------------


@lru_cache(maxsize=512)
def compiled(pattern: str) -> re.Pattern[str]:
    """A case-insensitive regex, compiled once (policy patterns are reused for every check)."""
    return re.compile(pattern, re.IGNORECASE)


@dataclass(frozen=True)
class Hit:
    """One match of a pattern in a text."""

    text: str
    start: int


def find_claims(text: str, patterns: Iterable[str], skip_negated: bool = True) -> list[tuple[str, Hit]]:
    """Every (pattern, hit) in `text`, leaving out hits a negation just before turns around."""
    out: list[tuple[str, Hit]] = []
    for p in patterns:
        for m in compiled(p).finditer(text):
            if skip_negated and negated(text, m.start()):
                continue
            out.append((p, Hit(m.group(0), m.start())))
    return out


def sentences(text: str) -> list[str]:
    """Sentences and semicolon clauses: the units a boxed warning states one point in."""
    return [s.strip() for s in re.split(r"(?<=[.;!?])\s+", " ".join(text.split())) if s.strip()]
