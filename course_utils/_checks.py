"""Input validation shared by the helpers: every error says what was expected and what was given."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

import torch


def describe(x: object) -> str:
    """A short description of a value for error messages (type, and shape/dtype for tensors)."""
    if isinstance(x, torch.Tensor):
        return f"a {x.dtype} tensor of shape {tuple(x.shape)}"
    return f"{type(x).__name__} {x!r}"[:120]


def check_tensor(x: object, name: str) -> torch.Tensor:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name}: expected a torch.Tensor, got {describe(x)}")
    return x


def check_images(
    x: object,
    name: str = "images",
    *,
    ndim: int | Iterable[int] = 4,
    channels: Iterable[int] | None = (1, 3),
    value_range: tuple[float, float] | None = (-1.0, 1.0),
    tolerance: float = 1e-3,
) -> torch.Tensor:
    """Check that ``x`` is a floating-point image tensor of the expected rank, channels and range.

    ``ndim`` 4 means N×C×H×W, 5 means N×T×C×H×W, 3 means C×H×W.  Values may exceed
    ``value_range`` by ``tolerance`` (float round-off), no more.
    """
    x = check_tensor(x, name)
    allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
    layouts = {3: "C×H×W", 4: "N×C×H×W", 5: "N×T×C×H×W"}
    if x.ndim not in allowed:
        wanted = " or ".join(layouts.get(d, f"{d}-D") for d in allowed)
        raise ValueError(f"{name}: expected a {wanted} tensor, got {describe(x)}")
    if not x.is_floating_point():
        raise TypeError(f"{name}: expected a floating-point tensor, got {describe(x)}")
    if channels is not None:
        channels = tuple(channels)
        if x.shape[-3] not in channels:
            raise ValueError(
                f"{name}: expected {' or '.join(map(str, channels))} channels in dimension "
                f"{x.ndim - 3}, got {describe(x)}"
            )
    if x.numel() == 0:
        raise ValueError(f"{name}: expected at least one image, got {describe(x)}")
    if not torch.isfinite(x).all():
        raise ValueError(f"{name}: expected finite values, got NaN or inf in {describe(x)}")
    if value_range is not None:
        low, high = value_range
        x_min, x_max = x.min().item(), x.max().item()
        if x_min < low - tolerance or x_max > high + tolerance:
            raise ValueError(
                f"{name}: expected values in [{low}, {high}], got [{x_min:.3g}, {x_max:.3g}] "
                f"(convert with x * 2 - 1 from [0, 1], or x / 127.5 - 1 from [0, 255])"
            )
    return x


def check_one_per_item(labels: object, items: torch.Tensor, name: str) -> torch.Tensor:
    """``labels`` as a tensor of shape (N,): one for each of the N ``items`` (images, clips)."""
    labels = check_tensor(labels, name)
    if labels.shape != items.shape[:1]:
        raise ValueError(f"{name}: expected shape ({len(items)},), got {tuple(labels.shape)}")
    return labels


def check_same_shape(a: torch.Tensor, b: torch.Tensor, names: str = "pred and target") -> None:
    if a.shape != b.shape:
        raise ValueError(
            f"{names}: expected the same shape, got {tuple(a.shape)} and {tuple(b.shape)}"
        )


def check_positive_int(value: object, name: str, *, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name}: expected an integer >= {minimum}, got {describe(value)}")
    return value


T = TypeVar("T")


def check_choice(value: T, name: str, choices: Iterable[object]) -> T:
    choices = tuple(choices)
    if value not in choices:
        raise ValueError(f"{name}: expected one of {', '.join(map(repr, choices))}, got {value!r}")
    return value
