"""Tokenisation for the rules: what a viewer can see, split into words and clause marks.

Every comparison the rules make (a risk phrase against a major statement, a claim against a
negation) goes through `parse`, so both sides are normalised the same way:

- *visible text*: Unicode compatibility forms folded (NFKC) and invisible characters removed
  (zero-width spaces and joiners, bidi controls, soft hyphens, fillers): what the viewer sees
  and the voice reads. A label phrase made only of such characters has no words at all.
- *words*: lower case, accents folded, possessive "'s" dropped and apostrophes joined
  ("don't" → "dont"), each with a light stem; hyphens and other punctuation inside a phrase
  separate words ("year-round" → "year", "round").
- *clause marks*: `, ; : . ! ? ( ) —` kept as tokens, because negation scope and the
  attachment of a qualifier to its risk stop at them. A "." ends a sentence only before a space
  or the end ("veltrexa.example" stays one sentence).

Pure and cached: the same few texts are parsed by many rules.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal


def word_set(text: str) -> frozenset[str]:
    """A word list written as one space-separated string (how the lexicons here are kept)."""
    return frozenset(text.split())


# Function words and filler that carry no meaning of their own in a risk or indication phrase.
# Negations are here too: matching a phrase uses its content words; whether a word is negated is
# the negation module's question, asked of the token's position, not of the word list. So are
# frequency adverbs: "sometimes fatal" is said by "can be fatal"; the severity word is what counts.
_STOPWORD_TEXT = """
    a an the and or nor but if of in on at to for from by with without into onto about as than then
    so such like including include includes other others any all some each every both either neither
    its it it's this that these those there here which who whom whose what when where while how
    is are was were be been being am do does did done has have had having can could may might must
    shall should will would also very more most much many few less least just only even
    sometimes rarely occasionally often usually
    you your yours yourself he she him her his they them their we us our i me my
    not no never dont doesnt didnt isnt arent wasnt cant cannot wont shouldnt
    people person patients patient someone anyone everyone
"""
STOPWORDS: frozenset[str] = word_set(_STOPWORD_TEXT)

# Characters with no glyph that survive `str.strip()`: format controls (category Cf: zero-width
# space/joiners, word joiner, BOM, bidi marks and isolates, soft hyphen) and the blank "letters"
# fonts draw as nothing (Hangul fillers, braille blank, combining grapheme joiner).
_BLANK_LETTERS = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u2800\u3164\uffa0")

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "ʼ": "'"})
_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)*|[,;:.!?()\[\]—–]|(?<=\s)-(?=\s)")
_VOWELS = set("aeiou")
SENTENCE_END = frozenset(".!?")
CLAUSE_MARKS = frozenset(",;:.!?()[]—–-")


def _invisible(ch: str) -> bool:
    return ch in _BLANK_LETTERS or unicodedata.category(ch) == "Cf"


@lru_cache(maxsize=4096)
def visible(text: str) -> str:
    """The text as seen and read: compatibility forms folded, curly apostrophes straightened,
    invisible characters removed."""
    folded = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES)
    return "".join(ch for ch in folded if not _invisible(ch))


def has_words(text: str | None) -> bool:
    """True when the text has at least one visible letter or digit (a phrase of zero-width
    characters, dashes or dots states nothing)."""
    return bool(text) and any(ch.isalnum() for ch in visible(text or ""))


def invisible_characters(text: str) -> list[str]:
    """The code points of the invisible characters in `text` ("U+200B"), for a message."""
    return sorted({f"U+{ord(ch):04X}" for ch in unicodedata.normalize("NFKC", text) if _invisible(ch)})


def _fold(word: str) -> str:
    """Lower case, accents dropped, possessive 's dropped, apostrophes joined."""
    w = word.translate(_APOSTROPHES).lower()
    if w.endswith("'s"):
        w = w[:-2]
    w = w.replace("'", "")
    if w.isascii():
        return w
    return "".join(c for c in unicodedata.normalize("NFKD", w) if not unicodedata.combining(c))


def stem(word: str) -> str:
    """A deliberately small stemmer: plural, -ing and -ed endings, a final -e and y/i.

    Small on purpose: both sides of every comparison go through it, so it only has to map the
    common inflections of one word to one key ("clots"/"clot", "stopping"/"stop", "taking"/"take",
    "allergies"/"allergy"), never to relate different words (the equivalence table does that).
    """
    w = word
    if len(w) <= 3 or w.isdigit():
        return w
    for suffix, keep in (("ing", 3), ("ed", 4)):
        if w.endswith(suffix) and len(w) - len(suffix) >= keep and not w.endswith("eed"):  # "nosebleed"
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


@dataclass(frozen=True, slots=True)
class Token:
    """A word or a clause mark, with its place in the visible text and its sentence number."""

    text: str
    stem: str
    start: int
    end: int
    kind: Literal["word", "mark"]
    sentence: int

    @property
    def is_word(self) -> bool:
        return self.kind == "word"

    @property
    def content(self) -> bool:
        """A word that carries meaning of its own (not a function word)."""
        return self.kind == "word" and self.text not in STOPWORDS and len(self.text) >= 2

    @property
    def ends_sentence(self) -> bool:
        return self.kind == "mark" and self.text in SENTENCE_END


@dataclass(frozen=True)
class Doc:
    """A parsed text: the visible text and its tokens."""

    text: str
    tokens: tuple[Token, ...]
    content: tuple[int, ...] = ()  # indices of the content words, for matching

    def words(self) -> list[Token]:
        return [t for t in self.tokens if t.is_word]

    def span_text(self, i: int, j: int) -> str:
        """The visible text from token i to token j (inclusive)."""
        return self.text[self.tokens[i].start : self.tokens[j].end]


@lru_cache(maxsize=4096)
def parse(text: str) -> Doc:
    """Tokens of the visible text, in reading order, with sentence numbers."""
    shown = visible(text)
    out: list[Token] = []
    sentence = 0
    for m in _TOKEN.finditer(shown):
        raw = m.group(0)
        if raw[0].isalnum() or raw[0] == "'":
            word = _fold(raw)
            out.append(Token(word, stem(word), m.start(), m.end(), "word", sentence))
            continue
        mark = "—" if raw in "–-" else raw
        if mark in SENTENCE_END and m.end() < len(shown) and not shown[m.end()].isspace():
            continue  # "veltrexa.example", "2.5": a dot inside a word is no sentence end
        out.append(Token(mark, mark, m.start(), m.end(), "mark", sentence))
        if mark in SENTENCE_END:
            sentence += 1
    return Doc(shown, tuple(out), tuple(k for k, t in enumerate(out) if t.content))


def tokens(text: str) -> list[str]:
    """Words in reading order (folded); punctuation and hyphens separate words."""
    return [t.text for t in parse(text).tokens if t.is_word]


def significant_words(text: str) -> list[str]:
    """The content words of a text, in order, duplicates removed."""
    seen: set[str] = set()
    out: list[str] = []
    for t in parse(text).tokens:
        if t.content and t.text not in seen:
            seen.add(t.text)
            out.append(t.text)
    return out
