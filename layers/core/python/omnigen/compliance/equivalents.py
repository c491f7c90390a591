"""Concepts: a label's words and the plain-language ways a script may say them.

A label says "hospitalization"; a good script says "bad enough to put you in the hospital". A
label says "thrombocytopenia"; the script should say "low platelet count". The rules compare
*concepts*, not strings: each content word of a label phrase (or a multi-word term of the
equivalence table, matched first and longest) is one concept, said when any of its *forms*
occurs in the text. A form is a sequence of content-word stems that must stand next to each
other (function words may sit between them, punctuation may not); a stem of five letters or
more also matches a longer word it begins ("allergy" is said by "allergic"). A table term's own
words may also be said apart, in any order, as single label words always could.

The table itself is data (`equivalents` and `jargon` in the policy): `Thesaurus` only indexes it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from omnigen.compliance.tokens import Doc, parse

Form = tuple[str, ...]


def form_of(phrase: str) -> Form:
    """The content-word stems of a phrase: how a term or one of its equivalents is matched."""
    return tuple(t.stem for t in parse(phrase).tokens if t.content)


def stem_matches(want: str, have: str) -> bool:
    """A wanted stem is said by the same stem, or by a longer word it begins when it has five
    letters or more ("allergi" by "allergic"); a shorter word never stands for a longer one
    (the brand "veltrexa" is not "veltrexamab")."""
    return want == have or (len(want) >= 5 and have.startswith(want))


@dataclass(frozen=True)
class Concept:
    """One unit of meaning of a label phrase: its words as the label has them, and its forms."""

    label: str
    forms: tuple[Form, ...]


@dataclass(frozen=True)
class Thesaurus:
    """The equivalence table, indexed by each term's form: term → the forms that also say it."""

    table: Mapping[Form, tuple[Form, ...]] = field(default_factory=dict)

    @staticmethod
    def build(*tables: Mapping[str, str | Sequence[str]]) -> Thesaurus:
        """One index over several tables (`{term: plain}` or `{term: [plain, ...]}`)."""
        index: dict[Form, list[Form]] = {}
        for table in tables:
            for term, plain in table.items():
                key = form_of(term)
                if not key:
                    continue
                alternatives = [plain] if isinstance(plain, str) else list(plain)
                forms = index.setdefault(key, [])
                for alt in alternatives:
                    f = form_of(alt)
                    if f and f not in forms and f != key:
                        forms.append(f)
        return Thesaurus({k: tuple(v) for k, v in index.items()})

    @staticmethod
    def of_policy(jargon: Mapping[str, str], equivalents: Mapping[str, Sequence[str]]) -> Thesaurus:
        """The thesaurus of a policy's two tables, built once per distinct pair of tables."""
        return _cached_build(tuple(jargon.items()), tuple((k, tuple(v)) for k, v in equivalents.items()))

    def concepts(self, phrase: str) -> list[Concept]:
        """The phrase's concepts, in order, each once: table terms first and longest, then words."""
        words = [t for t in parse(phrase).tokens if t.content]
        stems = [t.stem for t in words]
        longest = max((len(k) for k in self.table), default=1)
        out: list[Concept] = []
        seen: set[Form] = set()
        i = 0
        while i < len(words):
            for n in range(min(longest, len(words) - i), 0, -1):
                key = tuple(stems[i : i + n])
                if n == 1 or key in self.table:
                    break
            label = " ".join(t.text for t in words[i : i + n])
            if key not in seen:
                seen.add(key)
                out.append(Concept(label, (key, *self.table.get(key, ()))))
            i += n
        return out

    def concept(self, phrase: str) -> Concept:
        """The whole phrase as one concept (its own form and the table's forms for it)."""
        key = form_of(phrase)
        return Concept(" ".join(t.text for t in parse(phrase).tokens if t.content), (key, *self.table.get(key, ())))


@lru_cache(maxsize=8)
def _cached_build(
    jargon: tuple[tuple[str, str], ...], equivalents: tuple[tuple[str, tuple[str, ...]], ...]
) -> Thesaurus:
    return Thesaurus.build(dict(jargon), dict(equivalents))


EMPTY = Thesaurus()


def occurrences(doc: Doc, concept: Concept) -> list[tuple[int, int]]:
    """Token spans (first, last, inclusive) where any form of the concept occurs in `doc`."""
    return list(_occurrences(doc.text, concept))


@lru_cache(maxsize=65536)
def _occurrences(text: str, concept: Concept) -> tuple[tuple[int, int], ...]:
    doc = parse(text)
    pos = doc.content
    stems = [doc.tokens[k].stem for k in pos]
    out: set[tuple[int, int]] = set()
    for form in concept.forms:
        n = len(form)
        if not n:
            continue
        for p in range(len(pos) - n + 1):
            if not all(stem_matches(form[i], stems[p + i]) for i in range(n)):
                continue
            a, b = pos[p], pos[p + n - 1]
            if n > 1 and any(doc.tokens[m].kind == "mark" for m in range(a, b + 1)):
                continue
            out.add((a, b))
    return tuple(sorted(out))


def said(doc: Doc, concept: Concept) -> bool:
    """True when the text says the concept: one of its forms in place, or (for a term of several
    words) each of the term's own words somewhere ("infections of the upper respiratory tract"
    says "upper respiratory infections")."""
    if occurrences(doc, concept):
        return True
    own = concept.forms[0] if concept.forms else ()
    if len(own) < 2:
        return False
    have = [t.stem for t in doc.tokens if t.is_word]
    return all(any(stem_matches(w, h) for h in have) for w in own)
