"""The assignment's design write-up: a template, a check of completeness and length, and an
offline export to printable HTML and to PDF.

The assignment asks for at most two A4 pages at 11 pt on four parts (data, network architecture,
other resources, design and thoughts); the course adds a fifth, consent and safeguards.  The
write-up is Markdown.  ``check_writeup`` says what is missing; ``export_writeup`` writes an HTML
page styled for A4 at 11 pt and, where Chromium is installed, prints it to PDF with headless
Chromium and counts the pages.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

SECTIONS = {  # heading → the questions it should answer
    "Data": "Which person, with whose consent? How many hours, at what resolution and frame rate? "
    "How are clips cut, cleaned and labelled, and what is held out?",
    "Network architecture": "Which family (GAN, diffusion, transformer, a driven model) and why? "
    "What conditions it (identity, driving signal)? Draw the data flow; give parameters.",
    "Other resources": "Compute (FLOPs, GPU-hours, memory from the estimator), storage, people, "
    "and what each costs.",
    "Design and thoughts": "What did you try, what would you measure (identity kept, motion "
    "followed, consistency, realism), and what could go wrong?",
    "Consent and safeguards": "Whose likeness, with what consent? How is every output "
    "watermarked and labelled, and who may use the model?",
}
TODO = "TODO"
MAX_PAGES = 2
WORDS_PER_PAGE = 580  # A4, 11 pt, 2 cm margins: 1,158 words under 5 headings printed on 2 pages
PAGE_CSS = """
@page { size: A4; margin: 2cm; }
body { font-family: "DejaVu Serif", Georgia, serif; font-size: 11pt; line-height: 1.3; }
h1 { font-size: 15pt; margin: 0 0 6pt; } h2 { font-size: 12pt; margin: 10pt 0 3pt; }
p, li { margin: 0 0 5pt; } img { max-width: 100%; }
"""


def writeup_template(title: str = "A generator of videos of avatar k") -> str:
    """The write-up to start from: a heading per part, each with its questions and a TODO."""
    parts = [f"# {title}\n"]
    for heading, questions in SECTIONS.items():
        parts.append(f"## {heading}\n\n_{questions}_\n\n{TODO}: your answer.\n")
    return "\n".join(parts)


@dataclass
class WriteupReport:
    """What ``check_writeup`` found; ``complete`` when every part is there and filled in, and
    the text fits ``MAX_PAGES`` (by its words, or by the printed pages when known)."""

    missing: list[str] = field(default_factory=list)
    unfinished: list[str] = field(default_factory=list)
    words: int = 0
    pages: float = 0.0
    printed_pages: int | None = None

    @property
    def fits(self) -> bool:
        pages = self.printed_pages if self.printed_pages is not None else self.pages
        return pages <= MAX_PAGES

    @property
    def complete(self) -> bool:
        return not self.missing and not self.unfinished and self.fits

    def lines(self) -> list[str]:
        pages = f"about {self.pages:.1f} pages from {self.words} words"
        if self.printed_pages is not None:
            pages += f", {self.printed_pages} printed"
        return [
            f"parts missing: {', '.join(self.missing) or 'none'}",
            f"parts with a {TODO} or no answer: {', '.join(self.unfinished) or 'none'}",
            f"length: {pages} (at most {MAX_PAGES} A4 pages at 11 pt)"
            + ("" if self.fits else ": too long"),
        ]


def _parts(text: str) -> dict[str, str]:
    """The text under each level-2 heading, by heading (as written)."""
    pieces = re.split(r"^##[ \t]+(.+?)[ \t]*$", text, flags=re.MULTILINE)
    return {heading.strip(): body for heading, body in zip(pieces[1::2], pieces[2::2], strict=True)}


def check_writeup(text: str, *, printed_pages: int | None = None) -> WriteupReport:
    """Check a write-up (Markdown): every part of ``SECTIONS`` as a ``## `` heading, each with an
    answer beyond its questions and no TODO left, and its length."""
    if not isinstance(text, str):
        raise TypeError(f"text: expected the write-up as a str, got {type(text).__name__}")
    parts = {heading.lower(): body for heading, body in _parts(text).items()}
    report = WriteupReport(printed_pages=printed_pages)
    for heading, questions in SECTIONS.items():
        body = parts.get(heading.lower())
        if body is None:
            report.missing.append(heading)
            continue
        answer = body.replace(f"_{questions}_", "").strip()
        if TODO in body or len(answer.split()) < 10:
            report.unfinished.append(heading)
    report.words = len(re.sub(r"[#_*`>|-]", " ", text).split())
    report.pages = report.words / WORDS_PER_PAGE
    return report


def find_chromium() -> str | None:
    """The Chromium executable (``$CHROMIUM``, or ``chromium`` on the path), if there is one."""
    return (
        os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )


def pdf_pages(pdf: bytes) -> int:
    """The number of pages of a PDF (its page objects)."""
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


def export_writeup(text: str, folder: str | os.PathLike, name: str = "writeup") -> dict[str, Path]:
    """Write ``name.html`` (A4, 11 pt) and, where Chromium is installed, ``name.pdf`` into
    ``folder``; returns the paths written by format."""
    import mistune

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    body = mistune.html(text)
    html = folder / f"{name}.html"
    html.write_text(
        f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{name}</title>'
        f"<style>{PAGE_CSS}</style></head><body>\n{body}</body></html>\n",
        encoding="utf-8",
    )
    written = {"html": html}
    chromium = find_chromium()
    if chromium is None:
        return written
    pdf = folder / f"{name}.pdf"
    with tempfile.TemporaryDirectory() as profile:  # a fresh profile: nothing read or kept
        subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update",
             f"--user-data-dir={profile}", "--no-pdf-header-footer",
             f"--print-to-pdf={pdf}", html.resolve().as_uri()],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
    written["pdf"] = pdf
    return written
