"""The write-up check: every part answered, nothing left TODO, at most two pages; and its export."""

import pytest

from course_utils.writeup import (
    MAX_PAGES,
    SECTIONS,
    WORDS_PER_PAGE,
    check_writeup,
    export_writeup,
    writeup_template,
)

ANSWER = (
    "Sixteen drawn avatars, 3,000 clips each of eight frames, with every choice explained here."
)


def filled(words_per_part=40):
    parts = ["# My design\n"]
    for heading in SECTIONS:
        repeats = max(1, words_per_part // len(ANSWER.split()))
        parts.append(f"## {heading}\n\n" + " ".join([ANSWER] * repeats) + "\n")
    return "\n".join(parts)


def test_the_template_is_incomplete_until_every_part_is_answered():
    template = check_writeup(writeup_template())
    assert not template.complete and template.unfinished == list(SECTIONS)
    done = check_writeup(filled())
    assert done.complete and done.lines()[0] == "parts missing: none"


def test_a_missing_part_or_a_third_page_is_reported():
    without_data = filled().replace("## Data", "## Dataset")
    assert check_writeup(without_data).missing == ["Data"]
    too_long = check_writeup(filled(words_per_part=WORDS_PER_PAGE * MAX_PAGES // 4))
    assert not too_long.fits and not too_long.complete and "too long" in too_long.lines()[2]
    # the printed page count, where known, decides
    assert check_writeup(filled(), printed_pages=3).fits is False


def test_the_html_export_is_styled_for_a4_at_11_points(tmp_path, monkeypatch):
    monkeypatch.setenv("CHROMIUM", "")
    monkeypatch.setenv("PATH", "")  # no Chromium: HTML only
    written = export_writeup(filled(), tmp_path)
    assert set(written) == {"html"}
    html = written["html"].read_text()
    assert "size: A4" in html and "11pt" in html and "<h2>Network architecture</h2>" in html


def test_bad_input_is_a_clear_error():
    with pytest.raises(TypeError, match="str"):
        check_writeup(None)
