"""Compliance engine for US direct-to-consumer prescription-drug broadcast ads.

`check_script` judges a script before anything is rendered; `check_timeline` judges the edit
before compose (and repeats the script findings, so one report covers a render). Rules, their
ids, severities and sources are in `rules.py`; thresholds in `policy_defaults.yaml`.
"""

from omnigen.compliance.checker import check_script, check_timeline, feedback_for_writer
from omnigen.compliance.findings import Finding, Report
from omnigen.compliance.policy import Policy, PolicyError, load_policy
from omnigen.compliance.rules import RULE_IDS, RULES, Rule

__all__ = [
    "RULES",
    "RULE_IDS",
    "Finding",
    "Policy",
    "PolicyError",
    "Report",
    "Rule",
    "check_script",
    "check_timeline",
    "feedback_for_writer",
    "load_policy",
]
