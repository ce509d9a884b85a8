"""Plumbing for the browser test: JupyterLab on loopback, driven by headless Chromium (selenium).

`JupyterLab` starts a server on a copy of the notebooks (so nothing the browser saves reaches the
repository); `Browser` opens a notebook, runs all its cells, reports errors and moves widgets.
They talk to the page through ``window.jupyterapp`` (exposed by ``expose_app_in_browser``), the
same command registry that JupyterLab's menus and keyboard shortcuts use.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get(
    "CHROMEDRIVER", shutil.which("chromedriver") or "/usr/bin/chromedriver"
)

# Settings a fresh JupyterLab reads: render every cell (no virtual scrolling, so every output is
# in the page) and never ask the internet for news or updates.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def with_profile(notebook_json: str, profile: str) -> str:
    """The notebook with its parameters cell's ``PROFILE = "auto"`` set to ``profile``."""
    notebook = json.loads(notebook_json)
    for cell in notebook["cells"]:
        if "parameters" in cell["metadata"].get("tags", []):
            source = "".join(cell["source"])
            if 'PROFILE = "auto"' not in source:
                raise ValueError('the parameters cell should set PROFILE = "auto"')
            cell["source"] = source.replace('PROFILE = "auto"', f"PROFILE = {profile!r}")
    return json.dumps(notebook)


