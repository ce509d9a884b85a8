"""Videos: grids of clips as animations, GIF and MP4 files, and ground-truth measures of motion.

Clips are N×T×C×H×W tensors in [-1, 1].  The measures read a sprite clip the way
``course_utils.data.make_sprite_clips`` draws it, a saturated sprite on black or on a grey
texture, so they apply to real and generated clips alike:

* ``sprite_masks``: where a clip is coloured (the sprite), from its saturation.
* ``sprite_shown``: does every frame of a clip show a solid sprite (not dots, not nothing)?
* ``sprite_colour_names``: the named colour of each frame's sprite, for what a caption says of
  colour; ``colour_measures``: agreement with the asked colour, and drift within a clip.
* ``isolate_colour``: one named colour's sprite of a clip of two, alone on black, for the
  measures and the judges of one sprite.
* ``flicker``: mean |x_t - x_{t-1}|, how much a clip changes from frame to frame.
* ``background_change``: the same, only where neither frame shows the sprite.
* ``motion_measures``: the sprite's trajectory (centroid of its mask) against the action label:
  direction, speed, smoothness and constancy of the content.
* ``variety``: how far each clip is from its nearest neighbour with the same label (0 for a
  generator that repeats one clip per label).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ._checks import check_images, check_one_per_item, check_positive_int, check_tensor
from .data import ACTION_DIRECTIONS, NAMED_COLOURS, nearest_named_colour
from .viz import make_grid, save_gif, show_video

SATURATION_THRESHOLD = 0.3  # in [0, 1] units: grey is 0, a sprite at least 0.64
SPRITE_AREA = (0.01, 0.2)  # share of the frame a shown sprite covers (real ones: 0.02 to 0.07)
MIN_SOLIDITY = 0.8  # share of its 3×3 closing a shown sprite's mask fills (real ones: ≥ 0.9)


def _check_clips(videos: object, name: str = "videos") -> torch.Tensor:
    return check_images(videos, name, ndim=5)


def video_grid(videos: torch.Tensor, nrow: int | None = None) -> torch.Tensor:
    """N×T×C×H×W clips → one T×C×H'×W' clip of their grid (frame t shows every clip's frame t)."""
    videos = _check_clips(videos)
    frames = [make_grid(videos[:, t], nrow=nrow) for t in range(videos.shape[1])]
    grid = torch.from_numpy(np.stack(frames)).float() * 2 - 1  # (T, H', W'[, 3]) in [-1, 1]
    return grid.permute(0, 3, 1, 2) if grid.ndim == 4 else grid.unsqueeze(1)


def show_clips(videos: torch.Tensor, nrow: int | None = None, *, fps: int = 6, scale: float = 4.0):
    """A grid of clips as one inline animation."""
    return show_video(video_grid(videos, nrow), fps=fps, scale=scale)


def save_mp4(
    frames: torch.Tensor, path: str | os.PathLike, *, fps: int = 6, scale: int = 4
) -> Path:
    """Save a T×C×H×W clip (in [-1, 1]) as an H.264 MP4, with the ffmpeg of imageio-ffmpeg."""
    import imageio_ffmpeg

    frames = check_images(frames, "frames")
    check_positive_int(fps, "fps")
    check_positive_int(scale, "scale")
    pixels = ((frames.detach().float().cpu().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    pixels = pixels.expand(-1, 3, -1, -1) if pixels.shape[1] == 1 else pixels
    # Nearest-neighbour enlargement, padded to even sides (H.264 in yuv420p needs them).
    pixels = pixels.repeat_interleave(scale, 2).repeat_interleave(scale, 3)
    height, width = pixels.shape[2] + pixels.shape[2] % 2, pixels.shape[3] + pixels.shape[3] % 2
    pixels = torch.nn.functional.pad(
        pixels, (0, width - pixels.shape[3], 0, height - pixels.shape[2])
    )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = imageio_ffmpeg.write_frames(
        str(path), (width, height), fps=fps, macro_block_size=1, quality=8
    )
    writer.send(None)  # start ffmpeg
    for frame in pixels.permute(0, 2, 3, 1).numpy():
        writer.send(np.ascontiguousarray(frame))
    writer.close()
    return path


def read_mp4(path: str | os.PathLike) -> torch.Tensor:
    """The frames of an MP4 as a T×3×H×W tensor in [-1, 1] (with the ffmpeg of imageio-ffmpeg)."""
    import imageio_ffmpeg

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"path: expected an MP4 file, got {str(path)!r} (no such file)")
    reader = imageio_ffmpeg.read_frames(str(path))
    width, height = next(reader)["size"]  # the first item describes the video
    frames = [np.frombuffer(frame, np.uint8).reshape(height, width, 3) for frame in reader]
    return torch.from_numpy(np.stack(frames)).permute(0, 3, 1, 2).float() / 127.5 - 1


def save_clips(
    videos: torch.Tensor, path: str | os.PathLike, nrow: int | None = None, *, fps: int = 6
) -> tuple[Path, Path]:
    """Write a grid of clips as ``path`` with suffix .gif and .mp4; returns both paths."""
    grid = video_grid(videos, nrow)
    path = Path(path)
    return save_gif(grid, path.with_suffix(".gif"), fps=fps), save_mp4(
        grid, path.with_suffix(".mp4"), fps=fps
    )


def sprite_masks(videos: torch.Tensor) -> torch.Tensor:
    """N×T×1×H×W, 1.0 where a clip is saturated (the sprite), 0.0 on grey or black."""
    videos = _check_clips(videos)
    if videos.shape[2] != 3:
        raise ValueError(f"videos: expected colour clips (3 channels), got {tuple(videos.shape)}")
    saturation = (videos.amax(2, keepdim=True) - videos.amin(2, keepdim=True)) / 2
    return (saturation > SATURATION_THRESHOLD).float()


def sprite_shown(videos: torch.Tensor) -> torch.Tensor:
    """(N,) bools: does every frame of each clip show a solid sprite of a sprite's size?

    A frame shows a sprite when its colour mask covers ``SPRITE_AREA`` of the frame and fills
    at least ``MIN_SOLIDITY`` of its own closing (dilated, then eroded, by 3×3): so a frame with
    no sprite, one coloured all over, or a sprite drawn as a pattern of dots (the checkerboard of
    transposed convolutions) does not count.
    """
    return _solid_in_every_frame(sprite_masks(videos))


def sprite_colour_names(videos: torch.Tensor) -> torch.Tensor:
    """N×T: the named colour of each frame's sprite, an index into ``NAMED_COLOURS`` (nearest
    in hue to the mean of its saturated pixels), or -1 where a frame has no saturated pixel."""
    masks = sprite_masks(videos)  # (N, T, 1, H, W)
    area = masks.sum((2, 3, 4))
    pixels = (videos.detach().float().cpu() + 1) / 2 * masks  # [0, 1], zero off the sprite
    rgb = pixels.sum((3, 4)) / area.clamp(min=1)[..., None]  # (N, T, 3)
    names = torch.from_numpy(nearest_named_colour(rgb.numpy())).long()
    return torch.where(area > 0, names, -1)


def _check_colour_names(colour_names: object, videos: torch.Tensor) -> torch.Tensor:
    """``colour_names`` on the CPU: one index into ``NAMED_COLOURS`` per clip."""
    colour_names = check_one_per_item(colour_names, videos, "colour_names").cpu()
    if colour_names.min() < 0 or colour_names.max() >= len(NAMED_COLOURS):
        raise ValueError(
            f"colour_names: expected indices into NAMED_COLOURS (0 to {len(NAMED_COLOURS) - 1}), "
            f"got values from {colour_names.min().item()} to {colour_names.max().item()}"
        )
    return colour_names


def isolate_colour(videos: torch.Tensor, colour_names: torch.Tensor) -> torch.Tensor:
    """The clips with only the saturated pixels nearest in hue to each clip's asked named colour
    (``colour_names``, N indices into ``NAMED_COLOURS``) kept; the rest is black (-1).

    A clip of two sprites of different named colours becomes a clip of the asked one alone, which
    the one-sprite judges and measures read as they read any clip.  ``colour_names`` of shape
    N×K asks K colours of each clip and gives K sets of clips, stacked first (K×N×T×C×H×W),
    for the cost of reading the pixels' colours once.
    """
    asked = check_tensor(colour_names, "colour_names")
    if asked.dim() not in (1, 2):
        raise ValueError(f"colour_names: expected shape (N,) or (N, K), got {tuple(asked.shape)}")
    columns = [_check_colour_names(column, videos) for column in asked.view(len(asked), -1).T]
    masks = sprite_masks(videos).bool()  # (N, T, 1, H, W)
    videos = videos.detach().float().cpu()
    rgb = ((videos + 1) / 2).permute(0, 1, 3, 4, 2).numpy()  # (N, T, H, W, 3)
    nearest = torch.from_numpy(nearest_named_colour(rgb))[:, :, None]  # (N, T, 1, H, W)
    nearest = torch.where(masks, nearest, -1)  # unsaturated pixels name no colour
    isolated = torch.stack(
        [torch.where(nearest == names.view(-1, 1, 1, 1, 1), videos, -1.0) for names in columns]
    )
    return isolated if asked.dim() == 2 else isolated[0]


@dataclass
class ColourMeasures:
    """What a set of clips does with the colour its captions ask for.

    ``agreement``: share of frames whose sprite has the asked named colour (no sprite: a miss).
    ``drift``: share of clips whose sprite changes named colour between frames (among clips with
    a sprite in at least two frames): a frame-by-frame model's failure, invisible to a judge
    that reads motion and shape.
    """

    agreement: float
    drift: float


def colour_measures(videos: torch.Tensor, colour_names: torch.Tensor) -> ColourMeasures:
    """Read each frame's sprite colour (``sprite_colour_names``) against the asked names (N)."""
    read = sprite_colour_names(videos)
    colour_names = _check_colour_names(colour_names, videos)
    shown = read >= 0
    first_shown = read.gather(1, shown.float().argmax(1, keepdim=True))  # (N, 1)
    changes = (shown & (read != first_shown)).any(1)
    counted = shown.sum(1) >= 2
    return ColourMeasures(
        agreement=(read == colour_names[:, None]).float().mean().item(),
        drift=changes[counted].float().mean().item() if counted.any() else float("nan"),
    )


def _solid_in_every_frame(colour_masks: torch.Tensor) -> torch.Tensor:
    """``sprite_shown`` on the clips' colour masks (N×T×1×H×W)."""
    masks = colour_masks.flatten(0, 1)  # (N·T, 1, H, W)
    dilated = torch.nn.functional.max_pool2d(masks, 3, 1, 1)
    closed = -torch.nn.functional.max_pool2d(-dilated, 3, 1, 1)
    area = masks.sum((1, 2, 3))
    solidity = area / closed.sum((1, 2, 3)).clamp(min=1)
    low, high = (share * masks.shape[-1] * masks.shape[-2] for share in SPRITE_AREA)
    shown = (area >= low) & (area <= high) & (solidity >= MIN_SOLIDITY)
    return shown.view(colour_masks.shape[:2]).all(1)


def mask_iou(predicted: torch.Tensor, target: torch.Tensor) -> float:
    """Intersection over union of two masks (values above 0.5 count as inside).

    Two empty masks give 0: a model that draws no sprite has found none.
    """
    check_tensor(predicted, "predicted")
    check_tensor(target, "target")
    if predicted.shape != target.shape:
        raise ValueError(f"expected masks of one shape, got {predicted.shape} and {target.shape}")
    a, b = predicted > 0.5, target > 0.5
    union = (a | b).sum().item()
    return (a & b).sum().item() / union if union else 0.0


def flicker(videos: torch.Tensor) -> float:
    """Mean |x_t - x_{t-1}| over every pixel and pair of neighbouring frames."""
    videos = _check_clips(videos)
    return (videos[:, 1:] - videos[:, :-1]).abs().mean().item()


def background_change(videos: torch.Tensor) -> float:
    """Mean |x_t - x_{t-1}| where neither frame shows a sprite: 0 for a still background."""
    videos = _check_clips(videos)
    masks = sprite_masks(videos)
    background = (1 - masks[:, 1:]) * (1 - masks[:, :-1])  # (N, T-1, 1, H, W)
    change = (videos[:, 1:] - videos[:, :-1]).abs().mean(2, keepdim=True)
    return ((change * background).sum() / background.sum().clamp(min=1)).item()


@dataclass
class MotionMeasures:
    """How a set of sprite clips moves, measured on each clip's sprite mask.

    ``direction_accuracy``: share of clips whose mean velocity points in the labelled direction.
    ``speed``: mean distance the centroid moves per frame (pixels).
    ``jerk``: mean |second difference| of the centroid (pixels per frame²): 0 for uniform motion.
    ``area_change``: mean relative change of the sprite's area from frame to frame (its content).
    ``visible``: share of frames with a sprite at all.
    ``shown``: share of clips with a solid sprite in every frame (see ``sprite_shown``).
    """

    direction_accuracy: float
    speed: float
    jerk: float
    area_change: float
    visible: float
    shown: float

    def line(self, name: str) -> str:
        return (
            f"{name:>28} | {self.direction_accuracy:9.1%} | {self.speed:5.2f} | {self.jerk:5.2f} | "
            f"{self.area_change:11.1%} | {self.visible:7.1%} | {self.shown:6.1%}"
        )

    @staticmethod
    def header() -> str:
        return (
            f"{'':>28} | direction | speed |  jerk | area change | visible | solid\n"
            f"{'':>28} | (labelled)| px/fr | px/fr²| per frame   | frames  | clips"
        )


def motion_measures(videos: torch.Tensor, actions: torch.Tensor) -> MotionMeasures:
    """Trajectory of each clip's sprite against its action label (see ``MotionMeasures``)."""
    colour_masks = sprite_masks(videos)
    masks = colour_masks[:, :, 0]  # (N, T, H, W)
    actions = check_one_per_item(actions, videos, "actions").cpu()
    height, width = masks.shape[-2:]
    yy, xx = torch.meshgrid(
        torch.arange(height, dtype=torch.float32) + 0.5,
        torch.arange(width, dtype=torch.float32) + 0.5,
        indexing="ij",
    )
    area = masks.sum((2, 3))  # (N, T)
    visible = area > 0
    safe_area = area.clamp(min=1)
    centroid = torch.stack(
        [(masks * yy).sum((2, 3)) / safe_area, (masks * xx).sum((2, 3)) / safe_area], -1
    )  # (N, T, 2)
    velocity = centroid[:, 1:] - centroid[:, :-1]
    both = visible[:, 1:] & visible[:, :-1]  # a step counts only where both frames show a sprite
    mean_velocity = (velocity * both[..., None]).sum(1) / both.sum(1, keepdim=True).clamp(min=1)
    direction = ACTION_DIRECTIONS[actions]  # (N, 2)
    # The labelled direction must be the mean velocity's dominant one (sign and axis).
    along = (mean_velocity * direction).sum(1)
    across = (mean_velocity * direction.flip(1)).abs().sum(1)
    correct = (along > 0) & (along > across) & both.any(1)
    acceleration = velocity[:, 1:] - velocity[:, :-1]
    all_three = visible[:, 2:] & visible[:, 1:-1] & visible[:, :-2]
    area_change = (area[:, 1:] - area[:, :-1]).abs() / torch.maximum(area[:, 1:], area[:, :-1])

    def masked_mean(values: torch.Tensor, mask: torch.Tensor) -> float:
        return (values * mask).sum().item() / max(mask.sum().item(), 1)

    return MotionMeasures(
        direction_accuracy=correct.float().mean().item(),
        speed=masked_mean(velocity.norm(dim=-1), both),
        jerk=masked_mean(acceleration.norm(dim=-1), all_three),
        area_change=masked_mean(area_change.nan_to_num(0.0), both),
        visible=visible.float().mean().item(),
        shown=_solid_in_every_frame(colour_masks).float().mean().item(),
    )


def variety(videos: torch.Tensor, labels: torch.Tensor) -> float:
    """Mean pixel distance from each clip to its nearest other clip with the same label.

    ``labels`` holds one label per clip: N class indices (e.g. actions) or N×K tokens (a caption
    per clip).  A generator that repeats one clip per label scores 0 however right its labels
    are; compare with real clips' variety under the same labels.  Labels held by one clip only
    are skipped, since a clip needs a neighbour to be measured against.
    """
    videos = _check_clips(videos).detach().float().cpu()
    labels = check_tensor(labels, "labels")
    if labels.dim() not in (1, 2) or len(labels) != len(videos):
        raise ValueError(
            f"labels: expected shape ({len(videos)},) or ({len(videos)}, K), "
            f"got {tuple(labels.shape)}"
        )
    groups = labels.cpu().reshape(len(labels), -1).unique(dim=0, return_inverse=True)[1]
    gaps = []
    for group in groups.unique():
        members = videos[groups == group].flatten(1)
        if len(members) > 1:
            distances = torch.cdist(members, members).fill_diagonal_(float("inf"))
            gaps.append(distances.min(1).values)
    if not gaps:
        raise ValueError("labels: every label is held by one clip only; variety needs pairs")
    return torch.cat(gaps).mean().item()
