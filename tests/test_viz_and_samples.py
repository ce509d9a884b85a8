import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from PIL import Image

from course_utils import samples
from course_utils.samples import load_samples, save_samples
from course_utils.viz import LivePlot, make_grid, plot_curves, save_gif, show_grid, show_video


def test_make_grid_places_each_image():
    images = torch.stack([torch.full((1, 2, 2), v) for v in (-1.0, 0.0, 1.0)])
    grid = make_grid(images, nrow=2, padding=1)
    assert grid.shape == (7, 7)  # 2 rows and 2 columns of 2×2 tiles with 1-pixel padding
    assert grid[1, 1] == 0.0 and grid[1, 4] == 0.5 and grid[4, 1] == 1.0


def test_make_grid_colour_layout():
    assert make_grid(torch.zeros(5, 3, 4, 4)).shape == (11, 16, 3)


def test_show_grid_and_curves_return_figures():
    fig = show_grid(torch.zeros(6, 1, 8, 8), title="zeros")
    assert fig.axes[0].get_title() == "zeros"
    plt.close(fig)
    fig = plot_curves({"d_loss": list(np.linspace(1, 0, 50)), "g_loss": [0.5] * 50}, smooth=5)
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["d_loss", "g_loss"]
    plt.close(fig)
    with pytest.raises(ValueError, match="non-empty dict"):
        plot_curves({})


def test_image_helpers_reject_wrong_layouts_with_a_clear_message():
    with pytest.raises(
        ValueError, match=r"expected a N×C×H×W tensor, got a torch.float32 tensor of shape \(8, 8\)"
    ):
        show_grid(torch.zeros(8, 8))
    with pytest.raises(ValueError, match="expected 1 or 3 channels"):
        show_grid(torch.zeros(2, 4, 8, 8))
    with pytest.raises(ValueError, match=r"from \[0, 255\]"):
        show_grid(torch.full((1, 1, 4, 4), 255.0))


def test_live_plot_works_headless_and_throttles():
    live = LivePlot(total_steps=100, every_s=3600)
    live(10, {"loss": [1.0] * 10})
    first = live.figure
    live(20, {"loss": [1.0] * 20})  # within the throttle window: not redrawn
    assert live.figure is first
    live(100, {"loss": [1.0] * 100})  # the last step always redraws
    assert live.figure is not first


def test_video_as_animation_and_gif(tmp_path):
    clip = torch.linspace(-1, 1, 4).view(4, 1, 1, 1).expand(4, 1, 6, 6).contiguous()
    html = show_video(clip, fps=4)
    assert "<script" in html.data and "animation" in html.data.lower()
    path = save_gif(clip, tmp_path / "clip.gif", scale=2)
    with Image.open(path) as gif:
        assert gif.n_frames == 4 and gif.size == (12, 12)
    with pytest.raises(ValueError, match="expected a N×C×H×W tensor"):
        show_video(clip[0])


def test_samples_round_trip(tmp_path):
    images = torch.rand(6, 1, 8, 8) * 2 - 1
    labels = torch.arange(6)
    save_samples(tmp_path, images, labels, nrow=3)
    loaded = load_samples(tmp_path)
    assert torch.equal(loaded["images"], images) and torch.equal(loaded["labels"], labels)
    assert (tmp_path / "samples.png").is_file()
    with pytest.raises(ValueError, match=r"labels: expected shape \(6,\)"):
        save_samples(tmp_path, images, torch.arange(5))
    with pytest.raises(FileNotFoundError, match="no samples file"):
        load_samples(tmp_path / "elsewhere")


def test_samples_keep_other_conditioning(tmp_path):
    images, inputs = torch.zeros(3, 1, 8, 8), torch.ones(3, 1, 2, 2)
    save_samples(tmp_path, images, conditions={"inputs": inputs})
    assert torch.equal(load_samples(tmp_path)["inputs"], inputs)
    with pytest.raises(ValueError, match="expected a new name and 3 rows, got 2 rows"):
        save_samples(tmp_path, images, conditions={"inputs": inputs[:2]})
    with pytest.raises(ValueError, match="a taken name"):
        save_samples(tmp_path, images, conditions={"images": inputs})


