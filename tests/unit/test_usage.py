"""The monthly quota: which limit a new job would break, when it resets, and its settings."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from omnigen.config import ConfigError, load_settings
from omnigen.usage import Quota, Usage, month_of, next_month


def test_months_are_utc_and_reset_on_the_first():
    assert month_of(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == "2026-12"
    assert next_month("2026-12") == datetime(2027, 1, 1, tzinfo=UTC)
    assert next_month("2026-02") == datetime(2026, 3, 1, tzinfo=UTC)


def test_the_quota_names_the_limit_reached_and_when_it_resets():
    quota = Quota(jobs_per_month=3, usd_per_month=10)
    assert quota.check(Usage(month="2026-05", jobs=2, cost_usd=9.99)) is None
    jobs = quota.check(Usage(month="2026-05", jobs=3))
    assert jobs is not None and jobs.limit == "jobs_per_month" and jobs.resets_at == datetime(2026, 6, 1, tzinfo=UTC)
    assert "3 of the 3 jobs" in jobs.message and "2026-06-01 00:00 UTC" in jobs.message
    spend = quota.check(Usage(month="2026-05", jobs=1, cost_usd=10.0))
    assert spend is not None and spend.limit == "usd_per_month" and "$10.00 of the $10.00" in spend.message
    assert Quota(jobs_per_month=None, usd_per_month=None).check(Usage(month="2026-05", jobs=10**6)) is None


def test_quota_settings_default_generous_and_say_what_is_wrong():
    assert load_settings({}).quota == Quota(jobs_per_month=200, usd_per_month=500.0)
    env = {"OMNIGEN_QUOTA_JOBS_PER_MONTH": "20", "OMNIGEN_QUOTA_USD_PER_MONTH": "off"}
    assert load_settings(env).quota == Quota(jobs_per_month=20, usd_per_month=None)
    for bad, needle in (("2.5", "whole number"), ("0", "above 0"), ("many", "whole number")):
        with pytest.raises(ConfigError, match=needle) as err:
            load_settings({"OMNIGEN_QUOTA_JOBS_PER_MONTH": bad})
        assert "OMNIGEN_QUOTA_JOBS_PER_MONTH" in str(err.value)
