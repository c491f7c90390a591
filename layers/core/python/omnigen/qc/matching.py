"""Matching what OCR read against the text that should be on screen, tolerantly but by rule.

Both sides are normalised the same way (Unicode NFKC, case-folded, typographic punctuation
folded) and cut into tokens of letters and digits, so "Call 1-800-555-0142" is the tokens
`call 1 800 555 0142` however the OCR spaced or punctuated it. A read token matches an
expected one when their edit distance is within the expected token's budget:

- a token with a digit must match exactly (once the usual OCR confusions O/0, l/I/1, S/5, B/8
  are folded together on both sides): a phone number with one wrong digit is a wrong number;
- a word of up to 4 letters must match exactly (one edit turns "may" into "way");
- a longer word may differ by one edit per 5 letters (OCR drops or swaps a letter of a long
  word without changing which word it is).

Tokens are aligned in order (dynamic programming over both sequences), so a word read in
another line's place does not count, and a token may also match two read tokens joined
("health care" for "healthcare") or two expected tokens one read token.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

_TOKEN = re.compile(r"[a-z0-9]+")
_FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "‐": "-", "‑": "-"})
_DIGIT_CONFUSIONS = str.maketrans({"o": "0", "l": "1", "i": "1", "s": "5", "b": "8", "z": "2"})


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().translate(_FOLD)


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(normalise(text))


def edit_budget(token: str) -> int:
    """How many edits a read token may be from `token` and still be it (see the module doc)."""
    if any(c.isdigit() for c in token) or len(token) <= 4:
        return 0
    return len(token) // 5


def _distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, or limit + 1 as soon as it must exceed `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        cur = [i]
        for j, cb in enumerate(b, start=1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        if min(cur) > limit:
            return limit + 1
        prev = cur
    return prev[-1]


def token_matches(expected: str, read: str) -> bool:
    budget = edit_budget(expected)
    if any(c.isdigit() for c in expected):  # both sides folded, so "O" and "0" read alike
        expected, read = expected.translate(_DIGIT_CONFUSIONS), read.translate(_DIGIT_CONFUSIONS)
    return _distance(expected, read, budget) <= budget


def similar(expected: str, read: str, share: float = 0.5) -> bool:
    """A loose likeness (at most `share` of the token's letters edited): enough to say a read
    word is a piece of an expected one, e.g. for where on the frame the text sits."""
    limit = max(1, int(len(expected) * share))
    return _distance(expected, read, limit) <= limit


@dataclass
class TextMatch:
    """How much of an expected text was read, token by token."""

    expected: list[str]
    matched: list[bool]
    read_for: list[list[int]] = field(default_factory=list)
    """For each expected token, the indexes of the read tokens it matched."""

    @property
    def fraction(self) -> float:
        return sum(self.matched) / len(self.matched) if self.matched else 1.0

    @property
    def missing(self) -> list[str]:
        return [t for t, ok in zip(self.expected, self.matched, strict=True) if not ok]

    @property
    def longest_missing_run(self) -> int:
        run = best = 0
        for ok in self.matched:
            run = 0 if ok else run + 1
            best = max(best, run)
        return best

    @property
    def complete(self) -> bool:
        return all(self.matched)

    def whole(self, min_fraction: float, max_missing_run: int) -> bool:
        """Read enough to count as on screen whole: the share read and no longer gap."""
        return self.fraction >= min_fraction - 1e-9 and self.longest_missing_run <= max_missing_run


def align(expected: list[str], read: list[str]) -> TextMatch:
    """The in-order alignment of `read` onto `expected` that matches the most expected tokens."""
    n, m = len(expected), len(read)
    if n == 0:
        return TextMatch(expected=[], matched=[], read_for=[])
    # best[i][j]: most expected tokens matched in expected[i:] against read[j:]
    best = [[0] * (m + 1) for _ in range(n + 1)]
    move: list[list[tuple[int, int, int]]] = [[(0, 0, 0)] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m, -1, -1):
            options = [(best[i + 1][j], (1, 0, 0)), (best[i][j + 1] if j < m else -1, (0, 1, 0))]
            if j < m:
                if token_matches(expected[i], read[j]):
                    options.append((best[i + 1][j + 1] + 1, (1, 1, 1)))
                if j + 1 < m and token_matches(expected[i], read[j] + read[j + 1]):
                    options.append((best[i + 1][j + 2] + 1, (1, 2, 1)))
                if i + 1 < n and token_matches(expected[i] + expected[i + 1], read[j]):
                    options.append((best[i + 2][j + 1] + 2, (2, 1, 1)))
            score, step = max(options, key=lambda o: o[0])
            best[i][j], move[i][j] = score, step
    matched = [False] * n
    read_for: list[list[int]] = [[] for _ in range(n)]
    i = j = 0
    while i < n:
        di, dj, hit = move[i][j]
        if hit:
            for k in range(i, i + di):
                matched[k] = True
                read_for[k] = list(range(j, j + dj))
        i, j = i + di, j + dj
    return TextMatch(expected=expected, matched=matched, read_for=read_for)


def match_text(expected: str, read: str) -> TextMatch:
    return align(tokens(expected), tokens(read))
