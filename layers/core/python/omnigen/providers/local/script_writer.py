"""The offline script writer: a compliant, well-paced script built from the brief's own words.

Structure (product-claim ads): hook → indication → benefit → major statement → adequate
provision → brand close. The major statement is written first and never shortened: it names
every contraindication, the boxed warning and every side effect the brief lists. Scene lengths
then follow the words: every spoken scene gets the time its voiceover needs at a natural pace
(eSpeak and a broadcast announcer both read near 2.5 words/s), the major statement at a pace no
faster than the benefit, and whatever time is left goes to scenes where the picture can breathe
(hook, brand close). If even the bare script cannot fit, the durations are scaled to the brief's
length and the compliance checker (FIT-DURATION) says so — the writer never cuts a risk.

Reminder ads name the drug and state no use; help-seeking ads name the condition and no drug.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass

from omnigen.brief import Brief
from omnigen.compliance.policy import default_policy
from omnigen.compliance.tokens import has_words, word_set
from omnigen.lines import speaking_rate, split_lines
from omnigen.providers.ports import CallContext, ProviderCall
from omnigen.script import Scene, Script, word_count

SYLLABLE_S = 0.195  # eSpeak NG at 180 wpm, measured on the shared briefs' risk copy
COMMA_S = 0.25
SENTENCE_S = 0.3
DIGIT_S = 0.42  # a phone number is read digit by digit
SCENE_PAD_S = 0.4  # lead-in and tail of a spoken scene
MIN_SCENE_S = 1.2
MIN_OPENING_S = 1.0  # a wordless, textless opening shot: a beat of picture before the first line
READING_LEAD_S = 0.3  # a super comes up this long into its scene (the timeline builder's lead-in)
MIN_MS_SCENE_S = 3.0  # the policy's shortest shot during the major statement
MAX_SCENE_S = 10.0  # the longest clip a video model (Kling) renders
PLANNED_MS_WPM = 150  # below the policy's 154 (140 wpm floor × 10% tolerance) and natural 160


@dataclass(frozen=True)
class Level:
    """Which optional copy a script carries; the writer tries the richest level first. The last
    levels give up what a super's reading time cannot afford, before the words are squeezed: the
    dosage (optional copy), the wordless opening shot, and — `compact` — the separate end card:
    the contact card names the brand and closes the ad. The healthcare-provider line stays on the
    card at every level: it is one of the adequate provision's four parts, and the post-render QC
    reads it off the frames."""

    hook: bool
    brand: bool
    website: bool
    ms_extras: bool
    benefit: bool
    dosage: bool = True
    opening: bool = True
    compact: bool = False


LEVELS = (
    Level(hook=True, brand=True, website=True, ms_extras=True, benefit=True),
    Level(hook=True, brand=True, website=True, ms_extras=False, benefit=True),
    Level(hook=False, brand=False, website=False, ms_extras=False, benefit=True),
    Level(hook=False, brand=False, website=False, ms_extras=False, benefit=False),
    *(
        Level(
            hook=False, brand=False, website=False, ms_extras=False, benefit=False, dosage=False, opening=o, compact=c
        )
        for c in (False, True)
        for o in (True, False)
    ),
)

HOOKS = (
    "Some days are made for the things you love.",
    "Every day holds moments worth showing up for.",
    "Life is full of plans worth keeping.",
)


_HIATUS = re.compile(r"(?<![ctsxg])i[aou]")
"""An "i" before another vowel is a syllable of its own ("se-ri-ous", "pso-ri-a-sis", "pe-ri-od"),
except where it softens the consonant before it ("-tion", "-cial", "-sion", "-gion")."""


def syllables(text: str) -> int:
    n = 0
    for w in re.findall(r"[A-Za-z]+", text):
        low = w.lower()
        k = len(re.findall(r"[aeiouy]+", low)) + len(_HIATUS.findall(low[1:]))
        if low.endswith("e") and k > 1 and not low.endswith(("le", "ee")):
            k -= 1
        n += max(1, k)
    return n


def spoken_seconds(text: str, rate: float = 1.0) -> float:
    """How long the voice takes to read `text` (an estimate fitted to eSpeak NG; the pipeline
    later replaces it with the measured length of each line)."""
    if not text.strip():
        return 0.0
    return (
        syllables(text) * SYLLABLE_S
        + len(re.findall(r"[,;:]", text)) * COMMA_S
        + max(1, len(re.findall(r"[.!?](\s|$)", text))) * SENTENCE_S
        + len(re.findall(r"\d", text)) * DIGIT_S
    ) / rate


def _items(items: list[str]) -> list[str]:
    """The brief's list items that say something: trimmed, no final stop, invisible-only ones
    dropped (a side effect of zero-width characters would otherwise read "may cause .")."""
    return [" ".join(i.split()).rstrip(".") for i in items if has_words(i)]


def _join(items: list[str], conjunction: str = "and") -> str:
    """ "A", "A and B", "A, B, and C": `conjunction` is "or" for alternatives."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + ("," if len(items) > 2 else "") + f" {conjunction} " + items[-1]


