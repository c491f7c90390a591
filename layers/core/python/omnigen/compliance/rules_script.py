"""Script-level checks: what can be judged before anything is rendered.

Each function takes its rule object and the script context and yields findings. Pace at this
level is *density*: words over the scenes' seconds, the only measure a script has (the timeline
checks the measured speech).
"""

from __future__ import annotations

from collections.abc import Iterator

from omnigen.compliance.context import ScriptContext
from omnigen.compliance.findings import Finding
from omnigen.compliance.label import (
    analyse,
    attached,
    condition_words_said,
    conditions,
    consequence_said,
    joined_by_and,
)
from omnigen.compliance.language import (
    Match,
    compact,
    compiled,
    contains_phrase,
    find_claims,
    match_phrase,
    mentions_phone,
    mentions_website,
    names_word,
    sentences,
    significant_words,
    tokens,
)
from omnigen.compliance.referral import refers_to_provider
from omnigen.compliance.rule import Rule
from omnigen.compliance.tokens import has_words, invisible_characters
from omnigen.script import Scene, word_count

_QUOTES = str.maketrans({"’": "'", "‘": "'"})
REMINDER_SOURCE = "21 CFR 202.1(e)(2)(i) (reminder advertisements)"
REMINDER_BOXED_SOURCE = (
    "21 CFR 202.1(e)(2)(i) (the reminder exemption does not apply to a drug whose labeling has a boxed warning)"
)
HELP_SEEKING_SOURCE = "FDA draft guidance, Help-Seeking and Other Disease Awareness Communications (2004)"


def _wpm(words: int, seconds: float) -> float:
    return words * 60.0 / seconds if seconds > 0 else float("inf")


def _list(words: tuple[str, ...] | list[str]) -> str:
    return ", ".join(words)


def _missing_words(rule: Rule, ctx: ScriptContext, kind: str, number: int, phrase: str) -> Finding:
    """The finding for a brief risk field with no visible words: nothing a script can state."""
    chars = invisible_characters(phrase)
    held = f"only invisible characters: {', '.join(chars)}" if chars else "no letters or digits"
    field = {"side effect": "side_effects", "contraindication": "contraindications"}.get(kind)
    where = f"product.{field}[{number - 1}]" if field else "product.boxed_warning"
    return rule.finding(
        f"The brief's {kind} {where} has no visible words ({held}): the major statement cannot "
        "state it, so the ad would leave out a risk of the label.",
        fix=f"Write the {kind} out in words in the brief ({where}), as the label states it.",
        **ctx.whole(),
    )


def _meaning_problems(ctx: ScriptContext, phrase: str, spoken: str, *, qualifiers: bool) -> list[str]:
    """What the spoken major statement changes in a phrase it names: a severity qualifier not
    said with its noun, a consequence left out."""
    label = analyse(phrase)
    out = []
    if qualifiers:
        for a in label.attachments:
            if attached(spoken, a, ctx.thesaurus, phrase) is False:
                out.append(
                    f'it says "{a.head}" but never "{a.qualifier} {a.head}": the label\'s "{a.qualifier}" '
                    "must be said with it"
                )
    for c in label.consequences:
        if not consequence_said(spoken, c, ctx.thesaurus):
            out.append(f'it leaves out the consequence "{c}"')
    return out


