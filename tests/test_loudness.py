"""The loudness meter against ffmpeg's own ebur128 (integrated loudness and true peak), on signals whose
true peak lies between the samples, above 0 dBFS, at other rates, and on speech."""

from __future__ import annotations

import math
import re
import subprocess

import pytest

from conftest import ffmpeg
from pipeline.media.audio import measure, source_rate
from pipeline.media.loudness import parse_true_peak, true_peak_filters
from pipeline.media.probe import probe


def reference(path) -> dict[str, float]:
    """ffmpeg's ebur128 with its own true-peak meter, read here independently of the pipeline's parser."""
    err = subprocess.run(["ffmpeg", "-hide_banner", "-nostdin", "-i", str(path), "-af", "ebur128=peak=true",
                          "-f", "null", "-"], capture_output=True, text=True).stderr
    summary = err[err.rindex("Summary:"):]
    return {k: float(v) for k, v in re.findall(r"^\s*(I|LRA|Peak):\s+(-?[\d.]+)", summary, re.M)}


def tone(path, amplitude: float, rate: int) -> None:
    """A sine at a quarter of the rate, a quarter-period off the samples: every sample sits at 0.707 of the
    waveform's crest, so the true peak is 3 dB above the sample peak."""
    ffmpeg("-f", "lavfi", "-i", f"aevalsrc={amplitude}*sin(2*PI*{rate // 4}*t+PI/4)|{amplitude}*sin(2*PI*{rate // 4}*t+PI/4)"
           f":s={rate}:d=4", "-af", "afade=t=in:d=0.5,afade=t=out:st=3.5:d=0.5",  # no onset click to overshoot
           "-c:a", "pcm_f32le", str(path))


@pytest.mark.parametrize("amplitude, rate", [(0.891, 44100), (1.5, 48000), (0.5, 96000)])
def test_true_peak_between_samples_and_above_full_scale(tmp_path, amplitude, rate):
    path = tmp_path / "tone.wav"
    tone(path, amplitude, rate)
    got = measure(path, peak=rate)
    expected = reference(path)
    assert got.true_peak == pytest.approx(expected["Peak"], abs=0.15)
    assert got.integrated == pytest.approx(expected["I"], abs=0.05)
    sample_peak = 20 * math.log10(amplitude * 0.7071)
    assert got.true_peak > sample_peak + 2.5  # the meter really looks between the samples


def test_speech_agrees_with_ebur128(media):
    got = measure(media["conversation"], peak=source_rate(probe(media["conversation"])))
    expected = reference(media["conversation"])
    assert got.true_peak == pytest.approx(expected["Peak"], abs=0.15)
    assert got.integrated == pytest.approx(expected["I"], abs=0.05)
    assert got.lra == pytest.approx(expected["LRA"], abs=0.05)


def test_oversampling_reaches_176k():
    assert true_peak_filters(44100)[0][1]["out_sample_rate"] == 176400
    assert true_peak_filters(48000)[0][1]["out_sample_rate"] == 192000
    assert true_peak_filters(96000)[0][1]["out_sample_rate"] == 192000
    assert true_peak_filters(192000)[0][1]["out_sample_rate"] == 192000


def test_parse_true_peak_adds_back_the_headroom():
    line = "[Parsed_volumedetect_4 @ 0x5654532f8040] max_volume: -14.1 dB\n"
    assert parse_true_peak(line) == pytest.approx(-2.1)
    with pytest.raises(ValueError):
        parse_true_peak("no summary here")


def test_calibration_samples_long_programmes_after_levelling():
    from pipeline.media.audio import calibration_filters, programme_filters
    from pipeline.model.config import Loudness

    target = Loudness()
    whole = programme_filters(target, 2.0, -2.0, 48000)
    assert calibration_filters(target, 2.0, -2.0, 48000, duration=300) == whole
    sampled = [name for name, _ in calibration_filters(target, 2.0, -2.0, 48000, duration=1800)]
    assert sampled[:3] == ["dynaudnorm", "aselect", "asetpts"]  # levelling sees the whole signal
    assert sampled[3:] == [name for name, _ in whole[1:]]


