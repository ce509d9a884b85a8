"""Pictures: image grids, loss curves, a live training plot, and videos as animations.

Every function takes images as tensors in [-1, 1] and works headless (no front end attached):
figures are returned, live plots simply keep their last figure.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.animation import FuncAnimation
from matplotlib.figure import Figure

from ._checks import check_images, check_positive_int


def to_unit_interval(images: torch.Tensor) -> np.ndarray:
    """Tensor values in [-1, 1] → a NumPy array in [0, 1], the range matplotlib and PIL expect."""
    return ((images.detach().float().cpu().clamp(-1, 1) + 1) / 2).numpy()


def to_numpy_image(image: torch.Tensor) -> np.ndarray:
    """C×H×W in [-1, 1] → H×W (grey) or H×W×3 array in [0, 1] for matplotlib."""
    array = to_unit_interval(image)
    return array[0] if array.shape[0] == 1 else array.transpose(1, 2, 0)


def make_grid(images: torch.Tensor, nrow: int | None = None, padding: int = 1) -> np.ndarray:
    """Tile N×C×H×W images (in [-1, 1]) into one array in [0, 1], ``nrow`` images per row."""
    check_images(images, "images")
    n, c, h, w = images.shape
    nrow = nrow or math.ceil(math.sqrt(n))
    check_positive_int(nrow, "nrow")
    rows = math.ceil(n / nrow)
    grid = np.ones((c, rows * (h + padding) + padding, nrow * (w + padding) + padding), np.float32)
    for i, tile in enumerate(to_unit_interval(images)):
        top, left = padding + (i // nrow) * (h + padding), padding + (i % nrow) * (w + padding)
        grid[:, top : top + h, left : left + w] = tile
    return grid[0] if c == 1 else grid.transpose(1, 2, 0)


def show_grid(
    images: torch.Tensor,
    nrow: int | None = None,
    *,
    title: str | None = None,
    ax: plt.Axes | None = None,
    scale: float = 1.0,
) -> plt.Figure:
    """Draw N×C×H×W images (in [-1, 1]) as a grid; returns the figure.

    The figure is about 1 inch per 50 grid pixels (times ``scale``), at most 12 inches wide.
    """
    grid = make_grid(images, nrow)
    if ax is None:
        height, width = grid.shape[:2]
        inches_per_pixel = min(scale / 50, 12 / width)
        _, ax = plt.subplots(
            figsize=(max(1.0, width * inches_per_pixel), max(1.0, height * inches_per_pixel))
        )
    ax.imshow(grid, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return figure_of(ax)


def save_grid(
    images: torch.Tensor,
    path: str | os.PathLike,
    nrow: int | None = None,
    *,
    title: str | None = None,
) -> Path:
    """Save N×C×H×W images (in [-1, 1]) as a PNG grid."""
    fig = show_grid(images, nrow, title=title)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return path


def figure_of(ax: plt.Axes) -> Figure:
    """The top-level figure that holds ``ax``."""
    figure = ax.get_figure(root=True)
    assert isinstance(figure, Figure)
    return figure


def moving_average(values: Sequence[float], window: int) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if window <= 1 or len(array) < window:
        return array
    return np.convolve(array, np.ones(window) / window, mode="valid")


def plot_curves(
    history: Mapping[str, Sequence[float]],
    *,
    smooth: int = 1,
    logy: bool = False,
    title: str | None = None,
    ax: plt.Axes | None = None,
) -> plt.Figure:
    """Plot each curve of ``history`` against its step; ``smooth`` > 1 adds a moving average."""
    if not isinstance(history, Mapping) or not history:
        raise ValueError(
            f"history: expected a non-empty dict {{name: list of values}}, got {history!r}"
        )
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.2))
    for name, values in history.items():
        if smooth > 1 and len(values) >= smooth:
            line = ax.plot(values, alpha=0.25)[0]
            ax.plot(
                np.arange(smooth - 1, len(values)),
                moving_average(values, smooth),
                color=line.get_color(),
                label=name,
            )
        else:
            ax.plot(values, label=name)
    ax.set_xlabel("step")
    if logy:
        ax.set_yscale("log")
    ax.legend()
    ax.grid(alpha=0.3)
    if title:
        ax.set_title(title)
    figure = figure_of(ax)
    figure.tight_layout()
    return figure


class LivePlot:
    """Loss curves that redraw in place while training; use as ``train(..., callback=live)``.

    Redraws at most every ``every_s`` seconds (drawing is slow on a CPU) and always at
    ``total_steps``.  Pass ``draw(step, history) -> Figure`` to show something other than the
    loss curves (e.g. densities).  It runs on a timer, so it must not draw from the global random
    generators (give it a seeded ``torch.Generator``): otherwise how often it ran would change
    the training's random numbers.  Without a notebook front end nothing is displayed;
    ``figure`` holds the latest drawing either way.
    """

    def __init__(
        self,
        total_steps: int,
        *,
        every_s: float = 3.0,
        smooth: int = 20,
        logy: bool = False,
        title: str | None = None,
        draw: Callable[[int, Mapping[str, Sequence[float]]], Figure] | None = None,
    ):
        self.total_steps = check_positive_int(total_steps, "total_steps", minimum=0)
        if draw is not None and not callable(draw):
            raise TypeError(f"draw: expected a function (step, history) -> Figure, got {draw!r}")
        self.draw = draw
        self.every_s, self.smooth, self.logy, self.title = every_s, smooth, logy, title
        self.figure: plt.Figure | None = None
        self._handle = None
        self._last_draw = -math.inf

    def __call__(self, step: int, history: Mapping[str, Sequence[float]]) -> None:
        now = time.monotonic()
        if step < self.total_steps and now - self._last_draw < self.every_s:
            return
        self._last_draw = now
        if self.figure is not None:
            plt.close(self.figure)
        if self.draw is not None:
            self.figure = self.draw(step, history)
        else:
            self.figure = plot_curves(history, smooth=self.smooth, logy=self.logy, title=self.title)
        plt.close(self.figure)  # keep the inline backend from drawing it a second time
        try:
            from IPython import get_ipython
            from IPython.display import display
        except ImportError:
            return
        if get_ipython() is None:
            return
        if self._handle is None:
            self._handle = display(self.figure, display_id=True)
        else:
            self._handle.update(self.figure)


def show_video(frames: torch.Tensor, *, fps: int = 8, scale: float = 2.0):
    """A T×C×H×W clip (in [-1, 1]) as an inline HTML animation (notebooks and the gallery)."""
    from IPython.display import HTML

    check_images(frames, "frames")
    check_positive_int(fps, "fps")
    pictures = [to_numpy_image(frame) for frame in frames]
    height, width = pictures[0].shape[:2]
    fig, ax = plt.subplots(
        figsize=(scale * width / max(height, width), scale * height / max(height, width))
    )
    ax.set_axis_off()
    shown = ax.imshow(pictures[0], cmap="gray", vmin=0, vmax=1, interpolation="nearest")

    def draw_frame(i: int) -> list:
        shown.set_data(pictures[i])
        return [shown]

    animation = FuncAnimation(fig, draw_frame, frames=len(pictures), interval=1000 / fps)
    html = animation.to_jshtml(default_mode="loop")
    plt.close(fig)
    return HTML(html)


def save_gif(
    frames: torch.Tensor, path: str | os.PathLike, *, fps: int = 8, scale: int = 4
) -> Path:
    """Save a T×C×H×W clip (in [-1, 1]) as a looping GIF, each pixel enlarged ``scale`` times."""
    from PIL import Image

    check_images(frames, "frames")
    check_positive_int(fps, "fps")
    pictures = [
        Image.fromarray((to_numpy_image(frame) * 255).round().astype(np.uint8)).resize(
            (frame.shape[-1] * scale, frame.shape[-2] * scale), Image.Resampling.NEAREST
        )
        for frame in frames
    ]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pictures[0].save(
        path, save_all=True, append_images=pictures[1:], duration=round(1000 / fps), loop=0
    )
    return path


def show_stories(
    stories: torch.Tensor,
    sentences: Sequence[Sequence[str]],
    *,
    row_titles: Sequence[str] | None = None,
    title: str | None = None,
    scale: float = 1.6,
) -> Figure:
    """Draw N×T×C×H×W stories one per row, each frame above its sentence; returns the figure.

    ``sentences[n][t]`` is printed under frame ``t`` of story ``n`` (wrapped to the frame's
    width); ``row_titles`` label the rows on the left.
    """
    import textwrap

    stories = check_images(stories, "stories", ndim=5)
    n, frames = stories.shape[:2]
    if len(sentences) != n or any(len(row) != frames for row in sentences):
        shape = [len(row) for row in sentences]
        raise ValueError(
            f"sentences: expected {n} rows of {frames} sentences (one per frame), got {shape}"
        )
    if row_titles is not None and len(row_titles) != n:
        raise ValueError(f"row_titles: expected {n} titles, got {len(row_titles)}")
    fig, axes = plt.subplots(n, frames, figsize=(scale * frames, scale * 1.45 * n), squeeze=False)
    for story in range(n):
        for t in range(frames):
            ax = axes[story, t]
            ax.imshow(to_numpy_image(stories[story, t]), interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_xlabel(textwrap.fill(sentences[story][t], 22), fontsize=8)
        if row_titles is not None:
            axes[story, 0].set_ylabel(textwrap.fill(row_titles[story], 18), fontsize=9)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