class JupyterLab:
    """A JupyterLab server on 127.0.0.1 with a random token, serving copies of ``notebooks``.

    Each copy's ``PROFILE`` parameter is set to ``profiles[name]``, or to ``default_profile``.
    """

    def __init__(
        self,
        notebooks: list[Path],
        workdir: Path,
        default_profile: str,
        profiles: dict[str, str] | None = None,
    ):
        self.root = workdir / "course"
        (self.root / "notebooks").mkdir(parents=True)
        for notebook in notebooks:
            profile = (profiles or {}).get(notebook.stem, default_profile)
            copy = self.root / "notebooks" / notebook.name
            copy.write_text(with_profile(notebook.read_text(), profile))
        for module in {path.parent for path in notebooks}:  # what notebooks import from beside them
            for script in module.glob("*.py"):
                shutil.copyfile(script, self.root / "notebooks" / script.name)
        settings = workdir / "settings"
        for name, values in LAB_SETTINGS.items():
            (settings / name).parent.mkdir(parents=True, exist_ok=True)
            (settings / name).write_text(json.dumps(values))
        self.port, self.token = free_port(), secrets.token_hex(16)
        self.log = workdir / "jupyterlab.log"
        command = [
            sys.executable, "-m", "jupyterlab", "--no-browser",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
            f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root}",
            "--LabApp.expose_app_in_browser=True",
            f"--LabApp.user_settings_dir={settings}",
            f"--LabApp.workspaces_dir={workdir / 'workspaces'}",
            "--LabApp.extension_manager=readonly",  # it would search PyPI
        ]  # fmt: skip
        if os.geteuid() == 0:  # CI runs as root
            command.append("--allow-root")
        env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(workdir / "runtime")}
        env.pop("COURSE_PROFILE", None)  # it would override every copy's PROFILE
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
        self._wait_until_up(timeout=120)

    def url(self, notebook: str) -> str:
        # reset: start from an empty workspace, so the previous notebook's tab is not restored
        # (and briefly current) when this one opens.
        return (
            f"http://127.0.0.1:{self.port}/lab/tree/notebooks/{notebook}?token={self.token}&reset"
        )

    def _wait_until_up(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        status = f"http://127.0.0.1:{self.port}/api/status?token={self.token}"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(status, timeout=2):
                    return
            except OSError:
                time.sleep(0.5)
        raise TimeoutError(f"JupyterLab did not start in {timeout} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


# Run in the page: the current notebook's kernel status, how many code cells ran, its errors.
NOTEBOOK_STATE_JS = """
const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
if (!panel || !panel.content || !panel.sessionContext || !panel.context.isReady) return null;
const session = panel.sessionContext.session;
const cells = panel.content.widgets.filter(cell => cell.model.type === 'code');
const errors = [];
cells.forEach((cell, i) => {
  for (let j = 0; j < cell.model.outputs.length; j++) {
    const output = cell.model.outputs.get(j).toJSON();
    if (output.output_type === 'error')
      errors.push(`code cell ${i + 1}: ${output.ename}: ${output.evalue}`);
  }
});
// Errors that are not cell outputs: inside an Output widget (a widget callback that raised)
// or a widget that could not be displayed.
for (const node of panel.node.querySelectorAll('.jp-OutputArea-output')) {
  const text = node.innerText || '';
  if (text.includes('Traceback (most recent call last)') ||
      text.includes('Error displaying widget'))
    errors.push('in the page: ' + text.slice(0, 300));
}
return {
  path: panel.context.path,
  kernel: session && session.kernel ? session.kernel.status : null,
  executed: cells.filter(cell => cell.model.executionCount !== null).length,
  total: cells.length,
  errors: [...new Set(errors)],
};
"""

CELL_NODE_JS = """
const panel = window.jupyterapp.shell.currentWidget;
const cell = panel.content.widgets.find(
  c => c.model.sharedModel.getSource().includes(arguments[0]));
return cell ? cell.node : null;
"""


class Browser:
    """Headless Chromium with a fresh profile and no background traffic."""

    def __init__(self, screenshots: Path):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in (
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-quic", "--window-size=1400,1000",
        ):  # fmt: skip
            options.add_argument(flag)
        # Explicit paths: selenium must not try to fetch a driver or a browser.
        self.driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
        self.screenshots = screenshots
        screenshots.mkdir(parents=True, exist_ok=True)

    def quit(self) -> None:
        self.driver.quit()

    def state(self) -> dict | None:
        return self.driver.execute_script(NOTEBOOK_STATE_JS)

    def wait_for(self, condition, timeout: float, what: str):
        """Poll ``condition(state)`` until it returns something truthy; fail on errors."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.state()
            if state and state["errors"]:
                self.screenshot("error")
                raise AssertionError("error output: " + "\n".join(state["errors"]))
            if state and (result := condition(state)):
                return result
            time.sleep(0.5)
        self.screenshot("timeout")
        raise TimeoutError(f"{what}: not done within {timeout:.0f} s (last state {self.state()})")

    def open_notebook(self, url: str, name: str) -> None:
        """Open a notebook and wait until it is the current tab, with its kernel idle."""
        self.driver.get(url)
        self.wait_for(
            lambda s: s["path"].endswith(name) and s["kernel"] == "idle", 120, f"opening {name}"
        )

    def run_all(self, timeout: float) -> float:
        """Run all cells as Run ▸ Run All Cells does; return the seconds until the last finished.

        The command is issued again if nothing started within 20 s: right after the page loads,
        JupyterLab can drop it before the notebook's toolbar and commands are wired up.
        """
        start = time.monotonic()
        for attempt in range(3):
            self.driver.execute_script(
                "window.jupyterapp.commands.execute('notebook:run-all-cells');"
            )
            try:
                self.wait_for(
                    lambda s: s["kernel"] != "idle" or s["executed"] > 0, 20, "run all to start"
                )
                break
            except TimeoutError:
                if attempt == 2:
                    raise
        self.wait_for(
            lambda s: s["kernel"] == "idle" and s["executed"] == s["total"], timeout, "run all"
        )
        return time.monotonic() - start

    def cell(self, source_snippet: str):
        node = self.driver.execute_script(CELL_NODE_JS, source_snippet)
        assert node is not None, f"no cell contains {source_snippet!r}"
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", node)
        return node

    def screenshot(self, name: str) -> Path:
        path = self.screenshots / f"{name}.png"
        self.driver.save_screenshot(str(path))
        return path
