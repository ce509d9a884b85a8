import pytest
import torch

from course_utils.profiles import SETTINGS, notebook_settings, resolve_profile


@pytest.fixture(autouse=True)
def no_profile_override(monkeypatch):
    monkeypatch.delenv("COURSE_PROFILE", raising=False)


def test_auto_is_full_on_cuda_and_quick_elsewhere():
    assert resolve_profile("auto", torch.device("cuda")) == "full"
    assert resolve_profile("auto", torch.device("cpu")) == "quick"
    assert resolve_profile("auto", torch.device("mps")) == "quick"


def test_explicit_profiles_pass_through():
    for profile in ("quick", "full", "pretrained"):
        assert resolve_profile(profile, torch.device("cuda")) == profile


def test_environment_overrides_the_notebook(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "full")
    assert resolve_profile("quick", torch.device("cpu")) == "full"


def test_unknown_profile_is_rejected(monkeypatch):
    with pytest.raises(ValueError, match="profile: expected one of"):
        resolve_profile("fast")
    monkeypatch.setenv("COURSE_PROFILE", "turbo")
    with pytest.raises(ValueError, match="got 'turbo'"):
        resolve_profile("auto")


def test_every_notebook_has_quick_and_full_settings_with_the_same_keys():
    for notebook, by_profile in SETTINGS.items():
        assert set(by_profile) == {"quick", "full"}, notebook
        assert set(by_profile["quick"]) == set(by_profile["full"]), notebook


def test_settings_are_read_only_with_attribute_access():
    cfg = notebook_settings("01_autoencoder", "quick")
    assert cfg.batch_size == cfg["batch_size"] and cfg.profile == "quick"
    with pytest.raises(AttributeError, match="read-only"):
        cfg.batch_size = 1
    with pytest.raises(AttributeError, match="no setting 'nope'"):
        _ = cfg.nope


def test_pretrained_without_a_shipped_checkpoint_falls_back_to_quick_and_says_so():
    with pytest.warns(UserWarning, match="ships no pretrained checkpoint"):
        cfg = notebook_settings("01_autoencoder", "pretrained")
    assert not cfg.pretrained and cfg.ae_steps == SETTINGS["01_autoencoder"]["quick"]["ae_steps"]


def test_unknown_notebook_is_rejected():
    with pytest.raises(ValueError, match="notebook: expected one of"):
        notebook_settings("99_nothing", "quick")
