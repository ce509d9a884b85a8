"""The course's shipped weights in ``data/checkpoints/``, each verified against a SHA-256 manifest.

``manifest.json`` names every shipped file with its SHA-256, its size and the one command that
rebuilds it.  ``load_shipped`` checks the hash before it reads a byte of weights: a damaged or
replaced file is a clear error, never a silent retrain.  ``python -m course_utils.shipped``
checks every entry; ``python -m course_utils.shipped --build dcgan`` rebuilds a notebook's
weights by running that notebook in the ``full`` profile (``make checkpoints`` rebuilds them all).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path

import torch

from .checkpoint import CheckpointError, atomic_write, load_weights, sha256_of
from .data import REPO_DATA_DIR
from .profiles import PROFILE_ENV, SHIPPED_CHECKPOINTS

CHECKPOINT_DIR = REPO_DATA_DIR / "checkpoints"
MANIFEST = CHECKPOINT_DIR / "manifest.json"
MAX_BYTES = 8 * 2**20  # keep the repository small: 8 MB per shipped checkpoint
NOTEBOOK_DIR = REPO_DATA_DIR.parent / "notebooks"
# Shipped name -> (notebook, weights file): the weights that notebooks train and ship.
FROM_NOTEBOOKS = {
    name: (notebook, file_name) for notebook, (name, file_name) in SHIPPED_CHECKPOINTS.items()
}


def read_manifest() -> dict[str, dict[str, object]]:
    if not MANIFEST.is_file():
        return {}
    return json.loads(MANIFEST.read_text())


def shipped_path(name: str) -> Path:
    """The verified path of shipped checkpoint ``name`` (e.g. ``"digit_judge"``)."""
    manifest = read_manifest()
    file_name = f"{name}.safetensors"
    if file_name not in manifest:
        known = ", ".join(sorted(manifest)) or "none"
        raise CheckpointError(
            f"no shipped checkpoint {file_name!r} in {MANIFEST} (shipped: {known})"
        )
    entry = manifest[file_name]
    path = CHECKPOINT_DIR / file_name
    if not path.is_file():
        raise CheckpointError(
            f"{path} is listed in the manifest but missing; restore it from git "
            f"or rebuild it with `{entry['command']}`"
        )
    actual = sha256_of(path)
    if actual != entry["sha256"]:
        raise CheckpointError(
            f"{path}: SHA-256 {actual[:12]}… does not match the manifest's "
            f"{str(entry['sha256'])[:12]}…; "
            f"the file is damaged or was replaced. Restore it from git or rebuild it with "
            f"`{entry['command']}`"
        )
    return path


def load_shipped(
    name: str, modules: Mapping[str, torch.nn.Module], *, subset: bool = False
) -> None:
    """Load shipped checkpoint ``name`` into ``modules`` after verifying its SHA-256.

    ``subset=True`` loads some of the checkpoint's modules (see ``checkpoint.load_weights``).
    """
    load_weights(shipped_path(name), modules, subset=subset)


def ship(source: str | os.PathLike, name: str, command: str) -> Path:
    """Copy a weights file into ``data/checkpoints/`` and record it in the manifest."""
    source = Path(source)
    size = source.stat().st_size
    if size > MAX_BYTES:
        limit = f"{MAX_BYTES / 2**20:.0f} MB"
        raise ValueError(
            f"{source}: {size / 2**20:.1f} MB is over the {limit} limit per checkpoint"
        )
    target = CHECKPOINT_DIR / f"{name}.safetensors"
    atomic_write(target, lambda tmp: shutil.copyfile(source, tmp))
    manifest = read_manifest()
    manifest[target.name] = {"sha256": sha256_of(target), "bytes": size, "command": command}
    text = json.dumps(dict(sorted(manifest.items())), indent=2) + "\n"
    atomic_write(MANIFEST, lambda tmp: tmp.write_text(text))
    return target


def ship_modules(modules: Mapping[str, torch.nn.Module], name: str, command: str) -> Path:
    """Save ``modules`` as safetensors and ship them as ``name`` (a judge's last step)."""
    import tempfile

    from .checkpoint import save_weights

    with tempfile.TemporaryDirectory() as tmp:
        target = ship(save_weights(Path(tmp) / f"{name}.safetensors", modules), name, command)
    print(f"shipped {target}")
    return target


def build_from_notebook(name: str, kernel: str = "course") -> Path:
    """Run the notebook that trains ``name`` in the full profile and ship what it writes."""
    from .gallery import run_notebook

    if name not in FROM_NOTEBOOKS:
        raise ValueError(f"name: expected one of {', '.join(FROM_NOTEBOOKS)}, got {name!r}")
    notebook, file_name = FROM_NOTEBOOKS[name]
    out_dir = REPO_DATA_DIR.parent / "build" / "shipped"
    os.environ[PROFILE_ENV] = "full"  # the notebook's kernel inherits it
    print(f"training {name}: running {notebook} in the full profile (minutes on a CPU)")
    result = run_notebook(NOTEBOOK_DIR / f"{notebook}.ipynb", out_dir, "full", kernel)
    if not result.ok:
        raise RuntimeError(f"{notebook} failed, nothing shipped: {result.error}")
    target = ship(
        out_dir / notebook / file_name, name, f"python -m course_utils.shipped --build {name}"
    )
    print(
        f"shipped {target} after {result.seconds:.0f} s (executed copy: {out_dir / notebook}.html)"
    )
    return target


def main(argv: list[str] | None = None) -> int:
    """Verify every shipped checkpoint (exit status 1 if any fails), or rebuild one."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--build", choices=sorted(FROM_NOTEBOOKS), help="retrain and ship these weights"
    )
    parser.add_argument(
        "--build-all", action="store_true", help="retrain and ship every notebook's weights"
    )
    parser.add_argument("--kernel", default="course", help="Jupyter kernel for the notebook")
    args = parser.parse_args(argv)
    if args.build or args.build_all:
        for name in [args.build] if args.build else FROM_NOTEBOOKS:
            build_from_notebook(name, args.kernel)
        return 0
    failed = 0
    for file_name in read_manifest():
        try:
            shipped_path(file_name.removesuffix(".safetensors"))
            print(f"ok      {file_name}")
        except CheckpointError as error:
            failed += 1
            print(f"FAILED  {error}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
