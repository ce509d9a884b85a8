"""Device choice, mixed precision and seeding.

One place decides where tensors live and how they are computed, so every notebook runs
unchanged on a laptop CPU, an Apple GPU (MPS) or an NVIDIA GPU (CUDA).
"""

from __future__ import annotations

import contextlib
import os
import platform
import random
import warnings
from collections.abc import Iterator
from functools import lru_cache

import numpy as np
import torch

from ._checks import check_choice, describe

DEVICE_ENV = "COURSE_DEVICE"


def pick_device(prefer: str | None = None) -> torch.device:
    """The best available device: CUDA, then MPS, then CPU.

    ``prefer`` (or the environment variable ``COURSE_DEVICE``) forces one of
    ``"cuda"``, ``"mps"`` or ``"cpu"``; asking for one that is not available is an error.
    """
    prefer = prefer or os.environ.get(DEVICE_ENV) or None
    if prefer is None:
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    check_choice(prefer, "device", ("cuda", "mps", "cpu"))
    available = {
        "cuda": torch.cuda.is_available(),
        "mps": torch.backends.mps.is_available(),
        "cpu": True,
    }
    if not available[prefer]:
        raise RuntimeError(f"device {prefer!r} was requested but is not available on this machine")
    return torch.device(prefer)


@lru_cache(maxsize=1)
def cpu_supports_bf16() -> bool:
    """Whether this CPU computes bfloat16 natively (AVX-512 BF16 or AMX), so autocast pays off."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = f.read()
    except OSError:  # not Linux: be conservative
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def describe_hardware(device: torch.device | None = None) -> str:
    """A few lines describing the software versions and the device, for the top of a notebook."""
    device = device or pick_device()
    if not isinstance(device, torch.device):
        raise TypeError(f"device: expected a torch.device, got {describe(device)}")
    lines = [
        f"python {platform.python_version()}, torch {torch.__version__}, numpy {np.__version__}",
        f"device: {device}",
    ]
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        lines.append(f"GPU: {props.name}, {props.total_memory / 2**30:.0f} GiB, bf16 autocast on")
    elif device.type == "mps":
        lines.append("GPU: Apple MPS (float32)")
    cpu_name = platform.processor() or platform.machine()
    lines.append(
        f"CPU: {cpu_name}, {os.cpu_count()} cores, torch uses {torch.get_num_threads()} threads, "
        f"bf16 support: {'yes' if cpu_supports_bf16() else 'no'}"
    )
    return "\n".join(lines)


def autocast(device: torch.device, *, cpu_bf16: bool = False) -> contextlib.AbstractContextManager:
    """Mixed precision where it helps: bfloat16 on CUDA; on CPU only when asked and supported.

    On CPU, bf16 autocast roughly doubled a DCGAN step on an AVX-512-BF16 machine but slows
    CPUs without native bf16, and changes numbers slightly, so it is opt-in (``cpu_bf16=True``).
    """
    if not isinstance(device, torch.device):
        raise TypeError(f"device: expected a torch.device, got {describe(device)}")
    if device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    if device.type == "cpu" and cpu_bf16:
        if cpu_supports_bf16():
            return torch.autocast("cpu", dtype=torch.bfloat16)
        warnings.warn(
            "cpu_bf16=True but this CPU has no native bf16: running in float32", stacklevel=2
        )
    return contextlib.nullcontext()


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and torch (all devices); return a torch generator seeded the same way.

    The same seed on the same machine gives the same numbers.  (Across machines, floating-point
    reductions may differ in the last bits.)
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
        raise ValueError(f"seed: expected an integer in [0, 2**32), got {describe(seed)}")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds CUDA and MPS
    return torch.Generator().manual_seed(seed)


@contextlib.contextmanager
def eval_mode(*modules: torch.nn.Module) -> Iterator[None]:
    """Put modules in eval mode and disable gradients for the block; restore their modes after."""
    for m in modules:
        if not isinstance(m, torch.nn.Module):
            raise TypeError(f"eval_mode: expected nn.Module arguments, got {describe(m)}")
    was_training = [m.training for m in modules]
    for m in modules:
        m.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        for m, flag in zip(modules, was_training, strict=True):
            m.train(flag)
