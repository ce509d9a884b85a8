"""An invisible watermark for small generated clips, and the everyday edits that try to erase it.

Spread spectrum (Cox et al., 1997) in space and time.  The key picks, for each of the message's
bits, its own set of spatial frequencies in a middle band, each with a random phase: low
frequencies carry the picture, which would drown the mark, and high ones are what JPEG, H.264
and resizing throw away.  Every frame gets the same faint pattern (each bit's frequencies with
sign +1 for a 1 and -1 for a 0), multiplied by a balanced ±1 sequence over the frames, also
drawn from the key.  Reading multiplies the frames by that sequence and sums them, which cancels
whatever stands still (the face, the backdrop), and then reads each bit as the sign of its
frequencies' projection on their phases.  The picture barely interferes, so 32 bits fit in
8 frames of 32×32 at a strength (0.02 RMS, PSNR 40 dB) well below what an eye sees.

What it costs and what breaks it: the mark alternates sign between frames, so it adds a little
flicker (grade a generator's clips before marking them); reading needs the frames in their order
(a reversed or cut clip gives the message, its inverse or noise, as the shifted ±1 sequence
happens to line up with the key's); and shrinking the frames to a quarter of their side removes
most of the band.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ._checks import check_images, check_positive_int, check_tensor

MESSAGE_BITS = 32  # four ASCII characters
BAND = (0.25, 0.7)  # the mark's frequencies, as shares of the Nyquist frequency
STRENGTH = 0.02  # RMS of the mark, in [-1, 1] pixel units: PSNR 40 dB


def message_bits(text: str) -> torch.Tensor:
    """Four ASCII characters (e.g. ``"GEN1"``) as a 32-bit message."""
    if not isinstance(text, str) or len(text) != 4 or not text.isascii():
        raise ValueError(f"text: expected 4 ASCII characters, got {text!r}")
    bits = np.unpackbits(np.frombuffer(text.encode("ascii"), np.uint8))
    return torch.from_numpy(bits.astype(bool))


def message_text(bits: torch.Tensor) -> str:
    """The four characters of a 32-bit message (unprintable ones as ``?``)."""
    packed = np.packbits(check_tensor(bits, "bits").cpu().numpy().astype(np.uint8))
    return "".join(chr(c) if 32 <= c < 127 else "?" for c in packed)


def _check_clips(videos: object) -> torch.Tensor:
    videos = check_images(videos, "videos", ndim=5, channels=(1, 3))
    check_positive_int(videos.shape[1], "frames per clip", minimum=2)
    if videos.shape[-1] != videos.shape[-2]:
        raise ValueError(
            f"videos: expected square frames, got {videos.shape[-2]}×{videos.shape[-1]}"
        )
    return videos


def _key(size: int, bits: int, frames: int, key: int):
    """Which bit owns each frequency (-1: none), its phase, and the frames' ±1 sequence."""
    generator = torch.Generator().manual_seed(key)
    fy, fx = torch.fft.fftfreq(size)[:, None], torch.fft.rfftfreq(size)[None]
    radius = (fy**2 + fx**2).sqrt() / 0.5  # share of the Nyquist frequency
    # real-valued columns (zero and Nyquist frequency) would give a bit half its energy: skipped
    usable = (radius >= BAND[0]) & (radius <= BAND[1]) & (fx > 0) & (fx < 0.5)
    where = usable.flatten().nonzero().flatten()
    if len(where) < bits:
        raise ValueError(f"frames of {size}×{size} have {len(where)} usable frequencies, "
                         f"fewer than the {bits} bits")  # fmt: skip
    where = where[torch.randperm(len(where), generator=generator)]
    owner = torch.full((usable.numel(),), -1)
    owner[where] = torch.arange(len(where)) % bits
    phase = torch.exp(2j * torch.pi * torch.rand(usable.numel(), generator=generator))
    signs = torch.tensor([1.0, -1.0]).repeat(frames // 2 + 1)[:frames]
    signs[frames - frames % 2 :] = 0  # of an odd number of frames one carries no mark: sum 0
    signs = signs[torch.randperm(frames, generator=generator)]
    return owner.view(usable.shape), phase.view(usable.shape), signs


def embed_watermark(
    videos: torch.Tensor, message: torch.Tensor, *, key: int = 0, strength: float = STRENGTH
) -> torch.Tensor:
    """``videos`` (N×T×C×H×W in [-1, 1], square frames) with ``message`` (bits) marked in."""
    videos = _check_clips(videos)
    message = check_tensor(message, "message")
    if message.dim() != 1 or message.dtype != torch.bool:
        raise ValueError(f"message: expected a 1-D bool tensor of bits, got {message.dtype} "
                         f"of shape {tuple(message.shape)}")  # fmt: skip
    size, frames = videos.shape[-1], videos.shape[1]
    owner, phase, signs = _key(size, len(message), frames, key)
    bit_signs = message.cpu().float() * 2 - 1
    spectrum = torch.where(owner >= 0, bit_signs[owner.clamp(min=0)], 0.0) * phase
    pattern = torch.fft.irfft2(spectrum, s=(size, size))
    pattern = (pattern / pattern.square().mean().sqrt()).to(videos.device)
    mark = strength * signs.to(videos.device)[:, None, None, None] * pattern  # (T, 1, H, W)
    return (videos + mark).clamp(-1, 1)


def read_watermark(videos: torch.Tensor, *, key: int = 0, bits: int = MESSAGE_BITS) -> torch.Tensor:
    """The message each clip carries under ``key``: N×bits (random bits where there is none)."""
    videos = _check_clips(videos)
    check_positive_int(bits, "bits")
    size, frames = videos.shape[-1], videos.shape[1]
    owner, phase, signs = _key(size, bits, frames, key)
    brightness = videos.detach().float().cpu().mean(2)  # (N, T, H, W)
    moving = (brightness * signs[:, None, None]).sum(1)  # what stands still cancels
    projection = (torch.fft.rfft2(moving) * phase.conj()).real  # (N, H, W // 2 + 1)
    owned = owner >= 0
    scores = torch.zeros(len(videos), bits).index_add_(1, owner[owned], projection[:, owned])
    return scores > 0


def bit_accuracy(read: torch.Tensor, message: torch.Tensor) -> torch.Tensor:
    """Share of each clip's bits read right (N)."""
    return (read == message.to(read.device)).float().mean(1)


def jpeg_frames(videos: torch.Tensor, quality: int = 75) -> torch.Tensor:
    """Every frame saved as a JPEG of ``quality`` (1-95) and read back."""
    from PIL import Image

    videos = _check_clips(videos)
    if not 1 <= quality <= 95:
        raise ValueError(f"quality: expected 1 to 95, got {quality}")
    pixels = ((videos.detach().float().cpu() + 1) * 127.5).round().clamp(0, 255).to(torch.uint8)
    out = torch.empty(videos.shape)
    for clip in range(len(videos)):
        for t in range(videos.shape[1]):
            buffer = io.BytesIO()
            frame = pixels[clip, t].permute(1, 2, 0).squeeze(-1).numpy()
            Image.fromarray(frame).save(buffer, "JPEG", quality=quality)
            decoded = torch.from_numpy(np.array(Image.open(buffer))).float()
            out[clip, t] = decoded.permute(2, 0, 1) if decoded.ndim == 3 else decoded[None]
    return out / 127.5 - 1


def resize_frames(videos: torch.Tensor, factor: float = 0.5) -> torch.Tensor:
    """Every frame shrunk by ``factor`` (antialiased) and enlarged back: a re-upload's resize."""
    videos = _check_clips(videos)
    if not 0 < factor < 1:
        raise ValueError(f"factor: expected a shrink factor in (0, 1), got {factor}")
    frames = videos.detach().float().cpu().flatten(0, 1)
    small = F.interpolate(frames, scale_factor=factor, mode="bilinear", antialias=True)
    back = F.interpolate(small, size=frames.shape[-2:], mode="bilinear", align_corners=False)
    return back.view(videos.shape).clamp(-1, 1)


def mp4_frames(videos: torch.Tensor, *, scale: int = 4) -> torch.Tensor:
    """Every clip written as the course writes its MP4s (H.264, enlarged ``scale`` times) and
    read back at its own size."""
    from .video import read_mp4, save_mp4

    videos = _check_clips(videos)
    out = []
    with tempfile.TemporaryDirectory() as folder:
        for clip in videos:
            path = save_mp4(clip, Path(folder) / "clip.mp4", scale=scale)
            frames = read_mp4(path)[:, :, : clip.shape[-2] * scale, : clip.shape[-1] * scale]
            if clip.shape[1] == 1:  # H.264 stores colour; a grey clip comes back grey
                frames = frames.mean(1, keepdim=True)
            out.append(F.interpolate(frames, size=clip.shape[-2:], mode="area"))
    return torch.stack(out)
