"""The gallery runs notebooks with papermill, reports failures with their cell, and keeps going."""

import asyncio
from queue import Empty

import nbformat
import pytest
from jupyter_client.channels import AsyncZMQSocketChannel
from papermill.exceptions import PapermillExecutionError

from course_utils.gallery import WakefulShellChannel, execute_notebook, main

PARAMETERS = 'PROFILE = "auto"\nSEED = 0\nOUTPUT_DIR = "out"'


def write_notebook(path, *cells):
    notebook = nbformat.v4.new_notebook()
    parameters = nbformat.v4.new_code_cell(PARAMETERS, metadata={"tags": ["parameters"]})
    notebook.cells = [parameters] + [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(notebook, path)


def test_gallery_reports_each_notebook_and_fails_on_a_failing_one(tmp_path):
    good, bad = tmp_path / "01_good.ipynb", tmp_path / "02_bad.ipynb"
    write_notebook(
        good,
        "import matplotlib.pyplot as plt\nplt.plot([0, 1]); plt.show()",
        "print(PROFILE, OUTPUT_DIR)",
        "import torch\nfrom course_utils.samples import save_samples\n"
        "save_samples(OUTPUT_DIR, torch.zeros(4, 1, 8, 8))",
    )
    write_notebook(bad, "x = 1", "raise ValueError('broken on purpose')", "print('never reached')")
    video = tmp_path / "03_video.ipynb"
    write_notebook(
        video,
        "import torch\nfrom course_utils.samples import save_video_samples\n"
        "save_video_samples(OUTPUT_DIR, torch.zeros(2, 3, 3, 8, 8))",
    )
    out = tmp_path / "build"

    assert main([str(good), str(bad), str(video), "--out", str(out), "--profile", "quick"]) == 1

    index = (out / "index.html").read_text()
    assert 'href="01_good.html"' in index and 'href="02_bad.html"' in index
    # Counted as in the source notebook: the parameters cell is 1, "x = 1" is 2.
    assert (
        "FAILED, code cell 3 (raise ValueError(&#x27;broken on purpose&#x27;)): ValueError" in index
    )
    assert "2 of 3 notebooks passed" in index
    assert (out / "01_good" / "key_figure.png").read_bytes().startswith(b"\x89PNG")
    assert 'href="01_good/samples.png"' in index and "02_bad/samples" not in index
    # A video notebook's samples are shown as their animated GIF, with a link to the MP4.
    assert '<img src="03_video/samples.gif"' in index and 'href="03_video/samples.mp4"' in index
    executed = nbformat.read(out / "01_good.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", []))
    assert "quick" in printed and str(out / "01_good") in printed  # parameters were injected


def test_missing_notebook_is_a_usage_error(tmp_path):
    with pytest.raises(SystemExit):
        main([str(tmp_path / "nope.ipynb")])


def test_a_hung_cell_gets_one_more_try_and_a_failing_one_none(tmp_path):
    # The first kernel "hangs" in the second cell (it sleeps past the time limit) and leaves a
    # mark; the fresh kernel of the second try finds the mark and finishes.
    mark = tmp_path / "tried"
    flaky = tmp_path / "flaky.ipynb"
    write_notebook(
        flaky,
        f"import pathlib, time\nmark = pathlib.Path({str(mark)!r})\n"
        "if not mark.exists():\n    mark.touch()\n    time.sleep(60)\nprint('finished')",
    )
    with pytest.warns(UserWarning, match="(?s)CellTimeoutError.*one more try"):
        executed = execute_notebook(flaky, tmp_path / "out.ipynb", {}, cell_timeout_s=5)
    assert "finished" in executed.cells[1].outputs[0]["text"]

    failing = tmp_path / "failing.ipynb"
    write_notebook(failing, f"open({str(tmp_path / 'runs.txt')!r}, 'a').write('run')\nassert False")
    with pytest.raises(PapermillExecutionError):
        execute_notebook(failing, tmp_path / "out.ipynb", {}, cell_timeout_s=5)
    assert (tmp_path / "runs.txt").read_text() == "run", "a failing check must not run twice"


def test_the_shell_channel_looks_again_every_second_until_its_deadline(monkeypatch):
    # A missed wake-up is a poll that says "nothing" while the reply waits: each look is at most
    # a second, so the next one finds it; with nothing there, Empty comes at the deadline.
    looks = []

    async def poll_once(self, timeout=None):
        looks.append(timeout)
        if len(looks) == 3 and self.reply:
            return {"msg_type": "execute_reply"}
        raise Empty

    monkeypatch.setattr(AsyncZMQSocketChannel, "get_msg", poll_once)
    channel = WakefulShellChannel.__new__(WakefulShellChannel)
    channel.reply = True
    assert asyncio.run(channel.get_msg(timeout=None)) == {"msg_type": "execute_reply"}
    assert looks == [1.0, 1.0, 1.0]
    looks.clear()
    channel.reply = False
    with pytest.raises(Empty):
        asyncio.run(channel.get_msg(timeout=0.05))
    assert len(looks) == 1 and looks[0] <= 0.05
