import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
import torch.nn as nn
from safetensors.torch import load_file

from course_utils.checkpoint import checkpoint_paths
from course_utils.training import NonFiniteLossError, train

INTERRUPTIBLE_RUN = Path(__file__).with_name("interruptible_run.py")


def make_run(seed=0, *, sigints_at=None, sigints=1):
    """A tiny regression whose step draws random data, so RNG restore matters for resume.

    With ``sigints_at=k``, step k sends itself real SIGINTs ("interrupt kernel") in its middle:
    after drawing its batch and computing gradients, before the optimizer applies them.
    """
    torch.manual_seed(seed)
    model = nn.Linear(2, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    target = torch.tensor([[2.0], [-3.0]])

    def step_fn(step):
        x = torch.randn(16, 2)
        loss = (model(x) - x @ target).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        if step == sigints_at:
            for _ in range(sigints):
                os.kill(os.getpid(), signal.SIGINT)
        optimizer.step()
        return {"loss": loss.item()}

    return model, optimizer, step_fn


def train_with_checkpoint(step_fn, steps, model, optimizer, path, **kwargs):
    return train(step_fn, steps, modules={"model": model}, optimizers={"opt": optimizer},
                 checkpoint=path, **kwargs)  # fmt: skip


def resume(path, steps, seed=0):
    """Resume in 'a fresh process' (new objects); return the model, history and steps it ran."""
    model, optimizer, step_fn = make_run(seed)
    started = []

    def recording_step(step):
        started.append(step)
        return step_fn(step)

    history = train_with_checkpoint(recording_step, steps, model, optimizer, path)
    return model, history, started


def fail_at(step_fn, bad_step, error):
    def failing_step(step):
        if step == bad_step:
            raise error
        return step_fn(step)

    return failing_step


def test_train_runs_every_step_and_records_history():
    _, _, step_fn = make_run()
    calls = []
    history = train(step_fn, 30, log_every=10, callback=lambda step, h: calls.append(step))
    assert len(history["loss"]) == 30 and history["loss"][-1] < history["loss"][0] / 10
    assert calls == [10, 20, 30]


def test_interrupt_finishes_the_step_saves_and_resumes_exactly(tmp_path):
    reference_model, _, reference_step = make_run()
    reference = train(reference_step, 20)

    model, optimizer, step_fn = make_run(sigints_at=13)
    handler_before = signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt, match="stopped after step 14/20"):
        train_with_checkpoint(step_fn, 20, model, optimizer, tmp_path / "run", checkpoint_every=5)
    assert signal.getsignal(signal.SIGINT) is handler_before, "the SIGINT handler is restored"

    # Different initial weights, then resume from the checkpoint saved after step 13 finished.
    model, history, started = resume(tmp_path / "run", 20, seed=99)
    assert started == list(range(14, 20))
    assert history["loss"] == reference["loss"]
    assert torch.equal(model.weight, reference_model.weight)


def test_a_second_interrupt_stops_at_once_and_keeps_the_last_checkpoint(tmp_path, capsys):
    model, optimizer, step_fn = make_run(sigints_at=13, sigints=2)
    with pytest.raises(KeyboardInterrupt, match="interrupted twice"):
        train_with_checkpoint(step_fn, 20, model, optimizer, tmp_path / "run", checkpoint_every=5)
    assert "stopped during step 13: nothing saved" in capsys.readouterr().out
    _, _, started = resume(tmp_path / "run", 20)
    assert started[0] == 10  # the half-applied step 13 was not saved


def test_a_keyboard_interrupt_raised_by_the_step_saves_nothing_half_done(tmp_path):
    model, optimizer, step_fn = make_run()
    with pytest.raises(KeyboardInterrupt):
        train_with_checkpoint(
            fail_at(step_fn, 13, KeyboardInterrupt), 20, model, optimizer, tmp_path / "run",
            checkpoint_every=5,
        )  # fmt: skip
    _, _, started = resume(tmp_path / "run", 20)
    assert started[0] == 10


