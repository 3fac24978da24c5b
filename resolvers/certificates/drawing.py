"""What a certificate page is drawn from — text, rectangles and the QR code placed on an A4 page
— and the drawing of them in grayscale."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import qrcode
from PIL import Image, ImageDraw
from qrcode.constants import ERROR_CORRECT_M

from resolvers.certificates.fonts import (
    glyph_advance,
    glyph_mask,
    measure,
)

PAGE_WIDTH = 1240  # A4 (210 × 297 mm) at 150 dpi
PAGE_HEIGHT = 1754
MARGIN = 120  # left and right edge of the content; the frame lies outside it

# Pages are stored as 4-bit grayscale (16 levels): a shade is a multiple of 17.
INK = 17
MUTED = 85
RULE = 153

_BASELINE = 1.08  # baseline below a line's top: ideographs centred in the line
_QR_TARGET = 250  # pixels across the QR, quiet zone included (about 42 mm)


@dataclass(frozen=True)
class Text:
    x: float
    top: float
    text: str
    size: int
    fill: int = INK
    anchor: str = "ls"  # "ls" left, "ms" centred on x, "rs" right-aligned at x


@dataclass(frozen=True)
class Rectangle:
    box: tuple[float, float, float, float]
    fill: int | None = None
    outline: int | None = RULE


@dataclass(frozen=True)
class Qr:
    x: int
    top: int
    image: Image.Image


@dataclass
class Plan:
    items: list[Text | Rectangle | Qr] = field(default_factory=list)

    def text(
        self, x: float, top: float, text: str, size: int, fill: int = INK, anchor: str = "ls"
    ) -> None:
        self.items.append(Text(x, top, text, size, fill, anchor))

    def texts(self) -> Iterable[str]:
        return (item.text for item in self.items if isinstance(item, Text))


def qr_image(url: str) -> tuple[Image.Image, int]:
    """The QR of ``url`` about ``_QR_TARGET`` pixels across, and its quiet zone's width."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4)
    code.add_data(url)
    code.make(fit=True)
    matrix = code.get_matrix()
    modules = len(matrix)
    pixels = bytes(0 if dark else 255 for row in matrix for dark in row)
    box = max(3, _QR_TARGET // modules)
    small = Image.frombytes("L", (modules, modules), pixels)
    return small.resize((modules * box, modules * box), Image.Resampling.NEAREST), 4 * box


def _draw_text(page: Image.Image, item: Text) -> None:
    x = item.x
    if item.anchor != "ls":
        width = measure(item.text, item.size)
        x -= width / 2 if item.anchor == "ms" else width
    y = round(item.top + _BASELINE * item.size)
    for character in item.text:
        mask, left, top = glyph_mask(item.size, character)
        if mask is not None:
            page.paste(item.fill, (round(x) + left, y + top), mask)
        x += glyph_advance(item.size, character)


def drawn_page(plan: Plan) -> Image.Image:
    page = Image.new("L", (PAGE_WIDTH, PAGE_HEIGHT), 255)
    draw = ImageDraw.Draw(page)
    for item in plan.items:
        if isinstance(item, Text):
            _draw_text(page, item)
        elif isinstance(item, Rectangle):
            draw.rectangle(item.box, fill=item.fill, outline=item.outline)
        else:
            page.paste(item.image, (item.x, item.top))
    return page
