import random

import numpy as np
import pytest
import torch

from course_utils.device import autocast, describe_hardware, eval_mode, pick_device, seed_everything


def test_pick_device_defaults_to_an_available_device():
    assert pick_device().type in {"cuda", "mps", "cpu"}
    assert pick_device("cpu") == torch.device("cpu")


def test_pick_device_rejects_unknown_and_unavailable(monkeypatch):
    with pytest.raises(ValueError, match="expected one of 'cuda', 'mps', 'cpu'"):
        pick_device("tpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(RuntimeError, match="not available"):
        pick_device("cuda")


def test_pick_device_reads_the_environment(monkeypatch):
    monkeypatch.setenv("COURSE_DEVICE", "cpu")
    assert pick_device() == torch.device("cpu")


def test_describe_hardware_names_versions_and_device():
    text = describe_hardware(torch.device("cpu"))
    assert torch.__version__ in text and "device: cpu" in text and "cores" in text


def test_autocast_is_off_on_cpu_unless_asked():
    model = torch.nn.Linear(4, 4)
    with autocast(torch.device("cpu")):
        assert model(torch.randn(2, 4)).dtype == torch.float32


def test_autocast_opt_in_on_cpu(monkeypatch):
    import course_utils.device as device_module

    model = torch.nn.Linear(4, 4)
    monkeypatch.setattr(device_module, "cpu_supports_bf16", lambda: True)
    with autocast(torch.device("cpu"), cpu_bf16=True):
        assert model(torch.randn(2, 4)).dtype == torch.bfloat16
    monkeypatch.setattr(device_module, "cpu_supports_bf16", lambda: False)
    with pytest.warns(UserWarning, match="no native bf16"):
        context = autocast(torch.device("cpu"), cpu_bf16=True)
    with context:
        assert model(torch.randn(2, 4)).dtype == torch.float32


def test_autocast_rejects_a_string():
    with pytest.raises(TypeError, match="expected a torch.device"):
        autocast("cpu")  # type: ignore[arg-type]


def test_seed_everything_makes_all_generators_repeat():
    def draw():
        return random.random(), np.random.rand(), torch.rand(1).item()

    seed_everything(123)
    first = draw()
    seed_everything(123)
    assert draw() == first
    seed_everything(124)
    assert draw() != first


@pytest.mark.parametrize("bad", [-1, 2**32, 1.5, "0", True])
def test_seed_everything_rejects_bad_seeds(bad):
    with pytest.raises(ValueError, match="seed: expected an integer"):
        seed_everything(bad)


def test_helpers_reject_wrong_types():
    with pytest.raises(TypeError, match="device: expected a torch.device, got str"):
        describe_hardware("cpu")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="eval_mode: expected nn.Module arguments"):
        with eval_mode(torch.zeros(1)):  # type: ignore[arg-type]
            pass


def test_eval_mode_restores_training_mode_and_disables_grad():
    model = torch.nn.Dropout()
    model.train()
    with eval_mode(model):
        assert not model.training and not torch.is_grad_enabled()
    assert model.training and torch.is_grad_enabled()
