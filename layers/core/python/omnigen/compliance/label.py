"""What a label phrase requires beyond its words: qualifiers, consequences, the condition treated.

- *Qualifiers*: "serious infections" is not "infections". A severity word of the label
  ("serious", "severe", "fatal", "life-threatening" …) belongs to the noun it modifies, and a
  script must say it *with* that noun — before it in the same noun phrase ("serious and
  sometimes fatal bleeding") or after it in the same clause ("infections, which can be
  serious"; "Some can be serious." right after) — not merely somewhere else ("can cause serious
  side effects, including infections" softens the label).
- *Consequences*: what a risk leads to ("… and can cause paralysis", "increases your risk of
  stroke", "leading to hospitalization or death"). Each is required content: dropping it
  changes the warning even when most of its words are still said.
- *Condition*: the disease an indication names ("plaque psoriasis", "atrial fibrillation",
  "allergies"), without the purpose, population and degree words around it; a reminder ad
  may not name it.

Extraction is by word classes and cue phrases, not a parser: label phrases are short, written
in a few set shapes, and every decision here can be read off the word lists below.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from functools import lru_cache

from omnigen.compliance.equivalents import Concept, Form, Thesaurus, form_of, occurrences, stem_matches
from omnigen.compliance.negation import negated_at, scopes
from omnigen.compliance.tokens import Doc, Token, parse, stem, word_set

# Severity words: a qualifier of the label that must stay with its noun.
SEVERITY: tuple[str, ...] = (
    "serious", "severe", "fatal", "deadly", "life-threatening", "life threatening", "permanent", "irreversible",
)  # fmt: skip
# Words that may stand between a qualifier and its noun, or between a noun and its predicate.
_GLUE = word_set(
    "and or sometimes even very potentially possibly occasionally rarely often also other a an the "
    "some any can may could might be become becomes is are were was that which who"
)
# After a comma, these carry the same noun on ("infections, which can be serious").
_CONTINUE = word_set(
    "which that who some sometimes even including especially such like possibly potentially "
    "occasionally rarely often can may could might is are in serious severe fatal deadly life permanent"
)
_AFTER_AND = word_set("can may could might is are be sometimes even rarely occasionally possibly potentially")
# A next sentence that starts with one of these still speaks of the same noun ("Some can be serious.").
_ANAPHORA = word_set("these they some such those both which")
# Cue phrases that introduce a consequence; the words after them (to a clause mark) are its items.
_CONSEQUENCE_CUES: tuple[tuple[str, ...], ...] = tuple(
    tuple(c.split())
    for c in (
        "can cause", "may cause", "could cause", "might cause", "causes", "causing", "cause",
        "can lead to", "may lead to", "could lead to", "lead to", "leads to", "leading to",
        "can result in", "may result in", "result in", "results in", "resulting in",
        "risk of", "chance of dying from",
    )
)  # fmt: skip
_ITEM_STOP = word_set("in if when who which that while because after before during unless with")
_RUN_STOP = _ITEM_STOP | word_set("including especially occurring happened happen happens occur occurred reported seen")
_WINDOW = 24  # tokens a qualifier may follow its noun by

# Word classes of an indication that are not the condition itself.
_PURPOSE = (
    "treat treatment treating treats lower lowering lowers reduce reducing reduces risk prevent prevention "
    "preventing prevents help helps helping manage management managing control controlling relieve relief "
    "relieving used use improve improving maintenance therapy acute"
)
_POPULATION = (
    "adults adult children child kids people patients men women years year older younger aged age ages "
    "weighing months pediatric teenagers adolescents"
)
_DEGREE = (
    "moderate moderately severe severely mild mildly chronic seasonal perennial round recurrent persistent "
    "active frequent episodic certain long term short adjunctive"
)
_NON_CONDITION = frozenset(stem(w) for w in f"{_PURPOSE} {_POPULATION} {_DEGREE}".split())
# Generic heads: the word before names the condition ("migraine attacks" → "migraine").
_GENERIC_SIGN = frozenset(
    stem(w) for w in ["symptoms", "symptom", "signs", "episodes", "attacks", "flares", "flare-ups"]
)
# Generic heads that need their modifier to name anything ("heart disease", "kidney problems").
_GENERIC_KIND = frozenset(
    stem(w) for w in ["disease", "diseases", "disorder", "disorders", "problem", "problems", "condition"]
)
_EXCLUSION = word_set("who whose that when if except unless")


@dataclass(frozen=True)
class Attachment:
    """A qualifier the label attaches to a noun: "serious" on "infections"."""

    qualifier: str
    head: str


@dataclass(frozen=True)
class LabelPhrase:
    """A risk phrase of the label with what it requires beyond its words."""

    text: str
    attachments: tuple[Attachment, ...]
    consequences: tuple[str, ...]


def _severity_spans(doc: Doc) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for term in SEVERITY:
        c = Concept(term, (form_of(term),))
        out.extend(occurrences(doc, c))
    return sorted(set(out))


def _starts_cue(tokens: tuple[Token, ...], k: int) -> bool:
    words = tuple(t.text for t in tokens[k : k + 3])
    return any(words[: len(c)] == c for c in _CONSEQUENCE_CUES)


def _content_run(tokens: tuple[Token, ...], start: int, step: int) -> list[int]:
    """Indices of the run of content words from `start` in direction `step`: a noun phrase,
    ended by a function word, a clause mark, a verb that leads on ("including", "happened") or
    the cue of a consequence ("leading to")."""
    run = []
    k = start
    while 0 <= k < len(tokens) and tokens[k].content and tokens[k].text not in _RUN_STOP:
        if step > 0 and _starts_cue(tokens, k):
            break
        run.append(k)
        k += step
    return run if step > 0 else run[::-1]


@lru_cache(maxsize=1024)
def analyse(phrase: str) -> LabelPhrase:
    """The qualifiers (with the nouns they modify) and the consequences of a label phrase."""
    doc = parse(phrase)
    toks = doc.tokens
    spans = _severity_spans(doc)
    in_severity = {k for a, b in spans for k in range(a, b + 1)}
    attachments: list[Attachment] = []
    for a, b in spans:
        k = b + 1
        while k < len(toks) and (k in in_severity or toks[k].text in _GLUE or toks[k].text == ","):
            k += 1
        head = _content_run(toks, k, 1) if k < len(toks) else []
        if not head:  # predicate form: "infections that can be serious"
            k = a - 1
            while k >= 0 and (toks[k].text in _GLUE or toks[k].text == ","):
                k -= 1
            head = _content_run(toks, k, -1) if k >= 0 else []
        if head:
            attachments.append(Attachment(doc.span_text(a, b).lower(), " ".join(toks[h].text for h in head)))
    consequences: list[str] = []
    words = [t.text for t in toks]
    k = 0
    while k < len(toks):
        cue = next((c for c in _CONSEQUENCE_CUES if tuple(words[k : k + len(c)]) == c), None)
        if cue is None:
            k += 1
            continue
        k += len(cue)
        item: list[str] = []
        while k < len(toks) and toks[k].kind != "mark" and toks[k].text not in _ITEM_STOP:
            t = toks[k]
            if t.text in ("or", "and"):
                if item:
                    consequences.append(" ".join(item))
                item = []
            elif t.content:
                item.append(t.text)
            k += 1
        if item:
            consequences.append(" ".join(item))
    return LabelPhrase(phrase, tuple(dict.fromkeys(attachments)), tuple(dict.fromkeys(consequences)))


def _affirmed(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    return [s for s in spans if negated_at(text, s[0]) is None]


def _pre_window(doc: Doc, start: int, own: frozenset[str], qualifier_tokens: set[int]) -> set[int]:
    """Tokens before a noun that still belong to its noun phrase (qualifiers, glue, the label's words)."""
    out: set[int] = set()
    k = start - 1
    while k >= 0:
        t = doc.tokens[k]
        if not (k in qualifier_tokens or t.text == "," or t.text in _GLUE or (t.is_word and t.stem in own)):
            break
        out.add(k)
        k -= 1
    return out


def _post_window(doc: Doc, end: int) -> set[int]:
    """Tokens after a noun in the same clause, through relative clauses and one anaphoric sentence."""
    toks = doc.tokens
    out: set[int] = set()
    k, sentences_joined = end + 1, 0
    while k < len(toks) and len(out) < _WINDOW:
        t = toks[k]
        if t.kind == "mark" and t.text in ";:":
            break
        if t.ends_sentence:
            nxt = toks[k + 1] if k + 1 < len(toks) else None
            if sentences_joined or nxt is None or nxt.text not in _ANAPHORA:
                break
            sentences_joined += 1
        elif t.text == ",":
            nxt = toks[k + 1] if k + 1 < len(toks) else None
            after = toks[k + 2] if k + 2 < len(toks) else None
            if nxt is None:
                break
            if nxt.text in ("and", "or"):
                if after is None or after.text not in _AFTER_AND:
                    break
            elif nxt.text not in _CONTINUE and nxt.text != "(":
                break
        out.add(k)
        k += 1
    return out


def _best_sentences(doc: Doc, concepts: list[Concept]) -> set[int]:
    """The sentences that say the most of a label phrase's concepts: where the script states that
    risk (another sentence may use the same noun for something else, as a contraindication's
    "active serious infection" next to a warning's "infections")."""
    count: dict[int, int] = {}
    for c in concepts:
        for s in {doc.tokens[a].sentence for a, _ in occurrences(doc, c)}:
            count[s] = count.get(s, 0) + 1
    top = max(count.values(), default=0)
    return {s for s, n in count.items() if n == top}


def attached(text: str, attachment: Attachment, thesaurus: Thesaurus, own_words: str) -> bool | None:
    """Whether `text` says the attachment's qualifier with its noun (None when the noun is not
    said at all: that is a missing risk, not a softened one). The noun is looked for in the
    sentences that say most of the label phrase `own_words`, whose other words may also stand
    inside the noun phrase ("serious upper respiratory infections")."""
    doc = parse(text)
    head = thesaurus.concept(attachment.head)
    qualifier = thesaurus.concept(attachment.qualifier)
    heads = _affirmed(text, occurrences(doc, head))
    if not heads:
        return None
    best = _best_sentences(doc, thesaurus.concepts(own_words))
    heads = [h for h in heads if doc.tokens[h[0]].sentence in best] or heads
    quals = _affirmed(text, occurrences(doc, qualifier))
    qual_tokens = {k for a, b in quals for k in range(a, b + 1)}
    own = frozenset(form_of(own_words))
    for a, b in heads:
        window = _pre_window(doc, a, own, qual_tokens) | _post_window(doc, b)
        if any(q in window for q in qual_tokens):
            return True
    return False


def consequence_said(text: str, consequence: str, thesaurus: Thesaurus) -> bool:
    """Whether `text` says every concept of a consequence ("heart attack", "hospitalization" as
    "the hospital"), each at least once outside a negation."""
    doc = parse(text)
    return all(_affirmed(text, occurrences(doc, c)) for c in thesaurus.concepts(consequence))


# --- the condition an indication names ----------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    """A condition the indication names: its words as written and the concept a text says it by."""

    words: tuple[str, ...]
    concept: Concept


def _excluded(words: list[Token], i: int) -> bool:
    t = words[i].text
    nxt = words[i + 1].text if i + 1 < len(words) else ""
    return t in _EXCLUSION or (t == "not" and nxt in ("caused", "due", "related")) or (t == "other" and nxt == "than")


def conditions(indication: str, names: tuple[str, ...], thesaurus: Thesaurus) -> tuple[Condition, ...]:
    """The conditions an indication names, each said by its head noun (or the whole run when the
    head is a generic "disease"/"problem") or by an equivalent of the run from the table."""
    doc = parse(indication)
    name_stems = {t.stem for n in names for t in parse(n).tokens if t.is_word}
    words = list(doc.tokens)
    runs: list[list[Token]] = [[]]
    for i, t in enumerate(words):
        if t.is_word and _excluded(words, i):
            break
        is_condition = t.content and t.text.isalpha() and t.stem not in _NON_CONDITION and t.stem not in name_stems
        if is_condition:
            runs[-1].append(t)
        elif runs[-1]:
            runs.append([])
    out: list[Condition] = []
    for run in runs:
        stems = [t.stem for t in run]
        while stems and stems[-1] in _GENERIC_SIGN:
            stems.pop()
        if not stems:
            continue
        full: Form = tuple(t.stem for t in run)
        if stems[-1] in _GENERIC_KIND:
            if len(stems) < 2:
                continue
            forms: list[Form] = [tuple(stems)]
        else:
            forms = [(stems[-1],)]
        forms += list(thesaurus.table.get(full, ())) + list(thesaurus.table.get((stems[-1],), ()))
        run_text = " ".join(t.text for t in run)
        out.append(Condition(tuple(t.text for t in run), Concept(run_text, tuple(dict.fromkeys(forms)))))
    return tuple(out)


def condition_words_said(text: str, condition: Condition) -> list[str]:
    """The condition's words a text says, when it names the condition (empty when it does not)."""
    doc = parse(text)
    if not occurrences(doc, condition.concept):
        return []
    said = [w for w in condition.words if any(stem_matches(stem(w), t.stem) for t in doc.tokens if t.is_word)]
    return said or [condition.concept.label]


# --- alternatives -----------------------------------------------------------------------------

_GAP = word_set(", and or if you have had are were a an the any ever either youve youre been with")


def _mention(doc: Doc, sentence: int, concepts: list[Concept], need: int) -> tuple[int, int] | None:
    """The token span a phrase takes in one sentence: from its first concept said there to its
    last, when at least `need` of its concepts are said there."""
    firsts: list[tuple[int, int]] = []
    for c in concepts:
        spans = [s for s in occurrences(doc, c) if doc.tokens[s[0]].sentence == sentence]
        if spans:
            firsts.append(spans[0])
    if len(firsts) < max(1, need):
        return None
    return min(a for a, _ in firsts), max(b for _, b in firsts)


def joined_by_and(text: str, phrases: list[str], thesaurus: Thesaurus, fraction: float) -> tuple[str, str] | None:
    """Two alternatives (contraindications) said in one negated sentence joined by "and" with no
    "or" ("Do not take it if you have A and B": the label means either): the first such pair."""
    doc = parse(text)
    negated_sentences = {doc.tokens[s.trigger[0]].sentence for s in scopes(text)}
    concepts = [(p, thesaurus.concepts(p)) for p in phrases]
    for sentence in sorted(negated_sentences):
        mentions = []
        for phrase, cs in concepts:
            span = _mention(doc, sentence, cs, math.ceil(fraction * len(cs) - 1e-9))
            if span:
                mentions.append((span, phrase))
        mentions.sort()
        chain: list[tuple[str, str, set[str]]] = []
        for ((_, b1), p1), ((a2, _), p2) in itertools.pairwise(mentions):
            gap = {doc.tokens[k].text for k in range(b1 + 1, a2)}
            if a2 > b1 and gap <= _GAP:
                chain.append((p1, p2, gap))
        if chain and not any("or" in g for _, _, g in chain):
            pair = next(((p1, p2) for p1, p2, g in chain if "and" in g), None)
            if pair:
                return pair
    return None
