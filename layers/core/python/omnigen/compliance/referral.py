"""The "ask your healthcare provider" referral, however it is phrased.

Adequate provision needs a referral to a healthcare provider. Copywriters phrase it many ways:
"Ask your doctor about Veltrexa", "Talk with your dermatologist", "Your doctor or pharmacist
can tell you more", "Find out more from your healthcare provider". A referral is a provider
noun in one clause with either

- a *consulting* verb before it ("ask", "talk", "speak", "consult", "check with", "see" …),
- an *informing* verb after it, with the provider as subject ("can tell you", "can help",
  "can answer", "will explain" …), or
- "from"/"with" before it after a request for information ("more from your pharmacist"),

and not inside a negation ("don't ask your doctor" refers no one).
"""

from __future__ import annotations

from omnigen.compliance.equivalents import Concept, form_of, occurrences
from omnigen.compliance.negation import negated_at
from omnigen.compliance.tokens import Doc, parse, word_set

PROVIDERS: tuple[str, ...] = (
    "doctor", "physician", "healthcare provider", "health care provider", "healthcare professional",
    "health care professional", "healthcare team", "health care team", "care team", "provider", "pharmacist",
    "nurse", "nurse practitioner", "prescriber", "dermatologist", "cardiologist", "allergist", "neurologist",
    "rheumatologist", "gastroenterologist", "urologist", "specialist", "gp", "clinician",
)  # fmt: skip
CONSULT = word_set("ask talk speak consult check see call tell discuss visit contact")
INFORM = word_set("tell help answer explain advise discuss decide say guide walk share")
INFO = word_set("more information info answers details learn find out get")
_REACH = 6  # words between the verb and the provider noun in one clause

_PROVIDER_CONCEPTS = tuple(Concept(p, (form_of(p),)) for p in PROVIDERS)


def _clause_words(doc: Doc, start: int, step: int) -> list[int]:
    """Word token indices from `start` in direction `step`, up to a clause mark or `_REACH` words."""
    out: list[int] = []
    k = start
    while 0 <= k < len(doc.tokens) and len(out) < _REACH:
        t = doc.tokens[k]
        if t.kind == "mark":
            break
        out.append(k)
        k += step
    return out


def provider_mentions(doc: Doc) -> list[tuple[int, int]]:
    """Token spans of every provider noun ("doctor", "healthcare provider" …) in `doc`."""
    spans = {s for c in _PROVIDER_CONCEPTS for s in occurrences(doc, c)}
    return sorted(spans)


def refers_to_provider(text: str) -> bool:
    """True when the text refers the viewer to a healthcare provider (see the module doc)."""
    doc = parse(text)
    for a, b in provider_mentions(doc):
        if negated_at(text, a) is not None:
            continue
        before = [doc.tokens[k].text for k in _clause_words(doc, a - 1, -1)]
        after = [doc.tokens[k].text for k in _clause_words(doc, b + 1, 1)]
        if any(w in CONSULT for w in before):
            return True
        if any(w in INFORM for w in after):
            return True
        asks = any(w in INFO or w in CONSULT for w in before[1:])
        if asks and ("from" in before[:2] or "with" in before[:2]):
            return True
    return False
