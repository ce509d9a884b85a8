import pickle

import pytest
import torch
import torch.nn as nn

from course_utils.checkpoint import (
    CheckpointError,
    checkpoint_paths,
    load_checkpoint,
    load_weights,
    save_checkpoint,
    save_weights,
)


def make_model_and_optimizer(seed=0):
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 1))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    return model, optimizer


def take_a_step(model, optimizer):
    loss = model(torch.randn(8, 3)).pow(2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


def test_round_trip_restores_weights_optimizer_step_rng_and_extra(tmp_path):
    model, optimizer = make_model_and_optimizer()
    take_a_step(model, optimizer)
    save_checkpoint(
        tmp_path / "run",
        {"model": model},
        {"opt": optimizer},
        step=7,
        extra={"history": {"loss": [1.0, 0.5]}},
    )
    expected_next_draw = torch.rand(3)

    restored, restored_optimizer = make_model_and_optimizer(seed=1)
    info = load_checkpoint(tmp_path / "run", {"model": restored}, {"opt": restored_optimizer})
    assert info.step == 7 and info.extra == {"history": {"loss": [1.0, 0.5]}}
    for a, b in zip(model.state_dict().values(), restored.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    assert torch.equal(torch.rand(3), expected_next_draw)  # RNG restored to the save point
    # The restored optimizer continues exactly like the original one.
    x = torch.randn(8, 3)
    for m, o in ((model, optimizer), (restored, restored_optimizer)):
        loss = m(x).pow(2).mean()
        o.zero_grad()
        loss.backward()
        o.step()
    assert torch.equal(model[0].weight, restored[0].weight)


def test_paths_accept_a_stem_or_either_file():
    stem_pair = checkpoint_paths("dir/run")
    assert (
        checkpoint_paths("dir/run.safetensors") == stem_pair == checkpoint_paths("dir/run.state.pt")
    )
    assert [p.name for p in stem_pair] == ["run.safetensors", "run.state.pt"]
    assert checkpoint_paths("dir/lr0.5")[0].name == "lr0.5.safetensors"  # dots in a stem stay


def test_no_temporary_files_are_left_behind(tmp_path):
    model, optimizer = make_model_and_optimizer()
    save_checkpoint(tmp_path / "run", {"model": model}, {"opt": optimizer}, step=1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.safetensors", "run.state.pt"]


def test_truncated_weights_are_refused(tmp_path):
    model, _ = make_model_and_optimizer()
    path = save_weights(tmp_path / "w.safetensors", {"model": model})
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(CheckpointError, match="truncated or damaged"):
        load_weights(path, {"model": model})


@pytest.fixture
def saved(tmp_path):
    """A checkpoint at tmp_path/run: (model, optimizer, weights path, state path)."""
    model, optimizer = make_model_and_optimizer()
    save_checkpoint(tmp_path / "run", {"model": model}, {"opt": optimizer}, step=1)
    return (model, optimizer, *checkpoint_paths(tmp_path / "run"))


def test_tampered_weights_are_refused_by_the_state_hash(saved):
    model, optimizer, weights_path, state_path = saved
    other, _ = make_model_and_optimizer(seed=5)
    save_weights(weights_path, {"model": other})  # a valid file, with the wrong content
    with pytest.raises(CheckpointError, match="SHA-256 differs"):
        load_checkpoint(state_path, {"model": model}, {"opt": optimizer})


def test_a_pickled_object_in_the_state_file_is_refused(saved):
    model, optimizer, _, state_path = saved

    class Payload:  # unpickling this calls print; a malicious file would call os.system
        def __reduce__(self):
            return (print, ("this must never run",))

    state_path.write_bytes(pickle.dumps({"format_version": 1, "step": Payload()}, protocol=2))
    with pytest.raises(CheckpointError, match="refusing to load"):
        load_checkpoint(state_path, {"model": model}, {"opt": optimizer})


def test_truncated_state_file_is_refused(saved):
    model, _, _, state_path = saved
    state_path.write_bytes(state_path.read_bytes()[:50])
    with pytest.raises(CheckpointError, match="not a readable checkpoint"):
        load_checkpoint(state_path, {"model": model})


def test_weights_that_do_not_fit_the_model_are_refused(tmp_path):
    model, _ = make_model_and_optimizer()
    path = save_weights(tmp_path / "w.safetensors", {"model": model})
    with pytest.raises(CheckpointError, match="do not fit the model"):
        load_weights(path, {"model": nn.Linear(3, 1)})
    with pytest.raises(CheckpointError, match="which were not given"):
        load_weights(path, {"other": nn.Sequential()})


def test_a_subset_of_the_modules_loads_only_when_asked(tmp_path):
    first, second = nn.Linear(2, 2), nn.Linear(3, 3)
    path = save_weights(tmp_path / "w.safetensors", {"first": first, "second": second})
    fresh = nn.Linear(2, 2)
    with pytest.raises(CheckpointError, match=r"\['second'\], which were not given"):
        load_weights(path, {"first": fresh})
    load_weights(path, {"first": fresh}, subset=True)
    assert torch.equal(fresh.weight, first.weight)
    with pytest.raises(CheckpointError, match="do not fit the model"):  # still strict per module
        load_weights(path, {"first": nn.Linear(3, 3)}, subset=True)


def test_weights_stored_in_half_precision_load_into_a_float32_model(tmp_path):
    model, _ = make_model_and_optimizer()
    half = save_weights(tmp_path / "half.safetensors", {"model": model}, dtype=torch.float16)
    full = save_weights(tmp_path / "full.safetensors", {"model": model})
    assert half.stat().st_size < full.stat().st_size
    restored, _ = make_model_and_optimizer(seed=1)
    load_weights(half, {"model": restored})
    saved, loaded = model.state_dict(), restored.state_dict()
    for name in saved:
        # the model keeps its own precision; BatchNorm's step count stays an integer
        assert loaded[name].dtype == saved[name].dtype, name
        assert torch.allclose(loaded[name].float(), saved[name].float(), rtol=1e-3, atol=1e-4), name
    with pytest.raises(ValueError, match="floating-point dtype"):
        save_weights(tmp_path / "bad.safetensors", {"model": model}, dtype=torch.int8)


def test_missing_files_and_bad_arguments(tmp_path):
    model, _ = make_model_and_optimizer()
    with pytest.raises(CheckpointError, match="no training state"):
        load_checkpoint(tmp_path / "nothing", {"model": model})
    with pytest.raises(CheckpointError, match="no weights file"):
        load_weights(tmp_path / "nothing.safetensors", {"model": model})
    with pytest.raises(TypeError, match=r"modules: expected a non-empty dict"):
        save_weights(tmp_path / "w.safetensors", model)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="names without dots"):
        save_weights(tmp_path / "w.safetensors", {"a.b": model})
