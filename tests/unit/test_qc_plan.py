"""What QC looks at, from the timeline alone: each item on the middle frame of its time on
screen, each spoken major-statement line sampled from just after its first word to just before
its last at most 2 s apart, an item past the end never on screen; and what the brief requires."""

from itertools import pairwise

from omnigen.brief import Brief
from omnigen.compliance import load_policy
from omnigen.qc import plan_qc, qc_policy, required_texts
from omnigen.timeline import OutputSettings, TextItem, Timeline, VideoClip, VoiceLine

QCP = qc_policy(load_policy(None))


def _timeline() -> Timeline:
    return Timeline(
        output=OutputSettings(width=640, height=360, fps=24),
        clips=[VideoClip(scene_index=1, asset="c.mp4", out_s=10)],
        voice=[
            VoiceLine(scene_index=1, asset="v.wav", text="risks", start_s=2.0, duration_s=6.0, major_statement=True)
        ],
        texts=[
            TextItem(text="a", start_s=0.5, end_s=1.5),
            TextItem(kind="major_statement", text="risks", start_s=2.0, end_s=8.0),
            TextItem(text="late", start_s=10.5, end_s=12.0),
        ],
    )


def test_items_are_read_mid_window_and_lines_sampled_across():
    plan = plan_qc(_timeline(), QCP)
    assert [t.frame for t in plan.texts] == [24, 120, None]
    (line,) = plan.lines
    times = [f / 24 for f in line.frames]
    assert times[0] >= 2.0 + QCP.ms_tolerance_s and times[-1] <= 8.0 - QCP.ms_tolerance_s
    assert max(b - a for a, b in pairwise(times)) <= QCP.ms_sample_every_s + 1 / 24
    assert plan.frames() == sorted(set(plan.frames()))


def test_required_text_follows_the_ad_type():
    product = {
        "brand_name": "Veltrexa",
        "generic_name": "veltrexamab",
        "indication": "psoriasis",
        "side_effects": ["infections"],
        "phone": "1-800-555-0142",
        "website": "v.example",
        "print_ad": "See our ad.",
    }
    claim = Brief.model_validate({"prompt": "A gardener gets back to her roses", "product": product})
    whats = [r.what for r in required_texts(claim)]
    assert whats == ["brand name", "generic name", "toll-free number", "website", "print-ad reference",
                     "healthcare-provider referral"]  # fmt: skip
    assert required_texts(claim)[4].text == "See our ad"
    reminder = claim.model_copy(update={"ad_type": "reminder"})
    assert [r.what for r in required_texts(reminder)] == ["brand name", "generic name"]
    assert required_texts(claim.model_copy(update={"ad_type": "help_seeking"})) == []


def test_the_referral_may_be_worded_as_the_checker_accepts_it():
    from omnigen.qc import judge
    from omnigen.qc.plan import RequiredText, TextCheck
    from omnigen.qc.report import WordBox

    def reading(text: str) -> dict:
        check = TextCheck(index=0, item=TextItem(text=text, start_s=0, end_s=1), frame=12)
        words = [WordBox(text=w, x=10 * i, y=0, w=9, h=9, conf=90) for i, w in enumerate(text.split())]
        return {0: judge.read_item(check, words)}

    need = [RequiredText(what="healthcare-provider referral", text="Ask your healthcare provider", referral=True)]
    assert judge.required_findings(need, reading("Talk to your doctor about Veltrexa")) == []
    assert judge.required_findings(need, reading("Ask your healthcare provider")) == []
    (missing,) = judge.required_findings(need, reading("Veltrexa is for adults"))
    assert missing.rule == "QC-TEXT-MISSING" and "healthcare-provider referral" in missing.message
    phone = [RequiredText(what="toll-free number", text="1-800-555-0142")]
    assert judge.required_findings(phone, reading("Call 1-800-555-0142")) == []
    assert judge.required_findings(phone, reading("Call 1-800-555-0143"))  # one digit wrong is a wrong number
