"""The fonts a receipt is set in, shipped by packages (Noto, OFL-licensed) and embedded, subset, in each PDF:
Noto Sans for Latin, Greek and Cyrillic, Noto Sans Arabic and Noto Sans CJK (Chinese, Japanese, Korean) as
fallbacks for the characters it lacks. Arabic is shaped (joined, right to left) by HarfBuzz.

Loading the CJK font costs a second or so and embedding it more, so a fallback is added only to a receipt whose
text has a character of its script."""

from __future__ import annotations

from collections.abc import Iterable
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fpdf import FPDF

FAMILY = "NotoSans"
_SANS = ("fontpkg_noto_sans", "files/NotoSans[wdth,wght].ttf")
_ARABIC = ("fontpkg_noto_sans_arabic", "files/NotoSansArabic[wdth,wght].ttf")
_CJK = ("noto_cjk_sans_jp_regular", "NotoSansCJKjp-Regular.otf")  # every CJK glyph; Japanese forms by default
# The code points each fallback is for (Unicode blocks).
_ARABIC_BLOCKS = ((0x0600, 0x06FF), (0x0750, 0x077F), (0x0870, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))
_CJK_BLOCKS = (
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x2E80, 0x2FDF),  # radicals
    (0x3000, 0x9FFF),  # punctuation, kana, Bopomofo, Hangul compatibility Jamo, CJK ideographs
    (0xA960, 0xA97F),
    (0xAC00, 0xD7FF),  # Hangul syllables
    (0xF900, 0xFAFF),
    (0xFE30, 0xFE4F),
    (0xFF00, 0xFFEF),  # full-width forms
    (0x20000, 0x3FFFF),
)


def _path(package: str, name: str) -> Path:
    return Path(str(files(package).joinpath(name)))


def _uses(texts: Iterable[str], blocks: tuple[tuple[int, int], ...]) -> bool:
    return any(low <= ord(char) <= high for text in texts for char in text for low, high in blocks)


def set_up(pdf: FPDF, texts: Iterable[str]) -> None:
    """Add the fonts `texts` need to `pdf`, the fallbacks behind Noto Sans, and turn shaping on."""
    shown = list(texts)
    pdf.add_font(FAMILY, "", _path(*_SANS))
    fallbacks = []
    for name, font, blocks in (("NotoSansArabic", _ARABIC, _ARABIC_BLOCKS), ("NotoSansCJK", _CJK, _CJK_BLOCKS)):
        if _uses(shown, blocks):
            pdf.add_font(name, "", _path(*font))
            fallbacks.append(name)
    if fallbacks:
        pdf.set_fallback_fonts(fallbacks)
    pdf.set_text_shaping(True)