def ms_complete(rule: Rule, ctx: ScriptContext) -> Iterator[Finding]:
    """Every side effect and contraindication of the brief is named in the spoken major statement
    as the label states it: its words (or plain equivalents), each severity qualifier with its
    noun and each consequence (side effects), and contraindications as alternatives ("or")."""
    ms = ctx.ms_scenes
    spoken = ctx.spoken(ms)
    numbers: dict[str, int] = {}
    for kind, phrase in ctx.risks:
        numbers[kind] = numbers.get(kind, 0) + 1
        if not has_words(phrase):
            yield _missing_words(rule, ctx, kind, numbers[kind], phrase)
    if not spoken:
        yield rule.finding(
            "The script has no spoken major statement: a product-claim ad must say its major risks "
            "and contraindications.",
            fix="Add a scene with purpose major_statement whose voiceover names every side effect and "
            "contraindication from the brief.",
            **ctx.whole(),
        )
        return
    for kind, phrase in ctx.risks:
        if not has_words(phrase):
            continue
        m = match_phrase(phrase, spoken, ctx.thesaurus)
        if not m.ok(ctx.policy.risk_match_min_fraction):
            yield rule.finding(
                f'The major statement does not name the {kind} "{phrase}" (missing: {_list(m.missing)}).',
                fix=f'Say "{phrase}" in the major-statement voiceover.',
                **ctx.over(ms),
            )
            continue
        problems = _meaning_problems(ctx, phrase, spoken, qualifiers=kind == "side effect")
        if problems:
            yield rule.finding(
                f'The major statement softens the {kind} "{phrase}": {"; ".join(problems)}.',
                fix=f'Say the {kind} as the label does: "{phrase}".',
                **ctx.over(ms),
            )
    contra = [c for c in ctx.brief.product.contraindications if has_words(c)]
    pair = joined_by_and(spoken, contra, ctx.thesaurus, ctx.policy.risk_match_min_fraction)
    if pair:
        yield rule.finding(
            f'The major statement joins the contraindications "{pair[0]}" and "{pair[1]}" with "and", which '
            'reads as "only when both apply"; the label means either one.',
            fix=f'Join them with "or": "… if you have {pair[0]} or {pair[1]}".',
            **ctx.over(ms),
        )


def ms_boxed_warning(rule: Rule, ctx: ScriptContext) -> Iterator[Finding]:
    """Each point (sentence) of the label's boxed warning is carried by the major statement, with
    its consequences ("can cause paralysis") and its severity qualifiers."""
    boxed = ctx.brief.product.boxed_warning
    if boxed is None:
        return
    if not has_words(boxed):
        yield _missing_words(rule, ctx, "boxed warning", 0, boxed)
        return
    ms = ctx.ms_scenes
    spoken = ctx.spoken(ms)
    for sentence in sentences(boxed):
        if len(significant_words(sentence)) < 2:
            continue
        m = match_phrase(sentence, spoken, ctx.thesaurus)
        if not m.ok(ctx.policy.boxed_warning_min_fraction):
            yield rule.finding(
                f'The major statement does not carry the boxed warning "{sentence}" '
                f"(missing key terms: {_list(m.missing)}).",
                fix=f'Open the major statement with the boxed warning, in plain words: "{sentence}"',
                **ctx.over(ms),
            )
            continue
        problems = _meaning_problems(ctx, sentence, spoken, qualifiers=True)
        if problems:
            yield rule.finding(
                f'The major statement carries the boxed warning "{sentence}" only in part: {"; ".join(problems)}.',
                fix=f'Say the whole point of the boxed warning, in plain words: "{sentence}"',
                **ctx.over(ms),
            )


def ms_language(rule: Rule, ctx: ScriptContext) -> Iterator[Finding]:
    """Medical jargon in the major statement, unless its plain term is said too."""
    for scene in ctx.ms_scenes:
        text = ctx.said_and_shown([scene])
        for term, plain in ctx.policy.jargon.items():
            if contains_phrase(text, term) and not contains_phrase(text, plain):
                yield rule.finding(
                    f'The major statement says "{term}", which many viewers will not understand; say "{plain}".',
                    fix=f'Replace "{term}" with "{plain}" (or say "{plain}" as well).',
                    **ctx.at(scene),
                )