def start_run(checkpoint, steps):
    return subprocess.Popen(
        [sys.executable, str(INTERRUPTIBLE_RUN), str(checkpoint), str(steps)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def saved_run(checkpoint):
    weights_path, state_path = checkpoint_paths(checkpoint)
    state = torch.load(state_path, weights_only=True)
    return load_file(weights_path), state["step"], state["extra"]["history"]


def test_real_sigints_at_random_moments_change_nothing(tmp_path):
    """Jupyter's "interrupt kernel" is a SIGINT that lands anywhere in a step.  Interrupt a real
    training process three times at random moments, resume it each time: the result must equal,
    bit for bit, a run that was never interrupted."""
    steps = 1500
    reference = start_run(tmp_path / "reference", steps)
    _, errors = reference.communicate(timeout=300)
    assert reference.returncode == 0, errors

    moments = random.Random(8)
    saved_steps = []
    for _ in range(3):
        run = start_run(tmp_path / "interrupted", steps)
        for line in run.stdout:  # "resumed from ..." comes first, then "training"
            if line.strip() == "training":
                break
        else:
            pytest.fail(f"the run ended before training: {run.communicate()[1]}")
        time.sleep(moments.uniform(0.05, 0.5))
        run.send_signal(signal.SIGINT)
        _, errors = run.communicate(timeout=120)
        assert run.returncode != 0 and "stopped after step" in errors, errors
        saved_steps.append(saved_run(tmp_path / "interrupted")[1])
    assert 0 < saved_steps[0] < saved_steps[1] < saved_steps[2] < steps, saved_steps
    last = start_run(tmp_path / "interrupted", steps)
    _, errors = last.communicate(timeout=300)
    assert last.returncode == 0, errors

    weights, step, history = saved_run(tmp_path / "interrupted")
    reference_weights, _, reference_history = saved_run(tmp_path / "reference")
    assert step == steps and history == reference_history
    assert weights.keys() == reference_weights.keys()
    for name, tensor in weights.items():
        assert torch.equal(tensor, reference_weights[name]), f"{name} differs after the resumes"


def test_periodic_checkpoint_survives_a_crash(tmp_path):
    model, optimizer, step_fn = make_run()
    crashing = fail_at(step_fn, 12, RuntimeError("power cut"))
    with pytest.raises(RuntimeError, match="power cut"):
        train_with_checkpoint(crashing, 20, model, optimizer, tmp_path / "run", checkpoint_every=5)
    _, _, started = resume(tmp_path / "run", 20)
    assert started[0] == 10  # the last periodic checkpoint before the crash


def test_non_finite_loss_stops_with_a_diagnosis(tmp_path):
    model, optimizer, step_fn = make_run()

    def exploding_step(step):
        values = step_fn(step)
        return {"loss": float("nan")} if step == 7 else values

    with pytest.raises(NonFiniteLossError, match=r"(?s)'loss' became nan at step 7.*learning rate"):
        train_with_checkpoint(
            exploding_step, 20, model, optimizer, tmp_path / "run", checkpoint_every=5
        )
    _, _, started = resume(tmp_path / "run", 6)
    assert started == [5]  # the last checkpoint is from step 5, before the bad values


def test_a_step_with_one_bad_loss_is_not_recorded_at_all():
    seen = {}

    def step_fn(step):
        return {"d_loss": 1.0, "g_loss": float("inf") if step == 2 else 1.0}

    with pytest.raises(NonFiniteLossError, match="'g_loss' became inf at step 2"):
        train(step_fn, 5, log_every=1, callback=lambda step, history: seen.update(history=history))
    assert {name: len(v) for name, v in seen["history"].items()} == {"d_loss": 2, "g_loss": 2}


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"step_fn": None, "steps": 5}, TypeError, "step_fn: expected a function"),
        ({"steps": -1}, ValueError, "steps: expected an integer >= 0"),
        ({"steps": 5, "checkpoint": "x"}, ValueError, "saving needs the modules"),
        ({"steps": 5, "log_every": 0}, ValueError, "log_every: expected an integer >= 1"),
    ],
)
def test_bad_arguments_are_rejected(kwargs, error, message):
    kwargs = {"step_fn": lambda step: {"loss": 1.0}, **kwargs}
    with pytest.raises(error, match=message):
        train(**kwargs)


def test_zero_steps_train_nothing():
    calls = []
    assert train(lambda step: calls.append(step) or {"loss": 1.0}, 0) == {}
    assert calls == []


def test_step_must_return_losses():
    with pytest.raises(TypeError, match="must return a non-empty dict"):
        train(lambda step: 1.0, 3)  # type: ignore[arg-type,return-value]


KERNEL_TRAINING = """
import time, torch
from course_utils.training import train
torch.manual_seed(0)
model = torch.nn.Linear(4, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

def slow_step(step):
    x = torch.randn(8, 4)
    loss = model(x).pow(2).mean()
    optimizer.zero_grad()
    loss.backward()
    time.sleep(0.02)  # the interrupt lands here, mid-step, most of the time
    optimizer.step()
    return {"loss": loss.item()}

print("training", flush=True)
history = train(slow_step, 150, modules={"model": model}, optimizers={"opt": optimizer},
                checkpoint=CHECKPOINT)
print("finished", len(history["loss"]))
"""


def run_cell(client, code, *, interrupt_after_training_starts=None):
    """Execute ``code`` in a kernel; return (printed text, error name or None)."""
    message_id = client.execute(code)
    printed, error = "", None
    while True:
        message = client.get_iopub_msg(timeout=120)
        if message["parent_header"].get("msg_id") != message_id:
            continue
        kind, content = message["msg_type"], message["content"]
        if kind == "stream" and content["name"] == "stdout":
            printed += content["text"]
            if interrupt_after_training_starts and "training" in printed:
                time.sleep(0.5)
                interrupt_after_training_starts()
                interrupt_after_training_starts = None
        elif kind == "error":
            error = f"{content['ename']}: {content['evalue']}"
        elif kind == "status" and content["execution_state"] == "idle":
            return printed, error


def test_interrupt_kernel_in_jupyter_then_run_again_resumes(tmp_path):
    """The student's path: "interrupt kernel" on a training cell, then run the cell again."""
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="course")
    try:
        code = f"CHECKPOINT = {str(tmp_path / 'run')!r}\n{KERNEL_TRAINING}"
        printed, error = run_cell(
            client, code, interrupt_after_training_starts=manager.interrupt_kernel
        )
        assert error and error.startswith("KeyboardInterrupt: stopped after step"), (printed, error)
        assert "interrupt received: finishing this step" in printed
        printed, error = run_cell(client, code)
        assert error is None and "resumed from" in printed and "finished 150" in printed, printed
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
