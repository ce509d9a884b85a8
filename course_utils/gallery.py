"""Run notebooks headless with papermill and write an HTML gallery of the results.

    python -m course_utils.gallery notebooks/*.ipynb --out build --profile quick

For each notebook: ``build/NAME.ipynb`` (executed), ``build/NAME.html``, and its ``OUTPUT_DIR``
``build/NAME/`` (samples, key figure).  ``build/index.html`` lists every notebook with its status,
run time and key figure.  A failing notebook is reported with its failing cell; the others still
run; the exit code is 1 if any failed.
"""

from __future__ import annotations

import argparse
import base64
import html
import os
import secrets
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from queue import Empty
from typing import Any

import nbformat
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from traitlets import Type
from traitlets.config import Config

KEY_FIGURE_TAG = "key-figure"
SAMPLE_PICTURES = (
    "samples.png",
    "samples.gif",
)  # a video notebook writes an animated GIF (and an MP4)


# Seconds one cell may run outside the full profile: the longest quick cell takes under 3 minutes
# on a 2-core CPU (11's training, 133 s), so only a hung kernel gets near.
CELL_TIMEOUT_S = 600


@dataclass
class RunResult:
    name: str
    ok: bool
    seconds: float
    error: str = ""
    key_figure: str | None = None  # paths relative to the gallery folder
    samples: str | None = None


def find_key_figure(notebook: nbformat.NotebookNode) -> bytes | None:
    """The last PNG of the cell tagged ``key-figure``, else the notebook's last PNG."""

    def pngs(cell: nbformat.NotebookNode) -> list[str]:
        return [
            o["data"]["image/png"]
            for o in cell.get("outputs", [])
            if "image/png" in o.get("data", {})
        ]

    code_cells = [c for c in notebook.cells if c.cell_type == "code"]
    tagged = [c for c in code_cells if KEY_FIGURE_TAG in c.get("metadata", {}).get("tags", [])]
    for cells in (tagged, code_cells):
        images = [png for cell in cells for png in pngs(cell)]
        if images:
            return base64.b64decode(images[-1])
    return None


def describe_failure(notebook: nbformat.NotebookNode) -> str:
    """'code cell N (first line): ErrorName: message' for the first failing cell.

    Cells are counted as in the source notebook (papermill's injected parameters are skipped).
    """
    code_cells = [
        c
        for c in notebook.cells
        if c.cell_type == "code"
        and "injected-parameters" not in c.get("metadata", {}).get("tags", [])
    ]
    for number, cell in enumerate(code_cells, start=1):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                first_line = cell.source.strip().splitlines()[0][:60] if cell.source.strip() else ""
                message = (
                    f"code cell {number} ({first_line}): {output['ename']}: {output['evalue']}"
                )
                return message[:500]
    return "failed before any cell ran"


class WakefulShellChannel(AsyncZMQSocketChannel):
    """A shell channel that looks for a reply at least once a second.

    After a cell that shows a widget (09's guidance slider), pyzmq's asyncio poll can miss the
    wake-up of a reply that has already arrived (jupyter/nbclient#312): a run then sat out the
    whole cell timeout (the mutation run: 300 s), or with no timeout (``make run``) hung for ever.
    Polls of at most a second, repeated until the deadline, find the reply on the next look.
    """

    async def get_msg(self, timeout: float | None = None) -> dict[str, Any]:  # type: ignore[override]
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                return await super().get_msg(timeout=1.0 if left is None else min(1.0, left))
            except Empty:
                if left is not None and left <= 1.0:
                    raise


class WakefulKernelClient(AsyncKernelClient):
    shell_channel_class = Type(WakefulShellChannel)


def ipc_kernel_config() -> Config:
    """Kernel settings for headless runs: a shell channel that never misses a reply
    (``WakefulShellChannel``), and local (IPC) sockets where the platform has them: over TCP
    every kernel logs a warning about unencrypted traffic into the run's output, which a student
    reads as something broken."""
    config = Config()
    config.AsyncKernelManager.client_factory = WakefulKernelClient
    if os.name == "posix":
        from jupyter_core.paths import jupyter_runtime_dir

        # An absolute socket path (a relative one would resolve against the kernel's working
        # directory on one side and the runner's on the other), new for every kernel, so that no
        # socket file left by an earlier kernel can be taken for this one's.
        os.makedirs(jupyter_runtime_dir(), exist_ok=True)
        config.KernelManager.transport = "ipc"
        name = f"course-kernel-{os.getpid()}-{secrets.token_hex(4)}"
        config.KernelManager.ip = os.path.join(jupyter_runtime_dir(), name)
    return config