# How a contraindication reads after "if you …": the verb its first word asks for, and the
# nouns that take an article ("an allergy to …") or name a past event ("have had a reaction").
_SAYS_ITS_VERB = word_set("are am is have had take use were plan")
_BE = word_set("allergic pregnant breastfeeding nursing sensitive hypersensitive under over younger older")
_DOING = word_set("taking using receiving planning")
_DETERMINERS = word_set("a an the any your some")
_COUNTABLE = word_set(
    "allergy reaction valve infection ulcer tumor tumour history disorder condition implant device stent "
    "transplant pacemaker blockage aneurysm attack stroke episode"
)
_EVENTS = word_set("reaction attack stroke episode surgery transplant")
_PREPOSITIONS = word_set("to of in on with that who which from for after")


def _head(words: list[str]) -> str:
    """The noun a contraindication is about: the last word before its first preposition."""
    for i, w in enumerate(words):
        if w.lower() in _PREPOSITIONS and i > 0:
            return words[i - 1].lower().strip(",")
    return words[-1].lower().strip(",")


def contraindication_clause(item: str) -> tuple[str, str]:
    """(verb, rest) so that "if you {verb} {rest}" keeps the label's words and reads as English:
    "allergy to any ingredient" → ("have", "an allergy to any ingredient"); "a serious allergic
    reaction to X" → ("have had", …); "pregnant" → ("are", "pregnant"); "are pregnant" → ("", …)."""
    words = item.split()
    first = words[0].lower()
    if first in _SAYS_ITS_VERB:
        return "", item
    if first in _BE or first in _DOING:
        return "are", item
    head = _head(words)
    past = head in _EVENTS
    if first in _DETERMINERS:
        return ("have had" if past else "have"), item
    if head in _COUNTABLE:
        article = "an" if first[0] in "aeiou" else "a"
        return ("have had" if past else "have"), f"{article} {item}"
    return "have", item


def contraindication_sentence(brand: str, contraindications: list[str]) -> str:
    """ "Do not take X if you have A, have had B, or are C.": alternatives joined by "or" (the
    label means any one of them), each with the verb and article its words need; a verb is said
    once for a run of items that share it ("if you have A or B")."""
    items = _items(contraindications)
    if not items:
        return ""
    parts: list[str] = []
    previous: str | None = None
    for verb, rest in (contraindication_clause(i) for i in items):
        shared = verb == previous and not (parts and "," in parts[-1])  # after a list item, say the verb again
        parts.append(rest if shared or not verb else f"{verb} {rest}")
        previous = verb
    return f"Do not take {brand} if you {_join(parts, 'or')}."


def _sentence(text: str) -> str:
    text = " ".join(text.split()).strip()
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


def _subject(prompt: str) -> str:
    """The prompt's first clause: what the pictures are about."""
    first = re.split(r"[;.]", prompt, maxsplit=1)[0]
    return first.split(":", 1)[-1].strip() or prompt[:120]