def ms_pace(rule: Rule, ctx: ScriptContext) -> Iterator[Finding]:
    """The major statement's words per scene-minute: under the policy maximum, and not faster
    than the benefit sections by more than the tolerance."""
    ms = ctx.ms_scenes
    words = sum(word_count(s.voiceover) for s in ms)
    seconds = sum(s.duration_s for s in ms)
    if not words:
        return
    p = ctx.policy
    rate = _wpm(words, seconds)
    loc = ctx.over(ms)
    if rate > p.max_ms_wpm + 1e-9:
        yield rule.finding(
            f"The major statement runs at {rate:.0f} words per minute ({words} words in {seconds:.1f} s); "
            f"the policy allows at most {p.max_ms_wpm:.0f}.",
            fix=f"Shorten the major-statement voiceover to at most {int(p.max_ms_wpm * seconds / 60)} words "
            "or give its scenes more time.",
            **loc,
        )
    ref_scenes = ctx.scenes("benefit") or ctx.scenes("indication", "hook")
    ref_seconds = sum(s.duration_s for s in ref_scenes)
    if not ref_scenes or ref_seconds <= 0:
        return
    measured = _wpm(sum(word_count(s.voiceover) for s in ref_scenes), ref_seconds)
    ref = max(measured, p.pace_floor_wpm)
    limit = ref * p.pace_tolerance
    if rate > limit + 1e-9:
        floor = f", counted as {ref:.0f}" if measured < ref else ""
        yield rule.finding(
            f"The major statement ({rate:.0f} wpm) is faster than the {ref_scenes[0].purpose} sections "
            f"({measured:.0f} wpm{floor}) by more than the policy's {100 * (p.pace_tolerance - 1):.0f}%: risks "
            "must be at least as easy to follow as benefits.",
            fix=f"Slow the major statement to at most {limit:.0f} wpm: fewer words or longer scenes.",
            **loc,
        )


# --- adequate provision ----------------------------------------------------------------------


def _ap(ctx: ScriptContext) -> tuple[list[Scene], str]:
    scenes = ctx.scenes("adequate_provision")
    return scenes, ctx.said_and_shown(scenes)


def _ap_missing(rule: Rule, ctx: ScriptContext, what: str, value: str | None, present: bool) -> Iterator[Finding]:
    """The finding for a missing adequate-provision element, worded for what is actually missing:
    the brief's value, the scene, or the mention."""
    scenes, _ = _ap(ctx)
    loc = ctx.over(scenes)
    if not value:
        yield rule.finding(
            f"The brief gives no {what}; adequate provision for a broadcast ad needs one.",
            fix=f"Add the product's {what} to the brief.",
            **loc,
        )
    elif not scenes:
        yield rule.finding(
            f"The script has no adequate_provision scene to give the {what} ({value}).",
            fix=f"Add an adequate_provision scene that says or shows {value}.",
            **loc,
        )
    elif not present:
        yield rule.finding(
            f"The adequate-provision scene does not give the {what} ({value}).",
            fix=f"Say or show {value} in the adequate_provision scene.",
            **loc,
        )


def ap_phone(rule: Rule, ctx: ScriptContext) -> Iterator[Finding]:
    """The brief's toll-free number, said or shown in the adequate provision (any punctuation)."""
    phone = ctx.brief.product.phone
    _, text = _ap(ctx)
    yield from _ap_missing(rule, ctx, "toll-free number", phone, bool(phone) and mentions_phone(text, phone or ""))


def ap_website(rule: Rule, ctx: ScriptContext) -> Iterator[Finding]:
    """The brief's website, shown or spoken ("dot example") in the adequate provision."""
    site = ctx.brief.product.website
    _, text = _ap(ctx)
    yield from _ap_missing(rule, ctx, "website", site, bool(site) and mentions_website(text, site or ""))


def ap_print(rule: Rule, ctx: ScriptContext) -> Iterator[Finding]:
    """The print-ad reference (its significant words, by the risk fraction) in the adequate provision."""
    ref = ctx.brief.product.print_ad
    _, text = _ap(ctx)
    ok = bool(ref) and match_phrase(ref or "", text).ok(ctx.policy.risk_match_min_fraction)
    yield from _ap_missing(rule, ctx, "print-ad reference", ref, ok)


