"""A small training-loop helper: progress bar, non-finite guard, periodic checkpoints, resume.

The training *step* stays in the notebook, where students read it; this loop only calls it::

    def train_step(step):
        ...forward, loss, backward, optimizer step...
        return {"loss": loss.item()}

    history = train(train_step, steps=1000, modules={"model": model},
                    optimizers={"opt": opt}, checkpoint="build/run")

Interrupt the kernel and the step in progress finishes, is saved, and training stops; run the
cell again and it resumes exactly where it stopped, as if it had never been interrupted.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import threading
from collections.abc import Callable, Iterator, Mapping
from types import FrameType

import torch
from tqdm.auto import tqdm

from ._checks import check_positive_int
from .checkpoint import checkpoint_paths, load_checkpoint, save_checkpoint

History = dict[str, list[float]]
StepFn = Callable[[int], Mapping[str, float]]


class NonFiniteLossError(FloatingPointError):
    """A loss became NaN or infinite; training stopped before the bad values spread."""


def _diagnose(name: str, value: float, step: int, history: History) -> str:
    recent = ", ".join(f"{k}={v[-1]:.4g}" for k, v in history.items() if v) or "none yet"
    return (
        f"loss {name!r} became {value} at step {step}. Last finite values: {recent}. "
        "Common causes: a learning rate that is too high, log(0) or division by zero in a "
        "hand-written loss, or inputs outside the range the model expects. "
        "No checkpoint was written after the bad step."
    )


def train(
    step_fn: StepFn,
    steps: int,
    *,
    modules: Mapping[str, torch.nn.Module] | None = None,
    optimizers: Mapping[str, torch.optim.Optimizer] | None = None,
    checkpoint: str | os.PathLike | None = None,
    checkpoint_every: int = 0,
    log_every: int = 10,
    callback: Callable[[int, History], None] | None = None,
    desc: str = "training",
) -> History:
    """Call ``step_fn(step)`` for ``step`` in ``range(start, steps)`` and return the loss history.

    ``step_fn`` returns a dict of floats (e.g. ``{"d_loss": ..., "g_loss": ...}``); every value
    must stay finite.  With ``checkpoint`` (a path stem) the loop resumes from an existing
    checkpoint, saves every ``checkpoint_every`` steps and at the end.  Ctrl-C (Jupyter's
    "interrupt kernel") lets the step in progress finish, saves, then raises
    ``KeyboardInterrupt``: resuming gives bit for bit the run that was never interrupted.  A
    second Ctrl-C stops at once and keeps the last checkpoint.  ``callback(step, history)``
    runs every ``log_every`` steps (e.g. a live plot's update).
    """
    if not callable(step_fn):
        raise TypeError(f"step_fn: expected a function step -> dict of losses, got {step_fn!r}")
    check_positive_int(steps, "steps", minimum=0)  # 0: nothing to train (the untrained profile)
    check_positive_int(log_every, "log_every")
    check_positive_int(checkpoint_every, "checkpoint_every", minimum=0)
    if checkpoint is not None and not modules:
        raise ValueError("checkpoint: saving needs the modules to save, got modules=None")

    history: History = {}
    start = 0
    if checkpoint is not None and checkpoint_paths(checkpoint)[1].is_file():
        info = load_checkpoint(checkpoint, modules, optimizers)  # type: ignore[arg-type]
        start, history = info.step, info.extra.get("history", {})
        print(f"resumed from {checkpoint} at step {start}/{steps}")

    def save(step: int) -> None:
        if checkpoint is not None:
            save_checkpoint(checkpoint, modules, optimizers, step=step, extra={"history": history})  # type: ignore[arg-type]

    step = start
    # At most two redraws a second: a notebook that trains several models in one cell would
    # otherwise flood the kernel's output channel with widget updates (nbval lost its end).
    with (
        _finish_step_on_interrupt() as interrupt,
        tqdm(total=steps, initial=start, desc=desc, dynamic_ncols=True, mininterval=0.5) as bar,
    ):
        try:
            for step in range(start, steps):
                values = step_fn(step)
                if not isinstance(values, Mapping) or not values:
                    raise TypeError(
                        f"step_fn must return a non-empty dict of losses, got {values!r}"
                    )
                values = {name: float(value) for name, value in values.items()}
                for name, value in values.items():
                    if not math.isfinite(value):
                        raise NonFiniteLossError(_diagnose(name, value, step, history))
                for name, value in values.items():  # all finite: record the whole step
                    history.setdefault(name, []).append(value)
                bar.update(1)
                done = step + 1
                if done % log_every == 0 or done == steps:
                    bar.set_postfix({k: f"{v[-1]:.4f}" for k, v in history.items()}, refresh=False)
                    if callback is not None:
                        callback(done, history)
                if interrupt.requested:
                    break
                if checkpoint_every and done % checkpoint_every == 0 and done < steps:
                    save(done)
        except KeyboardInterrupt:
            # Stopped mid-step (a second Ctrl-C): the step may be half applied, so keep the
            # last checkpoint, which was written at a step boundary.
            print(f"stopped during step {step}: nothing saved since the last checkpoint")
            raise
        if interrupt.requested:
            # A step boundary: weights, optimizers, RNG and history agree with each other.
            save(step + 1)
            where = f" Saved to {checkpoint}: run again to resume." if checkpoint else ""
            raise KeyboardInterrupt(f"stopped after step {step + 1}/{steps}.{where}")
    save(steps)
    return history


class _InterruptRequest:
    requested = False


@contextlib.contextmanager
def _finish_step_on_interrupt() -> Iterator[_InterruptRequest]:
    """While active, Ctrl-C (SIGINT, Jupyter's "interrupt kernel") lets the step in progress
    finish: the first one only sets ``requested``; a second one raises ``KeyboardInterrupt`` at
    once.  The previous handler is restored afterwards.  Signals reach only the main thread, so
    elsewhere nothing is installed and Ctrl-C behaves as usual.
    """
    request = _InterruptRequest()
    if threading.current_thread() is not threading.main_thread():
        yield request
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        if request.requested:
            raise KeyboardInterrupt("interrupted twice: stopped at once")
        request.requested = True
        print(
            "interrupt received: finishing this step, then stopping (interrupt again to stop now)"
        )

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield request
    finally:
        signal.signal(signal.SIGINT, previous)
