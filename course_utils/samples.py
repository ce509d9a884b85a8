"""A notebook's final samples: ``samples.safetensors`` and a picture or animation in ``OUTPUT_DIR``.

Anyone can judge a model from these files without running its code; the gallery shows them.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path

import torch
from matplotlib.figure import Figure
from safetensors.torch import load_file, save_file

from ._checks import check_images, check_one_per_item, check_positive_int, check_tensor
from .checkpoint import atomic_write
from .viz import save_grid

# A wider picture is unreadable in the gallery at any zoom; every sample stays in the tensor file.
MAX_PICTURE_COLUMNS = 16


def _images_and_labels(
    images: torch.Tensor, labels: torch.Tensor | None
) -> dict[str, torch.Tensor]:
    """The tensors to save: ``images`` and, when given, ``labels`` with one per image."""
    tensors = {"images": images.detach().float().cpu().contiguous()}
    if labels is not None:
        check_one_per_item(labels, images, "labels")
        tensors["labels"] = labels.detach().cpu().contiguous()
    return tensors


def _add_conditions(
    tensors: dict[str, torch.Tensor], conditions: Mapping[str, torch.Tensor], *, as_float: bool
) -> None:
    """Add each conditioning tensor (one row per image, a name not taken yet) to ``tensors``."""
    rows = len(tensors["images"])
    for name, tensor in conditions.items():
        check_tensor(tensor, name)
        if name in tensors or len(tensor) != rows:
            raise ValueError(
                f"conditions[{name!r}]: expected a new name and {rows} rows, got "
                f"{'a taken name' if name in tensors else f'{len(tensor)} rows'}"
            )
        tensors[name] = (tensor.float() if as_float else tensor).detach().cpu().contiguous()


def _write(output_dir: Path, tensors: dict[str, torch.Tensor]) -> Path:
    path = output_dir / "samples.safetensors"
    atomic_write(path, lambda tmp: save_file(tensors, str(tmp)))
    return path


def save_samples(
    output_dir: str | os.PathLike,
    images: torch.Tensor,
    labels: torch.Tensor | None = None,
    *,
    nrow: int | None = None,
    title: str | None = None,
    conditions: Mapping[str, torch.Tensor] | None = None,
    picture: torch.Tensor | None = None,
) -> Path:
    """Write ``images`` (N×C×H×W in [-1, 1]) and optional ``labels`` (N) to ``output_dir``.

    Creates ``samples.safetensors`` (tensors ``images`` and ``labels``) and ``samples.png``, a grid
    of ``picture`` (default: all ``images``) at most 16 columns wide.  ``conditions`` adds other
    conditioning, one tensor per name with N rows (e.g. the ``inputs`` of an image-to-image
    model), saved beside ``images``.
    """
    check_images(images, "images")
    if nrow is not None and nrow > MAX_PICTURE_COLUMNS:
        raise ValueError(
            f"nrow: expected at most {MAX_PICTURE_COLUMNS} columns (pass picture= a subset of the "
            f"images to draw), got {nrow}"
        )
    shown = images if picture is None else check_images(picture, "picture")
    nrow = nrow or min(MAX_PICTURE_COLUMNS, math.ceil(math.sqrt(len(shown))))
    tensors = _images_and_labels(images, labels)
    _add_conditions(tensors, conditions or {}, as_float=True)
    path = _write(Path(output_dir), tensors)
    save_grid(shown.detach().float().cpu(), path.parent / "samples.png", nrow=nrow, title=title)
    return path


def save_video_samples(
    output_dir: str | os.PathLike,
    videos: torch.Tensor,
    labels: torch.Tensor | None = None,
    *,
    conditions: Mapping[str, torch.Tensor] | None = None,
    nrow: int = 4,
    shown: int = 16,
    fps: int = 6,
) -> Path:
    """Write clips (N×T×C×H×W in [-1, 1]) and optional ``labels`` (N) to ``output_dir``.

    Creates ``samples.safetensors`` (tensors ``images``, ``labels`` and one tensor per name of
    ``conditions``, each with N rows and kept as it is, e.g. captions as word ids) and a grid of
    the first ``shown`` clips as ``samples.gif`` and ``samples.mp4``.
    """
    from .video import save_clips

    check_images(videos, "videos", ndim=5)
    check_positive_int(shown, "shown")
    tensors = _images_and_labels(videos, labels)
    _add_conditions(tensors, conditions or {}, as_float=False)
    path = _write(Path(output_dir), tensors)
    save_clips(tensors["images"][:shown], path.parent / "samples", nrow=nrow, fps=fps)
    return path


def save_story_samples(
    output_dir: str | os.PathLike,
    stories: torch.Tensor,
    conditions: Mapping[str, torch.Tensor],
    picture: Figure,
) -> Path:
    """Write stories (N×T×C×H×W in [-1, 1]) and what they were drawn from to ``output_dir``.

    Creates ``samples.safetensors`` (tensor ``images`` and one tensor per name of ``conditions``,
    each with N rows, e.g. a story's sentences as word ids) and ``samples.png`` from ``picture``,
    a figure of stories with their sentences (``viz.show_stories``).
    """
    check_images(stories, "stories", ndim=5)
    tensors = _images_and_labels(stories, None)
    _add_conditions(tensors, conditions, as_float=False)  # word ids stay integers
    path = _write(Path(output_dir), tensors)
    picture.savefig(path.parent / "samples.png", dpi=80)
    return path


def load_samples(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """Read a ``samples.safetensors`` file (or the folder holding one)."""
    path = Path(path)
    if path.is_dir():
        path = path / "samples.safetensors"
    if not path.is_file():
        raise FileNotFoundError(f"no samples file at {path}")
    return load_file(str(path))