def indication_sentence(brand: str, indication: str) -> str:
    """The approved use in the label's words: "X is used to …" or "X treats …"."""
    text = indication.strip().rstrip(".")
    low = text.lower()
    if low.startswith("to "):
        return f"{brand} is a prescription medicine used {text}."
    if low.startswith(("for ", "used ")):
        return f"{brand} is a prescription medicine {text}."
    return f"{brand} treats {text}."


def major_statement(brief: Brief, extras: bool = True) -> str:
    """Every contraindication, the boxed warning and every side effect, in the brief's words."""
    p = brief.product
    parts = [f"{p.brand_name} is not for everyone."] if extras else []
    contra = contraindication_sentence(p.brand_name, p.contraindications)
    if contra:
        parts.append(contra)
    if has_words(p.boxed_warning):
        parts.append(_sentence(p.boxed_warning or ""))
    side_effects = _items(p.side_effects)
    if side_effects:
        lead = "can cause serious side effects, including" if extras else "may cause"
        parts.append(f"{p.brand_name} {lead} {_join(side_effects)}.")
    if extras:
        parts.append("Tell your doctor about all the medicines you take.")
    return " ".join(parts)


def adequate_provision(brief: Brief, website: bool = True, compact: bool = False) -> tuple[str, list[str]]:
    """Spoken: ask your healthcare provider (and, with time, the website); shown: the toll-free
    number, the website, the print-ad reference and the healthcare-provider line (and, when
    `compact`, the names first — the card then closes the ad — and the referral in its shortest
    accepted words, as a 16-word card is what a short ad has least time for)."""
    p = brief.product
    vo = [f"Ask your healthcare provider about {p.brand_name}."]
    if website and p.website:
        vo.append(f"For full prescribing information, visit {p.website}.")
    supers = [f"{p.brand_name} ({p.generic_name})"] if compact else []
    if p.phone:
        supers.append(f"Call {p.phone}")
    if p.website:
        supers.append(p.website)
    if p.print_ad:
        supers.append(p.print_ad.rstrip("."))
    supers.append("Ask your doctor" if compact else "Ask your healthcare provider")
    return " ".join(vo), supers[:6]


