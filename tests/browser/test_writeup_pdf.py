"""The write-up prints to PDF with headless Chromium (``make test-browser``, where it is)."""

import pytest

from course_utils.writeup import MAX_PAGES, WORDS_PER_PAGE, check_writeup, export_writeup, pdf_pages
from tests.test_writeup import filled

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("pages", [MAX_PAGES, MAX_PAGES + 1])
def test_the_pdf_has_the_pages_the_words_predict(tmp_path, pages):
    text = filled(words_per_part=int(WORDS_PER_PAGE * (pages - 0.3)) // 5)
    written = export_writeup(text, tmp_path)
    printed = pdf_pages(written["pdf"].read_bytes())
    assert printed == pages
    assert check_writeup(text, printed_pages=printed).fits == (pages <= MAX_PAGES)
