"""The course's watermark: invisible, read back after JPEG, resizing and H.264, and only with
its key and its frames in order."""

import pytest

from course_utils.avatars import make_talking_heads
from course_utils.metrics import psnr
from course_utils.watermark import (
    bit_accuracy,
    embed_watermark,
    jpeg_frames,
    message_bits,
    message_text,
    mp4_frames,
    read_watermark,
    resize_frames,
)

MESSAGE = message_bits("GEN1")


@pytest.fixture(scope="module")
def clips():
    return make_talking_heads(24, size=32, seed=5).videos


def test_messages_are_four_characters():
    assert MESSAGE.shape == (32,) and message_text(MESSAGE) == "GEN1"
    with pytest.raises(ValueError, match="4 ASCII"):
        message_bits("GENERATED")


@pytest.mark.parametrize("size", [32, 64])
def test_the_mark_is_faint_and_read_back(size):
    clips = make_talking_heads(24, size=size, seed=5).videos
    marked = embed_watermark(clips, MESSAGE, key=3)
    assert psnr(marked.flatten(0, 1), clips.flatten(0, 1)).min() > 38
    assert bit_accuracy(read_watermark(marked, key=3), MESSAGE).mean() >= 0.99


def test_without_the_mark_or_the_key_the_bits_are_a_coin_toss(clips):
    marked = embed_watermark(clips, MESSAGE, key=3)
    for read in (read_watermark(clips, key=3), read_watermark(marked, key=4)):
        assert 0.35 < bit_accuracy(read, MESSAGE).mean() < 0.65


@pytest.mark.parametrize("edit", [
    lambda clips: jpeg_frames(clips, 75),
    lambda clips: resize_frames(clips, 0.5),
    mp4_frames,
], ids=["jpeg 75", "half size", "h264"])  # fmt: skip
def test_the_mark_survives_everyday_edits(clips, edit):
    marked = embed_watermark(clips, MESSAGE, key=3)
    assert bit_accuracy(read_watermark(edit(marked), key=3), MESSAGE).mean() >= 0.95


def test_frames_shrunk_to_a_quarter_lose_it(clips):
    marked = embed_watermark(clips, MESSAGE, key=3)
    assert bit_accuracy(read_watermark(resize_frames(marked, 0.25), key=3), MESSAGE).mean() < 0.8


def test_odd_clip_lengths_and_grey_clips_work(clips):
    grey = clips[:, :7].mean(2, keepdim=True)
    marked = embed_watermark(grey, MESSAGE, key=1)
    assert bit_accuracy(read_watermark(marked, key=1), MESSAGE).mean() > 0.95
    assert mp4_frames(marked[:2]).shape == marked[:2].shape


def test_bad_input_is_a_clear_error(clips):
    with pytest.raises(ValueError, match="bool"):
        embed_watermark(clips, MESSAGE.long())
    with pytest.raises(ValueError, match="N×T×C×H×W"):
        read_watermark(clips[0])
    with pytest.raises(ValueError, match="square"):
        read_watermark(clips[..., :16])
    with pytest.raises(ValueError, match="quality"):
        jpeg_frames(clips, 100)
    with pytest.raises(ValueError, match="factor"):
        resize_frames(clips, 2.0)
