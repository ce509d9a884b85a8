"""A training run for the interrupt test: ``python interruptible_run.py CHECKPOINT STEPS``.

Each step draws from every random source a notebook may use (torch, NumPy, Python) and trains
an MLP with dropout and Adam, so a resume that restores any of them wrongly shows in the result.
It prints ``training`` once the first steps have run, so the test knows when to interrupt it.
"""

import random
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from course_utils.training import train

checkpoint, steps = sys.argv[1], int(sys.argv[2])
torch.set_num_threads(1)
torch.manual_seed(0)
np.random.seed(0)
random.seed(0)
model = nn.Sequential(nn.Linear(32, 256), nn.ReLU(), nn.Dropout(0.2), nn.Linear(256, 1))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
target = torch.randn(32, 1)


def train_step(step):
    x = torch.randn(128, 32) * float(np.random.uniform(0.5, 1.5)) + random.gauss(0, 0.1)
    loss = F.mse_loss(model(x), x @ target)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return {"loss": loss.item()}


announced = []


def announce_training(step, history):
    if not announced:
        print("training", flush=True)
        announced.append(step)


train(
    train_step,
    steps,
    modules={"model": model},
    optimizers={"opt": optimizer},
    checkpoint=checkpoint,
    checkpoint_every=100,
    log_every=5,
    callback=announce_training,
)
