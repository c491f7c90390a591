"""The loudness step of compose: one gain to the target, a limiter only when peaks need it,
run oversampled and under the ceiling by a margin (a sample-peak limiter at the ceiling itself let
inter-sample peaks and the AAC encoder's overshoot through: -1.7 dBTP at a -2 dBTP ceiling)."""

from omnigen.media.compose import LIMITER_MARGIN_DB, loudness_chain
from omnigen.media.loudness import Loudness


def test_gain_only_when_peaks_stay_under_the_ceiling():
    m = Loudness(integrated_lufs=-30.0, loudness_range_lu=4, true_peak_dbfs=-12.0)
    assert loudness_chain(m, -24.0, -2.0) == "volume=6.00dB"


def test_limiter_when_the_gain_would_push_peaks_over():
    m = Loudness(integrated_lufs=-30.0, loudness_range_lu=4, true_peak_dbfs=-3.0)
    chain = loudness_chain(m, -14.0, -1.0)
    limit = 10 ** ((-1.0 - LIMITER_MARGIN_DB) / 20)
    limiter = f"alimiter=limit={limit:.4f}:attack=5:release=50:level=0"
    assert chain == f"volume=16.00dB,aresample=192000,{limiter},aresample=48000"


def test_limiter_when_peaks_would_come_within_the_margin():
    m = Loudness(integrated_lufs=-30.0, loudness_range_lu=4, true_peak_dbfs=-8.5)  # -2.5 after the gain
    assert "alimiter" in loudness_chain(m, -24.0, -2.0)
    assert "alimiter" not in loudness_chain(m, -24.0, -2.0, margin_db=0.4)


def test_make_up_gain_adds_to_the_gain():
    m = Loudness(integrated_lufs=-30.0, loudness_range_lu=4, true_peak_dbfs=-20.0)
    assert loudness_chain(m, -24.0, -2.0, extra_gain_db=1.5) == "volume=7.50dB"


def test_silence_is_left_alone():
    m = Loudness(integrated_lufs=float("-inf"), loudness_range_lu=0, true_peak_dbfs=float("-inf"))
    assert loudness_chain(m, -24.0, -2.0) == "anull"