def ap_hcp(rule: Rule, ctx: ScriptContext) -> Iterator[Finding]:
    """A referral to a healthcare provider ("ask your doctor", "your doctor or pharmacist can tell
    you more" …, see `referral`) in the provision or the close; the policy's `hcp_patterns` count too."""
    scenes = ctx.scenes("adequate_provision", "brand_close")
    texts = [t.translate(_QUOTES) for s in scenes for t in ctx.texts(s)]
    if any(refers_to_provider(t) for t in texts):
        return
    if any(compiled(p).search(t) for p in ctx.policy.hcp_patterns for t in texts):
        return
    yield rule.finding(
        "Neither the adequate-provision scene nor the close refers viewers to their healthcare provider.",
        fix='Say "Ask your doctor about ..." (or "Your doctor or pharmacist can tell you more") in the '
        "adequate_provision scene.",
        **ctx.over(scenes),
    )


# --- names -----------------------------------------------------------------------------------


def name_generic(rule: Rule, ctx: ScriptContext) -> Iterator[Finding]:
    """The brand name appears together with its established (generic) name, in one voiceover or
    on one screen of supers."""
    p = ctx.brief.product
    generic = compact(p.generic_name)
    for scene in ctx.script.scenes:
        for unit in ctx.units(scene):
            if names_word(unit, p.brand_name) and generic in compact(unit):
                return
    yield rule.finding(
        f'The brand name {p.brand_name} never appears together with its established name "{p.generic_name}".',
        fix=f'Show "{p.brand_name} ({p.generic_name})" as a super, or say both names in one line.',
        **ctx.whole(),
    )


def name_indication(rule: Rule, ctx: ScriptContext) -> Iterator[Finding]:
    """One scene states the approved use (its significant words, by the policy fraction)."""
    indication = ctx.brief.product.indication
    best: Match | None = None
    for scene in ctx.script.scenes:
        m = match_phrase(indication, ctx.said_and_shown([scene]))
        if m.ok(ctx.policy.indication_min_fraction):
            return
        if best is None or m.fraction > best.fraction:
            best = m
    missing = _list(best.missing) if best else indication
    yield rule.finding(
        f'No scene states the approved use "{indication}" (missing: {missing}).',
        fix=f'State the approved use in the indication scene: "{ctx.brief.product.brand_name} is a prescription '
        f'medicine for {indication}."',
        **(ctx.over(ctx.scenes("indication")) if ctx.scenes("indication") else ctx.whole()),
    )


# --- claims ----------------------------------------------------------------------------------


def claim_absolute(rule: Rule, ctx: ScriptContext) -> Iterator[Finding]:
    """Unsubstantiated absolutes in anything said or shown (negated phrases excepted)."""
    why = {c.pattern: c.why for c in ctx.policy.absolute_claims}
    for scene in ctx.script.scenes:
        seen: set[str] = set()
        for text in ctx.texts(scene):
            for pattern, hit in find_claims(text.translate(_QUOTES), why):
                key = hit.text.lower()
                if key in seen:
                    continue
                seen.add(key)
                yield rule.finding(
                    f'Scene {scene.index} says "{hit.text}": it {why[pattern]}, which the label cannot support.',
                    fix=f'Remove "{hit.text}" from scene {scene.index}.',
                    **ctx.at(scene),
                )


# --- fit -------------------------------------------------------------------------------------


def _ms_blocks(ctx: ScriptContext) -> list[list[Scene]]:
    blocks: list[list[Scene]] = []
    for s in ctx.script.scenes:
        if s.purpose != "major_statement":
            continue
        if blocks and blocks[-1][-1].index == s.index - 1:
            blocks[-1].append(s)
        else:
            blocks.append([s])
    return blocks


def fit_duration(rule: Rule, ctx: ScriptContext) -> Iterator[Finding]:
    """Scenes add up to the brief's duration; each run of major-statement scenes holds its words
    at a natural pace (product-claim ads)."""
    p = ctx.policy
    total, want = ctx.script.duration_s, ctx.brief.duration_s
    if abs(total - want) > p.duration_tolerance_s + 1e-9:
        yield rule.finding(
            f"The scenes add up to {total:.1f} s but the brief asks for {want} s.",
            fix=f"Change scene durations so they add up to {want} s.",
            **ctx.whole(),
        )
    if ctx.ad_type != "product_claim":
        return
    for block in _ms_blocks(ctx):
        words = sum(word_count(s.voiceover) for s in block)
        have = sum(s.duration_s for s in block)
        need = words * 60.0 / p.natural_wpm
        if need > have + 1e-9:
            scenes = f"scene {block[0].index}" if len(block) == 1 else f"scenes {block[0].index}–{block[-1].index}"
            yield rule.finding(
                f"The major statement in {scenes} needs {need:.1f} s at a natural {p.natural_wpm:.0f} wpm "
                f"({words} words) but has {have:.1f} s.",
                fix=f"Give {scenes} {need - have:.1f} s more (take it from other scenes) or use fewer words.",
                **ctx.over(block),
            )


