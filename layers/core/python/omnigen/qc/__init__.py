"""Post-render QC (pure parts): what to look at in the rendered file, how to match what OCR
read, what the pixels say, and the findings and report. The I/O (decoding, OCR) is in
`omnigen.media.qc`, which runs these."""

from omnigen.qc.plan import QcPlan, keyframe_times, plan_qc, required_texts
from omnigen.qc.policy import QcPolicy, qc_policy
from omnigen.qc.report import QC_RULE_IDS, RULES, QcReport

__all__ = [
    "QC_RULE_IDS",
    "RULES",
    "QcPlan",
    "QcPolicy",
    "QcReport",
    "keyframe_times",
    "plan_qc",
    "qc_policy",
    "required_texts",
]