class LocalScriptWriter:
    """Deterministic for the brief's seed; `feedback` (compliance findings) slows the pacing."""

    name = "local-script-writer"

    def write(self, brief: Brief, ctx: CallContext, feedback: list[str] | None = None) -> Script:
        ctx.check()
        rng = random.Random(brief.seed)
        relax = 1.1 if feedback else 1.0
        total = float(brief.duration_s)
        plan: list[dict] = []
        for level in LEVELS:  # the richest copy that fits; risks are never what gets cut
            hook = rng.choice(HOOKS)
            if brief.ad_type == "reminder":
                plan = self._reminder(brief, hook, level)
            elif brief.ad_type == "help_seeking":
                plan = self._help_seeking(brief, hook, level)
            else:
                plan = self._product_claim(brief, hook, level)
            if sum(_need(p, relax) for p in plan) <= total:
                break
        who = brief.product.brand_name if brief.ad_type != "help_seeking" else "Talk to your doctor"
        script = Script(
            title=f"{who} — {brief.duration_s} s",
            music_prompt=(brief.music_mood or brief.style or "calm, hopeful, warm")[:300],
            scenes=_timed(plan, total, relax),
        )
        ctx.record(ProviderCall(capability="script", model=self.name, cost_usd=0.0))
        return script

    # --- scene plans ----------------------------------------------------------------------

    @staticmethod
    def _scene(
        brief: Brief,
        purpose: str,
        what: str,
        camera: str,
        mood: str,
        vo: str,
        supers: list[str],
        continues: bool = False,
        flexible: bool = False,
    ) -> dict:
        style = f", {brief.style}" if brief.style else ""
        return dict(
            purpose=purpose,
            shot=f"{what}{style}",
            camera=camera,
            mood=mood,
            voiceover=vo,
            supers=supers,
            continues=continues,
            flexible=flexible,
        )

    def _product_claim(self, brief: Brief, hook: str, level: Level) -> list[dict]:
        p = brief.product
        subject = _subject(brief.prompt)
        name = f"{p.brand_name} ({p.generic_name})"
        ap_vo, ap_supers = adequate_provision(brief, level.website, level.compact)
        dosage = f"{p.brand_name}: {p.dosage.strip().rstrip('.')}." if p.dosage else ""
        plan = [self._hook(brief, hook, level, "hopeful")] if level.hook or level.opening else []
        plan.append(
            self._scene(
                brief,
                "indication",
                f"Medium shot, the same person in an everyday moment: {subject}",
                "gentle handheld",
                "reassuring",
                indication_sentence(p.brand_name, p.indication),
                [name],
            )
        )
        if level.benefit or level.dosage:  # a benefit shot with nothing to say or show is left out
            plan.append(
                self._scene(
                    brief,
                    "benefit",
                    f"Close-up, warm detail as the moment goes on: {subject}",
                    "slow dolly",
                    "uplifting",
                    dosage if level.benefit else "",
                    [] if level.benefit or not p.dosage else [p.dosage.strip().rstrip(".")[:200]],
                    continues=True,
                    flexible=not (dosage and level.benefit),
                )
            )
        ms_lines = split_lines(major_statement(brief, level.ms_extras))
        for i, part in enumerate(_chunks(ms_lines, MAX_SCENE_S - SCENE_PAD_S)):
            plan.append(
                self._scene(
                    brief,
                    "major_statement",
                    f"Calm, steady medium shot; everyday life goes on, no fast motion: {subject}",
                    "static",
                    "calm",
                    " ".join(part),
                    [],
                    continues=i > 0,
                )
            )
        plan.append(
            self._scene(
                brief,
                "adequate_provision",
                "A friendly conversation with a doctor in a bright, modern clinic",
                "static",
                "trustworthy",
                ap_vo,
                ap_supers,
                flexible=level.compact,
            )
        )
        if level.compact:
            return plan
        plan.append(
            self._scene(
                brief,
                "brand_close",
                f"Product packshot of {p.brand_name} on a clean surface, soft light, logo reveal",
                "slow push in",
                "confident",
                f"{p.brand_name}." if level.brand else "",
                [p.brand_name, f"({p.generic_name})"] + ([p.website] if p.website else []),
                flexible=True,
            )
        )
        return plan

    def _hook(self, brief: Brief, hook: str, level: Level, mood: str) -> dict:
        """The opening shot: the prompt's own scene, a line of voice when there is time."""
        return self._scene(
            brief,
            "hook",
            f"Opening wide shot: {_subject(brief.prompt)}",
            "slow push in",
            mood,
            hook if level.hook else "",
            [],
            flexible=True,
        )

    def _reminder(self, brief: Brief, hook: str, level: Level) -> list[dict]:
        p = brief.product
        name = f"{p.brand_name} ({p.generic_name})"
        contact = f" Visit {p.website}." if p.website and level.website else ""
        return [
            self._hook(brief, hook, level, "warm"),
            self._scene(
                brief,
                "brand_close",
                f"Product packshot of {p.brand_name}, logo reveal",
                "slow push in",
                "confident",
                f"Ask your doctor about {name}.{contact}",
                [p.brand_name, f"({p.generic_name})"],
                flexible=True,
            ),
        ]

    def _help_seeking(self, brief: Brief, hook: str, level: Level) -> list[dict]:
        condition = re.sub(r"^(to |for |used )", "", brief.product.indication.strip()).rstrip(".")
        site = brief.product.website or ""
        names = (brief.product.brand_name.lower(), brief.product.generic_name.lower().split()[0])
        # a help-seeking ad names no drug, so a website that carries the drug's name is left out
        contact = (
            f" Learn more at {site}." if site and level.website and not any(n in site.lower() for n in names) else ""
        )
        return [
            self._hook(brief, hook, level, "warm"),
            self._scene(
                brief,
                "indication",
                "A person thoughtfully reading about their health",
                "gentle handheld",
                "reassuring",
                f"If you are living with {condition}, you are not alone.",
                [],
            ),
            self._scene(
                brief,
                "brand_close",
                "A friendly conversation with a doctor",
                "static",
                "confident",
                f"Talk to your doctor about your options.{contact}",
                ["Talk to your doctor"],
                flexible=True,
            ),
        ]


