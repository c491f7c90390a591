"""Splitting a scene's voiceover into spoken lines.

A line is what the voice says in one breath and what the screen shows at the same time, so
major-statement lines must be short enough to read while they are heard: sentences, and long
sentences cut again at semicolons and commas.
"""

from __future__ import annotations

import re

from omnigen.script import word_count

MAX_LINE_WORDS = 16
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")
_CLAUSE = re.compile(r"(?<=[;:])\s+|(?<=,)\s+")


def _cut_long(sentence: str, max_words: int) -> list[str]:
    if word_count(sentence) <= max_words:
        return [sentence]
    pieces = [p for p in _CLAUSE.split(sentence) if p.strip()]
    out: list[str] = []
    cur = ""
    for p in pieces:
        trial = f"{cur} {p}".strip()
        if cur and word_count(trial) > max_words:
            out.append(cur)
            cur = p
        else:
            cur = trial
    if cur:
        out.append(cur)
    return out


def split_lines(voiceover: str, max_words: int = MAX_LINE_WORDS) -> list[str]:
    """Lines in speaking order; never splits inside a clause, keeps every word."""
    text = " ".join(voiceover.split())
    if not text:
        return []
    lines: list[str] = []
    for sentence in _SENTENCE.split(text):
        lines.extend(_cut_long(sentence.strip(), max_words))
    return [line for line in lines if line]


VOICE_RATE = 1.1
"""Relative speaking rate of ordinary lines (hook, indication, benefit, adequate provision)."""
MAJOR_STATEMENT_RATE = 0.88
"""Relative rate of major-statement lines: the risks are read slower than the benefits, so they
are at least as easy to follow (21 CFR 202.1(e)(1)(ii)(B)) whatever the words' lengths."""


def speaking_rate(major_statement: bool) -> float:
    return MAJOR_STATEMENT_RATE if major_statement else VOICE_RATE
