import pytest
import torch

from course_utils.profiles import (
    NOT_TRAINING_STEPS,
    SETTINGS,
    is_training_steps,
    notebook_settings,
    resolve_profile,
)


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


def test_thresholds_follow_how_the_models_were_trained():
    assert notebook_settings("05_conditional_gan", "quick").trained_as == "quick"
    assert notebook_settings("05_conditional_gan", "full").trained_as == "full"
    assert notebook_settings("05_conditional_gan", "pretrained").trained_as == "full"  # shipped
    with pytest.warns(UserWarning):  # no shipped weights: trained here with quick settings
        assert notebook_settings("01_autoencoder", "pretrained").trained_as == "quick"


def test_the_untrained_profile_is_quick_with_every_training_step_count_at_zero(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "untrained")
    assert resolve_profile("auto") == "untrained"
    for notebook, by_profile in SETTINGS.items():
        cfg = notebook_settings(notebook, "untrained")
        assert not cfg.pretrained and cfg.trained_as == "quick"
        for name, quick_value in by_profile["quick"].items():
            expected = 0 if is_training_steps(name) else quick_value
            assert cfg[name] == expected, f"{notebook}: {name}"
    diffusion = notebook_settings("09_diffusion", "untrained")
    assert diffusion.steps == 0 and diffusion.ddim_steps == 10 and diffusion.warmup_steps == 100


def test_every_step_count_is_training_or_named_as_not_training():
    names = {name for by_profile in SETTINGS.values() for name in by_profile["quick"]}
    for name in NOT_TRAINING_STEPS:
        assert name in names, f"{name} is listed as not training but no notebook has it"
    assert is_training_steps("ring_steps") and not is_training_steps("ddim_steps")
