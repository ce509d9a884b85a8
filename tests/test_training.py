import pytest
import torch
import torch.nn as nn

from course_utils.training import NonFiniteLossError, train


def make_run(seed=0):
    """A tiny regression whose step draws random data, so RNG restore matters for resume."""
    torch.manual_seed(seed)
    model = nn.Linear(2, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    target = torch.tensor([[2.0], [-3.0]])

    def step_fn(step):
        x = torch.randn(16, 2)
        loss = (model(x) - x @ target).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
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


def test_resume_after_an_interruption_continues_from_the_saved_step(tmp_path):
    reference_model, _, reference_step = make_run()
    reference = train(reference_step, 20)

    model, optimizer, step_fn = make_run()
    interrupted = fail_at(step_fn, 13, KeyboardInterrupt)  # "interrupt kernel" before step 13
    with pytest.raises(KeyboardInterrupt):
        train_with_checkpoint(
            interrupted, 20, model, optimizer, tmp_path / "run", checkpoint_every=5
        )

    # Different initial weights, then resume from the checkpoint saved at the interruption.
    model, history, started = resume(tmp_path / "run", 20, seed=99)
    assert started == list(range(13, 20))
    assert history["loss"] == pytest.approx(reference["loss"])
    assert torch.equal(model.weight, reference_model.weight)


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
        ({"steps": 0}, ValueError, "steps: expected an integer >= 1"),
        ({"steps": 5, "checkpoint": "x"}, ValueError, "saving needs the modules"),
        ({"steps": 5, "log_every": 0}, ValueError, "log_every: expected an integer >= 1"),
    ],
)
def test_bad_arguments_are_rejected(kwargs, error, message):
    kwargs = {"step_fn": lambda step: {"loss": 1.0}, **kwargs}
    with pytest.raises(error, match=message):
        train(**kwargs)


def test_step_must_return_losses():
    with pytest.raises(TypeError, match="must return a non-empty dict"):
        train(lambda step: 1.0, 3)  # type: ignore[arg-type,return-value]
