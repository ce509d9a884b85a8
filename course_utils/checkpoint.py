"""Safe checkpoints: model weights as safetensors, training state as a ``weights_only`` file.

A checkpoint named ``run`` is two files, each written atomically (temporary file, then rename):

* ``run.safetensors``: every module's weights.  safetensors holds raw tensors only, so loading
  it can never run code.
* ``run.state.pt``: step, optimizer state, RNG states and a small ``extra`` dict, saved with
  ``torch.save`` and loaded with ``weights_only=True``, which refuses anything but tensors and
  plain Python containers.  It records the SHA-256 of the weights file, so a truncated,
  tampered or mismatched pair is refused with a clear error.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import random
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from ._checks import describe

FORMAT_VERSION = 1


class CheckpointError(RuntimeError):
    """A checkpoint file is missing, damaged, tampered with, or does not fit the model."""


@dataclass
class CheckpointInfo:
    step: int
    extra: dict[str, Any] = field(default_factory=dict)


def checkpoint_paths(path: str | os.PathLike) -> tuple[Path, Path]:
    """The (weights, state) file pair for a checkpoint path given with or without a suffix."""
    path = Path(path)
    stem = path.name
    for suffix in (".safetensors", ".state.pt"):
        stem = stem.removesuffix(suffix)
    return path.parent / f"{stem}.safetensors", path.parent / f"{stem}.state.pt"


def atomic_write(path: Path, write: Callable[[Path], object]) -> None:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it over ``path``.

    A crash or Ctrl-C mid-write leaves the previous file intact, never a half-written one.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_modules(modules: object) -> Mapping[str, torch.nn.Module]:
    if (
        not isinstance(modules, Mapping)
        or not modules
        or not all(
            isinstance(k, str) and "." not in k and isinstance(v, torch.nn.Module)
            for k, v in modules.items()
        )
    ):
        raise TypeError(
            "modules: expected a non-empty dict {name: nn.Module} with names without dots, "
            f"got {describe(modules)}"
        )
    return modules


def rng_state() -> dict[str, Any]:
    numpy_state = cast(tuple, np.random.get_state(legacy=True))  # (name, keys, pos, ...)
    return {
        "python": random.getstate(),
        "numpy": (
            numpy_state[0],
            torch.from_numpy(numpy_state[1].astype(np.int64)),
            *numpy_state[2:],
        ),
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }


def set_rng_state(state: Mapping[str, Any]) -> None:
    random.setstate(state["python"])
    name, keys, *rest = state["numpy"]
    np.random.set_state((name, keys.numpy().astype(np.uint32), *rest))
    torch.set_rng_state(state["torch"])
    if state["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_weights(
    path: str | os.PathLike,
    modules: Mapping[str, torch.nn.Module],
    *,
    dtype: torch.dtype | None = None,
) -> Path:
    """Write the modules' weights to ``path`` (a .safetensors file), atomically.

    ``dtype`` (e.g. ``torch.float16``) stores the floating-point tensors in that precision, half
    the bytes of float32; ``load_weights`` casts them back to the model's own precision.
    """
    check_modules(modules)
    if dtype is not None and not dtype.is_floating_point:
        raise ValueError(
            f"dtype: expected a floating-point dtype such as torch.float16, got {dtype}"
        )

    def stored(value: torch.Tensor) -> torch.Tensor:
        value = value.detach().cpu()
        if dtype is not None and value.is_floating_point():
            value = value.to(dtype)
        return value.contiguous()

    tensors = {
        f"{name}.{key}": stored(value)
        for name, module in modules.items()
        for key, value in module.state_dict().items()
    }
    path = Path(path)
    atomic_write(
        path, lambda tmp: save_file(tensors, str(tmp), metadata={"format": "course-utils"})
    )
    return path


def load_weights(
    path: str | os.PathLike, modules: Mapping[str, torch.nn.Module], *, subset: bool = False
) -> None:
    """Load weights written by ``save_weights`` into ``modules`` (strict: every key must match).

    The file must hold exactly ``modules``, unless ``subset=True``: then it may hold more modules,
    left unread (a notebook that loads its shipped networks section by section).
    """
    check_modules(modules)
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"no weights file at {path}")
    try:
        tensors = load_file(str(path))
    except (SafetensorError, OSError, ValueError) as error:
        raise CheckpointError(
            f"{path} is not a readable safetensors file (truncated or damaged?): {error}"
        ) from error
    for name, module in modules.items():
        prefix = f"{name}."
        state = {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}
        try:
            module.load_state_dict(state, strict=True)
        except RuntimeError as error:
            raise CheckpointError(
                f"{path}: weights for {name!r} do not fit the model: {error}"
            ) from error
    unknown = {k.split(".", 1)[0] for k in tensors} - set(modules)
    if unknown and not subset:
        raise CheckpointError(f"{path} holds weights for {sorted(unknown)}, which were not given")


def save_checkpoint(
    path: str | os.PathLike,
    modules: Mapping[str, torch.nn.Module],
    optimizers: Mapping[str, torch.optim.Optimizer] | None = None,
    *,
    step: int,
    extra: Mapping[str, Any] | None = None,
) -> Path:
    """Save weights, optimizer states, the step, RNG states and ``extra`` (plain data only)."""
    weights_path, state_path = checkpoint_paths(path)
    save_weights(weights_path, modules)
    state = {
        "format_version": FORMAT_VERSION,
        "step": int(step),
        "weights_sha256": sha256_of(weights_path),
        "optimizers": {name: opt.state_dict() for name, opt in (optimizers or {}).items()},
        "rng": rng_state(),
        "extra": dict(extra or {}),
    }
    atomic_write(state_path, lambda tmp: torch.save(state, tmp))
    return weights_path


def load_checkpoint(
    path: str | os.PathLike,
    modules: Mapping[str, torch.nn.Module],
    optimizers: Mapping[str, torch.optim.Optimizer] | None = None,
    *,
    restore_rng: bool = True,
) -> CheckpointInfo:
    """Restore a checkpoint written by ``save_checkpoint``; never unpickles arbitrary objects."""
    weights_path, state_path = checkpoint_paths(path)
    if not state_path.is_file():
        raise CheckpointError(f"no training state at {state_path}")
    try:
        state = torch.load(state_path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        raise CheckpointError(
            f"refusing to load {state_path}: it contains objects other than tensors and plain "
            f"containers, which could run code when unpickled ({error})"
        ) from error
    except (RuntimeError, EOFError, OSError) as error:
        raise CheckpointError(
            f"{state_path} is not a readable checkpoint (truncated?): {error}"
        ) from error
    if not isinstance(state, dict) or state.get("format_version") != FORMAT_VERSION:
        raise CheckpointError(f"{state_path} is not a course checkpoint of format {FORMAT_VERSION}")
    if not weights_path.is_file() or sha256_of(weights_path) != state["weights_sha256"]:
        raise CheckpointError(
            f"{weights_path} is missing or does not match its state file (SHA-256 differs): "
            "the weights were truncated, modified, or belong to another checkpoint"
        )
    load_weights(weights_path, modules)
    for name, optimizer in (optimizers or {}).items():
        if name not in state["optimizers"]:
            raise CheckpointError(f"{state_path} has no state for optimizer {name!r}")
        optimizer.load_state_dict(state["optimizers"][name])
    if restore_rng:
        set_rng_state(state["rng"])
    return CheckpointInfo(step=state["step"], extra=state["extra"])