def _need(p: dict, relax: float) -> float:
    """Seconds a scene needs: its speech plus a breath, and its supers' reading time (the
    policy's TEXT-READING-TIME) plus the lead-in and tail they are shown inside; a
    major-statement scene also no faster than PLANNED_MS_WPM by word count (the pace the
    compliance policy judges)."""
    ms = p["purpose"] == "major_statement"
    speech = spoken_seconds(p["voiceover"], speaking_rate(ms))
    if ms:
        paced = word_count(p["voiceover"]) * 60 / PLANNED_MS_WPM
        return max(MIN_MS_SCENE_S, (max(speech, paced) + SCENE_PAD_S) * relax)
    supers = "\n".join(x for x in p["supers"] if x.strip())
    reading = default_policy().reading_time_s(supers) + READING_LEAD_S if supers else 0.0
    if not speech and not supers and p["purpose"] == "hook":
        return MIN_OPENING_S
    return max(MIN_SCENE_S, (speech + SCENE_PAD_S) * relax if speech else 0.0, reading)


def _chunks(lines: list[str], max_s: float) -> list[list[str]]:
    """Group major-statement lines into scenes of at most `max_s` of speech each."""
    out: list[list[str]] = [[]]
    t = 0.0
    for line in lines:
        d = spoken_seconds(line, speaking_rate(True))
        if out[-1] and t + d > max_s:
            out.append([])
            t = 0.0
        out[-1].append(line)
        t += d
    return out


def _timed(plan: list[dict], total: float, relax: float) -> list[Scene]:
    """Give each scene the time its words need (× `relax` after compliance feedback), then hand
    spare time to the flexible scenes, or scale down when the words do not fit."""
    need = [_need(p, relax) for p in plan]
    spare = total - sum(need)
    flex = [i for i, p in enumerate(plan) if p["flexible"]] or [len(plan) - 1]
    if spare >= 0:
        for i in flex:
            need[i] += spare / len(flex)
    else:  # the words do not fit: squeeze every scene toward a floor, the checker says FIT-DURATION
        floor = min(1.0, total / len(need))
        room = total - floor * len(need)
        over = sum(n - floor for n in need)
        need = [floor + (n - floor) * room / over for n in need]
    plan, need = _split_long(plan, need)
    # round to 0.1 s and put the rounding error on the last scene, so the sum is exact
    durations = [round(n, 1) for n in need]
    durations[-1] = round(total - sum(durations[:-1]), 1)
    return [
        Scene(
            index=i + 1,
            duration_s=d,
            purpose=p["purpose"],
            shot=p["shot"][:1200],
            camera=p["camera"],
            mood=p["mood"],
            voiceover=p["voiceover"],
            supers=p["supers"][:6],
            continues_previous=bool(p["continues"]) and i > 0,
        )
        for i, (p, d) in enumerate(zip(plan, durations, strict=True))
    ]


def _split_long(plan: list[dict], need: list[float]) -> tuple[list[dict], list[float]]:
    """A scene longer than MAX_SCENE_S becomes several shots of the same purpose that flow on
    (video models render 5-10 s clips); the words go with the first shot, an end card's supers
    with the last."""
    out_plan: list[dict] = []
    out_need: list[float] = []
    for p, n in zip(plan, need, strict=True):
        parts = max(1, math.ceil(n / MAX_SCENE_S - 1e-9))
        for k in range(parts):
            part = dict(p)
            if k > 0:
                part["voiceover"] = ""
                part["continues"] = True
            last = k == parts - 1
            if parts > 1 and ((p["purpose"] == "brand_close") != last):
                part["supers"] = []
            out_plan.append(part)
            out_need.append(n / parts)
    return out_plan, out_need
