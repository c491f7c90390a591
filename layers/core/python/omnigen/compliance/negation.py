"""Negation scope: which words of a text a "not", "no" or "it is not known if" takes back.

A claim inside a negation is no claim ("Veltrexa is not a cure", "there is no cure"), and a
statement of what is *not known* asserts nothing ("It is not known if Veltrexa is safe and
effective in children"). The method is NegEx's (Chapman et al., 2001), kept small:

- a *trigger* opens a scope over the words after it: a plain negator ("not", "no", "never",
  "without", "don't" …) or an *epistemic* one ("not known", "unknown", "not been studied",
  "not established", "no evidence" …) that says a proposition is unknown;
- a plain scope ends at a clause mark, at a subordinator that starts a new proposition
  ("if", "because", "but", "which" …: "Do not take it *if* you have bleeding" does not deny the
  bleeding), at "and" starting a new clause ("… and it's …"), or after `MAX_SCOPE` words;
- an epistemic scope runs to the end of its clause *through* "if"/"whether", because what is
  unknown is exactly the clause those introduce;
- *pseudo-triggers* look like negations and are not: "not only", "not just", "no doubt",
  "no wonder", "nothing but".

A pattern that is itself negative ("no side effects", "nothing works faster", "no more leaks")
is a claim because of its negator: callers ask whether its *first* word lies inside the scope of
a trigger before it, never whether the pattern contains one.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from omnigen.compliance.tokens import CLAUSE_MARKS, Doc, parse, word_set

NEGATORS = word_set(
    "not no never nothing none nobody neither nor without cannot cant dont doesnt didnt isnt arent "
    "wasnt werent wont wouldnt shouldnt couldnt mustnt hasnt havent hadnt"
)
# Word sequences (after folding) that say a proposition is not known; they scope through if/whether.
EPISTEMIC: tuple[tuple[str, ...], ...] = (
    ("not", "known"),
    ("unknown",),
    ("not", "clear"),
    ("unclear",),
    ("not", "established"),
    ("not", "been", "established"),
    ("not", "been", "studied"),
    ("not", "been", "shown"),
    ("not", "been", "proven"),
    ("not", "been", "tested"),
    ("no", "evidence"),
    ("not", "sure"),
    ("uncertain",),
)
PSEUDO: tuple[tuple[str, ...], ...] = (
    ("not", "only"),
    ("not", "just"),
    ("not", "to", "mention"),
    ("no", "doubt"),
    ("no", "wonder"),
    ("no", "question"),
    ("without", "doubt"),
    ("nothing", "but"),
)
# Words that start a new proposition: a plain negation does not reach past them.
TERMINATORS = word_set(
    "but however although though yet because since as so which who whose whom if when whenever unless "
    "while until whether except"
)
# "and" followed by one of these starts a new clause ("… not for everyone, and it's …").
NEW_SUBJECT = word_set("it its this that you we they there he she i")
MAX_SCOPE = 8


@dataclass(frozen=True)
class Scope:
    """One negation: the trigger's token span and the token indices it takes back."""

    trigger: tuple[int, int]
    covered: frozenset[int]
    epistemic: bool

    def trigger_text(self, doc: Doc) -> str:
        return doc.span_text(*self.trigger)


def _starts(words: list[str], i: int, seq: tuple[str, ...]) -> bool:
    return tuple(words[i : i + len(seq)]) == seq


def _word_seq(doc: Doc) -> tuple[list[int], list[str]]:
    idx = [k for k, t in enumerate(doc.tokens) if t.is_word]
    return idx, [doc.tokens[k].text for k in idx]


@lru_cache(maxsize=4096)
def scopes(text: str) -> tuple[Scope, ...]:
    """Every negation in `text`, with the tokens it covers (token indices of `parse(text)`)."""
    doc = parse(text)
    idx, words = _word_seq(doc)
    out: list[Scope] = []
    w = 0
    while w < len(words):
        if any(_starts(words, w, p) for p in PSEUDO):
            w += 2
            continue
        epi = next((e for e in EPISTEMIC if _starts(words, w, e)), None)
        if epi is None and words[w] not in NEGATORS:
            w += 1
            continue
        length = len(epi) if epi else 1
        first, last = idx[w], idx[w + length - 1]
        covered: set[int] = set()
        k = last + 1
        count = 0
        while k < len(doc.tokens):
            t = doc.tokens[k]
            if t.kind == "mark" and t.text in CLAUSE_MARKS:
                break
            if t.is_word and not epi:
                if t.text in TERMINATORS:
                    break
                nxt = doc.tokens[k + 1] if k + 1 < len(doc.tokens) else None
                if t.text == "and" and nxt is not None and nxt.text in NEW_SUBJECT:
                    break
                count += 1
                if count > MAX_SCOPE:
                    break
            covered.add(k)
            k += 1
        out.append(Scope((first, last), frozenset(covered), epistemic=epi is not None))
        w += length
    return tuple(out)


def negated_at(text: str, token_index: int) -> Scope | None:
    """The negation whose scope covers the token at `token_index` of `parse(text)`, if any."""
    for s in scopes(text):
        if token_index in s.covered:
            return s
    return None


def token_at(doc: Doc, char_offset: int) -> int | None:
    """The index of the first word token that starts at or after `char_offset` of `doc.text`."""
    for k, t in enumerate(doc.tokens):
        if t.is_word and t.end > char_offset:
            return k
    return None


def negated(text: str, start: int) -> bool:
    """True when the word at character `start` of the visible text is inside a negation
    ("There is no cure", "It is not known if it is safe")."""
    k = token_at(parse(text), start)
    return k is not None and negated_at(text, k) is not None