def execute_notebook(
    path: Path,
    executed: Path,
    parameters: dict[str, object],
    *,
    kernel: str = "course",
    cell_timeout_s: int | None = None,
):
    """Execute ``path`` with papermill on IPC kernels and write it to ``executed``; returns it.

    With ``cell_timeout_s``, a cell that runs longer raises instead of waiting for ever.  A kernel
    once hung in CI (inside one cell of a notebook that passes in a minute every other time), so a
    cell that times out, or a kernel that dies, gets one more try in a fresh kernel, with a
    warning that names the cell; a failing check is never retried.
    """
    import warnings

    import papermill
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    def attempt():
        return papermill.execute_notebook(
            str(path),
            str(executed),
            parameters=parameters,
            kernel_name=kernel,
            language="python",
            cwd=str(path.parent),
            progress_bar=False,
            execution_timeout=cell_timeout_s,
            config=ipc_kernel_config(),
        )

    try:
        return attempt()
    except (CellTimeoutError, DeadKernelError) as exc:
        warnings.warn(f"{path.name}: {type(exc).__name__}: {exc}; one more try", stacklevel=2)
        return attempt()


def run_notebook(path: Path, out_dir: Path, profile: str, kernel: str) -> RunResult:
    """Execute one notebook with papermill, write its executed copy and HTML; never raises."""
    from nbconvert import HTMLExporter

    name = path.stem
    executed = out_dir / f"{name}.ipynb"
    output_dir = (out_dir / name).resolve()
    output_dir.mkdir(parents=True, exist_ok=True)
    for stale in SAMPLE_PICTURES + ("key_figure.png", "samples.safetensors", "samples.mp4"):
        (output_dir / stale).unlink(missing_ok=True)  # never show a previous run's results
    start = time.perf_counter()
    ok, error = True, ""
    try:
        execute_notebook(
            path,
            executed,
            {"PROFILE": profile, "OUTPUT_DIR": str(output_dir)},
            kernel=kernel,
            cell_timeout_s=None if profile == "full" else CELL_TIMEOUT_S,  # full trains for long
        )
    except Exception as exc:  # report every failure and carry on with the next notebook
        ok, error = False, f"{type(exc).__name__}: {exc}"[:500]
    seconds = time.perf_counter() - start
    result = RunResult(name, ok, seconds, error)
    if executed.is_file():
        notebook = nbformat.read(executed, as_version=4)
        if not ok:
            result.error = describe_failure(notebook)
        body, _ = HTMLExporter().from_notebook_node(notebook)
        (out_dir / f"{name}.html").write_text(body, encoding="utf-8")
        figure = find_key_figure(notebook)
        if figure is not None:
            (output_dir / "key_figure.png").write_bytes(figure)
            result.key_figure = f"{name}/key_figure.png"
    for picture in SAMPLE_PICTURES:
        if (output_dir / picture).is_file():
            result.samples = f"{name}/{picture}"
    return result


def write_index(results: list[RunResult], out_dir: Path, profile: str) -> Path:
    rows = []
    for r in results:
        status = "passed" if r.ok else f"FAILED, {html.escape(r.error)}"
        figure = f'<img src="{r.key_figure}" alt="key figure of {r.name}">' if r.key_figure else ""
        if r.samples:
            figure += f'<br><a href="{r.samples}">final samples</a>'
            if r.samples.endswith(".gif"):
                figure += f' <img src="{r.samples}" alt="samples of {r.name}">'
                figure += f' <a href="{r.samples.removesuffix(".gif")}.mp4">(MP4)</a>'
        rows.append(
            f'<tr class="{"ok" if r.ok else "failed"}">'
            f'<td><a href="{r.name}.html">{r.name}</a></td>'
            f"<td>{status}</td><td>{r.seconds:.0f} s</td><td>{figure}</td></tr>"
        )
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Course gallery</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; }}
table {{ border-collapse: collapse; }}
td, th {{ border: 1px solid #ccc; padding: .5em; vertical-align: top; }}
tr.failed td:nth-child(2) {{ color: #b00; font-weight: bold; }}
img {{ max-height: 220px; max-width: 720px; }}
</style></head><body>
<h1>Generative models course: executed notebooks</h1>
<p>Profile <b>{html.escape(profile)}</b>, run {time.strftime("%Y-%m-%d %H:%M")}.
{sum(r.ok for r in results)} of {len(results)} notebooks passed.</p>
<table><tr><th>notebook</th><th>status</th><th>run time</th><th>key figure</th></tr>
{chr(10).join(rows)}
</table></body></html>
"""
    index = out_dir / "index.html"
    index.write_text(page, encoding="utf-8")
    return index


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=Path("build"))
    parser.add_argument(
        "--profile", default="quick", choices=("auto", "quick", "full", "pretrained")
    )
    parser.add_argument("--kernel", default="course", help="Jupyter kernel name (default: course)")
    args = parser.parse_args(argv)
    missing = [str(p) for p in args.notebooks if not p.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)}")
    os.environ["COURSE_PROFILE"] = args.profile  # the same profile for code that reads the env
    args.out.mkdir(parents=True, exist_ok=True)
    results = []
    for path in sorted(args.notebooks):
        print(f"running {path} ...", flush=True)
        result = run_notebook(path, args.out, args.profile, args.kernel)
        print(
            f"  {'ok' if result.ok else 'FAILED: ' + result.error} ({result.seconds:.0f} s)",
            flush=True,
        )
        results.append(result)
    index = write_index(results, args.out, args.profile)
    failed = [r.name for r in results if not r.ok]
    print(f"gallery: {index}" + (f"; failed: {', '.join(failed)}" if failed else "; all passed"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
