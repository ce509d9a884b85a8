"""Helpers for the generative-models course notebooks.

Plumbing only: the models, losses and training steps a student should read live in the
notebooks.  Modules: ``device`` (device, mixed precision, seeding), ``profiles``, ``data``,
``viz``, ``training``, ``checkpoint``, ``metrics``, ``samples``, ``offline``, ``gallery``,
``judge`` (the course's judge of generated digits), ``shipped`` (verified shipped weights) and
``exercises`` (self-checks for the notebooks' exercises).
"""

from .device import autocast, describe_hardware, eval_mode, pick_device, seed_everything
from .profiles import notebook_settings, resolve_profile

__all__ = [
    "autocast",
    "describe_hardware",
    "eval_mode",
    "notebook_settings",
    "pick_device",
    "resolve_profile",
    "seed_everything",
]
__version__ = "0.1.0"
