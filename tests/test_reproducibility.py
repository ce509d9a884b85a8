"""The same SEED gives the same numbers: a notebook run twice prints and writes the same.

A short notebook that goes through every seeded path of ``course_utils`` that the course
notebooks use (seeding, data sets and splits, crops, a training run with its progress bar, live
plot and checkpoints, an estimator with ``random_state``, sampling, ``save_samples``) is executed
twice, each time in a fresh kernel, as a student would.  Every printed number is printed in full
precision, so a difference in the last bit fails the test, and so does any difference in the
written samples.  (The course notebooks themselves run under nbval; ``test_notebooks_static``
checks that they seed every estimator and generator explicitly.)
"""

import nbformat
import papermill

CELLS = [
    'PROFILE = "quick"\nSEED = 0\nOUTPUT_DIR = "out"',
    """\
import hashlib, random
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.decomposition import PCA
from course_utils import eval_mode, pick_device, seed_everything
from course_utils.data import load_mnist, load_photos, make_shapes, random_crops, split_indices
from course_utils.samples import save_samples
from course_utils.training import train
from course_utils.viz import LivePlot

device = pick_device()
generator = seed_everything(SEED)
print("draws", torch.rand(3, generator=generator).tolist(), torch.rand(3).tolist(),
      np.random.rand(3).tolist(), random.random())""",
    """\
images, labels = load_mnist()
train_idx, test_idx = split_indices(len(images), test_fraction=0.2, seed=SEED)
shapes, shape_labels = make_shapes(64, seed=SEED)
crops = random_crops(load_photos()["astronaut"], 8, 16, seed=SEED)
print("data", train_idx[:5].tolist(), shape_labels[:8].tolist(), crops.sum().item())""",
    """\
x_train = images[train_idx].to(device)
model = nn.Sequential(nn.Flatten(), nn.Linear(784, 64), nn.ReLU(), nn.Dropout(0.2),
                      nn.Linear(64, 784), nn.Tanh()).to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

def train_step(step):
    batch = x_train[torch.randint(0, len(x_train), (64,), device=device)]
    loss = F.mse_loss(model(batch).view_as(batch), batch)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return {"loss": loss.item()}

history = train(train_step, 150, modules={"model": model}, optimizers={"opt": optimizer},
                checkpoint=f"{OUTPUT_DIR}/run", checkpoint_every=50, callback=LivePlot(150))
weights = b"".join(p.detach().cpu().numpy().tobytes() for p in model.parameters())
print("training", history["loss"][-3:], hashlib.sha256(weights).hexdigest())""",
    """\
pca = PCA(8, random_state=SEED).fit(x_train.flatten(1).cpu().numpy()[:1000])
print("pca", pca.explained_variance_ratio_.tolist())
with eval_mode(model):
    samples = model(torch.randn(16, 1, 28, 28, generator=torch.Generator().manual_seed(SEED))
                    .to(device)).view(-1, 1, 28, 28)
save_samples(OUTPUT_DIR, samples.cpu(), labels[:16])""",
]


def run_in_a_fresh_kernel(folder):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    notebook.cells[0].metadata["tags"] = ["parameters"]
    nbformat.write(notebook, folder / "seeded.ipynb")
    executed = papermill.execute_notebook(
        str(folder / "seeded.ipynb"),
        str(folder / "executed.ipynb"),
        parameters={"OUTPUT_DIR": str(folder / "out")},
        kernel_name="course",
        language="python",
        progress_bar=False,
    )
    # The kernel sends stdout in pieces as it flushes (a line can arrive split in two stream
    # outputs when a flush falls between print's writes), so join them before reading lines.
    printed = "".join(
        output["text"]
        for cell in executed.cells
        for output in cell.get("outputs", [])
        if output.get("name") == "stdout"
    ).splitlines()
    return printed, (folder / "out" / "samples.safetensors").read_bytes()


def test_a_seeded_notebook_prints_and_writes_the_same_twice(tmp_path):
    (tmp_path / "first").mkdir()
    (tmp_path / "second").mkdir()
    printed, samples = run_in_a_fresh_kernel(tmp_path / "first")
    assert [line.split()[0] for line in printed] == ["draws", "data", "training", "pca"]
    printed_again, samples_again = run_in_a_fresh_kernel(tmp_path / "second")
    assert printed_again == printed
    assert samples_again == samples, "samples.safetensors differs between two seeded runs"
