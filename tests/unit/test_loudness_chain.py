"""The loudness step of compose: one gain to the target, a limiter only when peaks need it."""

from omnigen.media.compose import loudness_chain
from omnigen.media.loudness import Loudness


def test_gain_only_when_peaks_stay_under_the_ceiling():
    m = Loudness(integrated_lufs=-30.0, loudness_range_lu=4, true_peak_dbfs=-12.0)
    assert loudness_chain(m, -24.0, -2.0) == "volume=6.00dB"


def test_limiter_when_the_gain_would_push_peaks_over():
    m = Loudness(integrated_lufs=-30.0, loudness_range_lu=4, true_peak_dbfs=-3.0)
    chain = loudness_chain(m, -14.0, -1.0)
    assert chain.startswith("volume=16.00dB,alimiter=limit=0.8913") and "level=0" in chain


def test_silence_is_left_alone():
    m = Loudness(integrated_lufs=float("-inf"), loudness_range_lu=0, true_peak_dbfs=float("-inf"))
    assert loudness_chain(m, -24.0, -2.0) == "anull"