def test_sampled_calibration_reads_like_the_whole(tmp_path, media):
    """Ten copies of the two-speaker conversation (about 7 minutes): the sample reads what the whole does."""
    from pipeline.media.audio import calibration_filters
    from pipeline.model.config import Loudness

    long = tmp_path / "long.wav"
    ffmpeg("-stream_loop", "9", "-i", str(media["conversation"]), "-c", "copy", str(long))
    duration = probe(long).duration
    target = Loudness()
    whole = measure(long, calibration_filters(target, 4.0, -2.0, 48000, duration=0))
    sample = measure(long, calibration_filters(target, 4.0, -2.0, 48000, duration=max(duration, 600)))
    assert sample.integrated == pytest.approx(whole.integrated, abs=0.3)


def test_background_work_runs_at_lower_priority():
    import os

    from pipeline.media.runner import BACKGROUND, run

    # `sh -c 'nice'` prints its own niceness: the process was reniced right after it started.
    seen = run(["sh", "-c", "sleep 0.2; nice"], nice=BACKGROUND).stdout.strip()
    assert int(seen) == os.nice(0) + BACKGROUND


def test_gating_from_blocks_reads_what_ebur128_reads(media):
    """loudness.integrated_loudness / loudness_range over ebur128's own 100 ms frame log of a file give the
    integrated loudness and loudness range its summary gives for that file."""
    from pipeline.media.audio import BlockRecorder
    from pipeline.media.loudness import integrated_loudness, loudness_range

    blocks = BlockRecorder()
    err = subprocess.run(["ffmpeg", "-hide_banner", "-nostdin", "-i", str(media["conversation"]), "-af",
                          "ebur128=framelog=info", "-f", "null", "-"], capture_output=True, text=True).stderr
    for line in err.splitlines():
        blocks(line)
    expected = reference(media["conversation"])
    assert len(blocks.momentary) > 300
    assert integrated_loudness(blocks.momentary) == pytest.approx(expected["I"], abs=0.1)
    assert loudness_range(blocks.short_term) == pytest.approx(expected["LRA"], abs=0.2)
    assert integrated_loudness([-120.7, float("nan"), float("-inf")]) == -70.0  # silence


def test_a_long_programme_measured_in_two_halves_reads_like_the_whole(tmp_path, media):
    from pipeline.media.audio import TWO_HALVES_FROM_S, measure_levelled
    from pipeline.model.config import Loudness
    from pipeline.media.loudness import levelling_filter

    # Three times the conversation, then twice more 8 dB quieter: halves that differ, and a seam mid-file.
    long = tmp_path / "long.wav"
    conversation = str(media["conversation"])
    ffmpeg("-stream_loop", "2", "-i", conversation, "-stream_loop", "1", "-i", conversation, "-filter_complex",
           "[1:a]volume=-8dB[quiet];[0:a][quiet]concat=n=2:v=0:a=1", str(long))
    p = probe(long)
    assert p.duration >= TWO_HALVES_FROM_S
    for filters in ([], [levelling_filter(Loudness())]):
        halves = measure_levelled(p, filters)
        whole = measure(long, filters)
        assert halves.integrated == pytest.approx(whole.integrated, abs=0.1), filters
        assert halves.lra == pytest.approx(whole.lra, abs=0.3), filters


def test_sounding_seconds_counts_the_blocks_above_a_level():
    from pipeline.media.loudness import sounding_seconds

    assert sounding_seconds([-120.7, -29.3, -163.5, float("nan"), float("-inf")], -60.0) == 0.1
    assert sounding_seconds([-20.0] * 35 + [-70.0] * 5, -60.0) == 3.5
    assert sounding_seconds([], -60.0) == 0.0


def test_a_dc_offset_is_refused_as_silent_before_any_encode(tmp_path):
    """K-weighting removes DC: all a DC offset leaves is the step where it starts, one 400 ms block that gating
    alone measures as -29 LUFS. It sounds for 0.1 s, so it is refused as silent before anything is encoded."""
    from pipeline.media.audio import master_mp3, measure_source
    from pipeline.model.config import Loudness
    from pipeline.model.errors import InputError

    dc = tmp_path / "dc.wav"
    ffmpeg("-f", "lavfi", "-i", "aevalsrc=0.5|0.5:s=44100:d=6", str(dc))
    with pytest.raises(InputError, match="silent") as e:
        measure_source(probe(dc), Loudness())
    assert e.value.where == str(dc)
    out = tmp_path / "dc.mp3"
    with pytest.raises(InputError, match="silent"):
        master_mp3(probe(dc), Loudness(), out)
    assert not out.exists()
