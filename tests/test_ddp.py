"""The assignment's training script under torchrun: 2 processes on the CPU (gloo) take the same
steps as 1 process on the same global batch."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from safetensors.torch import load_file

SCRIPT = Path(__file__).resolve().parent.parent / "notebooks" / "avatar_reenactor.py"
TOLERANCE = 1e-4  # summing gradients in another order moves float32 weights by about 1e-5


def train(tmp_path, name, *launcher, global_batch=16):
    out = tmp_path / f"{name}.safetensors"
    command = [*launcher, str(SCRIPT), "--steps", "20", "--clips", "128",
               "--global-batch", str(global_batch), "--out", str(out)]  # fmt: skip
    env = {**os.environ, "GLOO_SOCKET_IFNAME": "lo", "TQDM_DISABLE": "1"}
    subprocess.run(command, check=True, capture_output=True, env=env, timeout=300,
                   cwd=SCRIPT.parent)  # fmt: skip
    return load_file(out)


def largest_difference(a, b):
    return max((a[name] - b[name]).abs().max().item() for name in a)


@pytest.fixture(scope="module")
def one_process(tmp_path_factory):
    return train(tmp_path_factory.mktemp("ddp"), "one", sys.executable)


def test_two_processes_take_the_steps_of_one(tmp_path, one_process):
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"]
    two = train(tmp_path, "two", *torchrun)
    assert largest_difference(one_process, two) < TOLERANCE


def test_a_different_batch_is_told_apart(tmp_path, one_process):
    # the control: one process on half the batch takes other steps, far beyond the tolerance
    half = train(tmp_path, "half", sys.executable, global_batch=8)
    assert largest_difference(one_process, half) > 100 * TOLERANCE