def test_the_samples_picture_stays_readable(tmp_path, monkeypatch):
    drawn = {}
    monkeypatch.setattr(
        samples,
        "save_grid",
        lambda images, path, nrow, title: drawn.update(n=len(images), nrow=nrow),
    )
    images = torch.zeros(1000, 1, 8, 8)
    save_samples(tmp_path, images)  # by default at most 16 columns, however many samples
    assert drawn == {"n": 1000, "nrow": 16}
    save_samples(tmp_path, images, picture=images[:32], nrow=8)  # a subset is drawn...
    assert drawn == {"n": 32, "nrow": 8}
    assert len(load_samples(tmp_path)["images"]) == 1000  # ...and the file keeps every sample
    with pytest.raises(ValueError, match="nrow: expected at most 16 columns"):
        save_samples(tmp_path, images, nrow=100)


def test_live_plot_draws_a_custom_figure():
    drawn = []

    def draw(step, history):
        drawn.append(step)
        figure, ax = plt.subplots()
        ax.plot(history["loss"])
        return figure

    live = LivePlot(total_steps=20, every_s=0.0, draw=draw)
    live(10, {"loss": [1.0] * 10})
    live(20, {"loss": [1.0] * 20})
    assert drawn == [10, 20] and live.figure is not None
    with pytest.raises(TypeError, match="draw"):
        LivePlot(10, draw="not a function")


def test_video_samples_write_clips_gif_and_mp4(tmp_path):
    from course_utils.samples import save_video_samples
    from course_utils.video import video_grid

    videos = torch.rand(5, 4, 3, 6, 6) * 2 - 1
    labels, captions = torch.arange(5), torch.arange(30).view(5, 6)
    save_video_samples(tmp_path, videos, labels, conditions={"tokens": captions}, nrow=2)
    loaded = load_samples(tmp_path)
    assert torch.equal(loaded["images"], videos) and torch.equal(loaded["labels"], labels)
    assert torch.equal(loaded["tokens"], captions)  # word ids stay integers
    with Image.open(tmp_path / "samples.gif") as gif:
        assert gif.n_frames == 4
    mp4 = (tmp_path / "samples.mp4").read_bytes()
    assert len(mp4) > 100 and mp4[4:8] == b"ftyp"  # an MP4 container
    grid = video_grid(videos, nrow=2)  # 3 rows × 2 columns of 6×6 frames with 1-pixel borders
    assert grid.shape == (4, 3, 3 * 7 + 1, 2 * 7 + 1)
    with pytest.raises(ValueError, match="N×T×C×H×W"):
        save_video_samples(tmp_path, videos[0], labels)
    with pytest.raises(ValueError, match=r"labels: expected shape \(5,\)"):
        save_video_samples(tmp_path, videos, labels[:4])
    with pytest.raises(ValueError, match="5 rows"):
        save_video_samples(tmp_path, videos, labels, conditions={"tokens": captions[:4]})


def test_stories_with_their_sentences_and_story_samples(tmp_path):
    from course_utils.samples import save_story_samples
    from course_utils.viz import show_stories

    stories = torch.rand(2, 3, 3, 8, 8) * 2 - 1
    sentences = [["a red circle appears at the top.", "b", "c"], ["d", "e", "f"]]
    fig = show_stories(stories, sentences, row_titles=["one", "two"], title="t")
    assert len(fig.axes) == 6 and fig.axes[0].get_xlabel().startswith("a red circle")
    tokens = torch.arange(2 * 3 * 10).view(2, 3, 10)
    save_story_samples(tmp_path, stories, {"tokens": tokens}, fig)
    plt.close(fig)
    loaded = load_samples(tmp_path)
    assert torch.equal(loaded["images"], stories) and torch.equal(loaded["tokens"], tokens)
    assert (tmp_path / "samples.png").read_bytes().startswith(b"\x89PNG")
    with pytest.raises(ValueError, match="2 rows of 3 sentences"):
        show_stories(stories, sentences[:1])
    with pytest.raises(ValueError, match="N×T×C×H×W"):
        show_stories(stories[0], sentences)
    with pytest.raises(ValueError, match="2 rows"):
        save_story_samples(tmp_path, stories, {"tokens": tokens[:1]}, fig)