# --- ad type ---------------------------------------------------------------------------------


def drug_words(ctx: ScriptContext) -> list[str]:
    """Names that identify the drug: the brand and the molecule (first word of the generic)."""
    p = ctx.brief.product
    out = [p.brand_name]
    generic = tokens(p.generic_name)
    if generic and len(generic[0]) >= 4:
        out.append(generic[0])
    return out


def reminder_use(ctx: ScriptContext, text: str) -> list[str]:
    """Why `text` states or implies the drug's use (empty when it does not)."""
    reasons = []
    p = ctx.brief.product
    for condition in conditions(p.indication, (p.brand_name, p.generic_name), ctx.thesaurus):
        said = condition_words_said(text, condition)
        if said:
            reasons.append(f"names the condition ({_list(said)})")
    m = match_phrase(p.indication, text)
    total = len(m.found) + len(m.missing)
    many = m.found and m.ok(ctx.policy.reminder_indication_fraction) and len(m.found) >= min(2, total)
    if many and not reasons:  # the indication's words, where no condition term was named itself
        reasons.append(f"names the condition ({_list(m.found)})")
    for _, hit in find_claims(text.translate(_QUOTES), ctx.policy.use_patterns, skip_negated=False):
        reasons.append(f'says "{hit.text}"')
    return reasons


def ad_type(rule: Rule, ctx: ScriptContext) -> Iterator[Finding]:
    """Reminder ads never state or imply the use; help-seeking ads never name (or show) the drug."""
    if ctx.ad_type == "reminder":
        if ctx.brief.product.boxed_warning is not None:
            yield rule.finding(
                f"A reminder ad is not allowed for a drug whose label has a boxed warning, and "
                f"{ctx.brief.product.brand_name}'s label has one.",
                fix="Make it a product-claim ad (with the major statement and the boxed warning) or a help-seeking "
                "ad that names no drug.",
                source=REMINDER_BOXED_SOURCE,
                **ctx.whole(),
            )
        for scene in ctx.script.scenes:
            reasons = []
            if scene.purpose in ("indication", "benefit"):
                reasons.append(f"is a {scene.purpose} scene")
            reasons += reminder_use(ctx, ctx.said_and_shown([scene]))
            if reasons:
                yield rule.finding(
                    f"A reminder ad must not state or imply what the drug is for, but scene {scene.index} "
                    f"{'; '.join(dict.fromkeys(reasons))}.",
                    fix=f"In scene {scene.index} keep to the name, the dosage form and the reminder; drop "
                    "the condition, benefits and what the drug treats.",
                    source=REMINDER_SOURCE,
                    **ctx.at(scene),
                )
    elif ctx.ad_type == "help_seeking":
        names = drug_words(ctx)
        if ctx.brief.product.image:
            yield rule.finding(
                "A help-seeking ad must not show the product, but the brief gives a product image.",
                fix="Remove product.image from the brief (or make it a product-claim ad).",
                source=HELP_SEEKING_SOURCE,
                **ctx.whole(),
            )
        for scene in ctx.script.scenes:
            said = [n for n in names if any(names_word(t, n) for t in [*ctx.texts(scene), scene.shot])]
            if said:
                yield rule.finding(
                    f"A help-seeking ad must not name the drug, but scene {scene.index} names {', '.join(said)}.",
                    fix=f"Remove {', '.join(said)} from scene {scene.index} (voiceover, supers and shot).",
                    source=HELP_SEEKING_SOURCE,
                    **ctx.at(scene),
                )
