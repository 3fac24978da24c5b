"""Certificate pages (证明 / 认证报告 / 转换证明) drawn to PNG and PDF: Chinese text in Noto Sans
CJK SC and a QR code of the verify URL, laid out like the 转换证明 of seed 004 §5.2.

Pure, synchronous and CPU-bound: callers run these functions in a worker thread. The font comes
from the ``noto-cjk-sans-otc`` package; a missing font raises ``FontMissing`` and a character the
font has no glyph for raises ``GlyphMissing``, so a page never shows .notdef boxes.
"""

from __future__ import annotations

import bisect
import io
import itertools
import re
import struct
import threading
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont
from qrcode.constants import ERROR_CORRECT_M

FONT_PACKAGE = "noto-cjk-sans-otc"
FONT_FAMILY = "Noto Sans CJK SC"

DPI = 150
PAGE_WIDTH = 1240  # A4 (210 × 297 mm) at 150 dpi
PAGE_HEIGHT = 1754
MARGIN = 120  # left and right edge of the content; the frame lies outside it
_A4_POINTS = (595.28, 841.89)
_FRAME = 56
_BOTTOM = PAGE_HEIGHT - 120
_CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN

# Pages are stored as 4-bit grayscale (16 levels): a shade is a multiple of 17.
_INK = 17
_MUTED = 85
_RULE = 153
_HEADER_FILL = 238
_NIBBLES = [(value * 15 + 127) // 255 for value in range(256)]  # 0..255 to the nearest 0..15

_TITLE_SIZE = 60
_META_SIZE = 20
_HEADING_SIZE = 24
_BODY_SIZE = 22
_CELL_SIZE = 20
_SMALL_SIZE = 18
_LINE = 1.4  # line height, in font sizes
_BASELINE = 1.08  # baseline below a line's top: ideographs centred in the line
_CELL_PAD_X = 10
_CELL_PAD_Y = 6
_SCALES = (1.0, 0.9, 0.8, 0.7)  # table text shrinks (to 14 px, 6.7 pt) until one page holds it
MAX_PAGES = 50  # a longer certificate (about 1,000 achievements) is refused
_BODY_TOP = 312.0
_QR_TARGET = 250  # pixels across the QR, quiet zone included (about 42 mm)
_NO_LINE_START = set("，。、；：？！）》」』】〕,.;:?!)]}%")
_NO_LINE_END = set("（《「『【〔([{")
_FACE_LOCK = threading.Lock()  # one FreeType face per size, shared by the renderer threads


class FontMissing(RuntimeError):
    """The Chinese font is not installed (or is not the collection we expect)."""


class GlyphMissing(ValueError):
    """The text holds a character the font cannot draw; drawing it would show a box."""

    def __init__(self, character: str, text: str) -> None:
        super().__init__(
            f"{FONT_FAMILY} has no glyph for {character!r} (U+{ord(character):04X}) in {text!r}"
        )
        self.character = character


class CertificateOverflow(ValueError):
    """The content does not fit on ``MAX_PAGES`` pages, or one table row is taller than a page."""


@dataclass
class Table:
    """A table of the page; ``title`` is its lead-in line (以下学习成果记录于学分银行……：)."""

    title: str
    headers: list[str]
    rows: list[list[str]]


@dataclass
class CertificateLayout:
    """What a certificate shows. ``rule_code`` (转换规则编码) is drawn under the title of the last
    table, the 源成果 / 目标成果 table of a conversion certificate. One page when the tables fit
    in some text size of ``_SCALES``; otherwise the tables run on over continuation pages, each
    a whole certificate page (title, number, QR, issuer, date) marked 第n页 共m页, with the
    table's header row repeated."""

    title: str
    number: str
    holder_name: str
    holder_id_number: str
    tables: list[Table]
    rule_code: str | None
    verify_url: str
    verify_caption: str
    issuer: str
    issued_on: date
    valid_until: date
    status_note: str = ""
    notes: list[str] = field(default_factory=list)  # small print after the tables (来源说明)


def chinese_date(day: date) -> str:
    """2022年03月04日"""
    return f"{day.year}年{day.month:02d}月{day.day:02d}日"


def render_png(layout: CertificateLayout) -> bytes:
    """The certificate as an A4 page at 150 dpi, 4-bit grayscale PNG; several pages are stacked
    top to bottom in one image (scrolled through on a phone)."""
    page = _stacked(_pages(layout))
    width, height = page.size
    metre = round(DPI / 0.0254)
    chunks = [
        (b"IHDR", struct.pack(">IIBBBBB", width, height, 4, 0, 0, 0, 0)),
        (b"pHYs", struct.pack(">IIB", metre, metre, 1)),
        (b"IDAT", _deflated_rows(page)),
        (b"IEND", b""),
    ]
    return b"\x89PNG\r\n\x1a\n" + b"".join(
        struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))
        for tag, data in chunks
    )


def render_pdf(layout: CertificateLayout) -> bytes:
    """The same pages as an A4 PDF, each image stored losslessly (Flate)."""
    return _pdf(_pages(layout), f"{layout.title} {layout.number}")


def qr_png(url: str) -> bytes:
    """The bare QR code of ``url`` as PNG (error correction M, four-module quiet zone)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4, box_size=10)
    code.add_data(url)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image().save(buffer)
    return buffer.getvalue()


def check_glyphs(text: str) -> None:
    """Raise ``GlyphMissing`` unless the font draws every character of ``text``; a use-case
    can call it on a name before queueing a render."""
    starts, ends = _coverage()
    for character in set(text):
        code = ord(character)
        at = bisect.bisect_right(starts, code) - 1
        if at < 0 or code > ends[at]:
            raise GlyphMissing(character, text)


# The font


def font_path() -> Path:
    """The OpenType collection of the ``noto-cjk-sans-otc`` package."""
    hint = (
        f"install the Python package {FONT_PACKAGE} (make install, or pip install {FONT_PACKAGE})"
    )
    try:
        from noto_cjk_sans_otc import FONT_PATH
    except ImportError as error:
        raise FontMissing(f"The Chinese font is missing: {hint}") from error
    path = Path(str(FONT_PATH))
    if not path.is_file():
        raise FontMissing(f"The Chinese font file {path} is missing: {hint}")
    return path


@lru_cache(maxsize=1)
def _typeface() -> tuple[str, int]:
    """The collection's path and the index of its face whose family is ``FONT_FAMILY``."""
    path = str(font_path())
    for index in itertools.count():
        try:
            face = ImageFont.truetype(path, 12, index=index)
        except OSError:
            break
        if face.getname()[0] == FONT_FAMILY:
            return path, index
    raise FontMissing(f"{path} holds no face of the family {FONT_FAMILY}: reinstall {FONT_PACKAGE}")


@lru_cache(maxsize=32)
def _font(size: int) -> ImageFont.FreeTypeFont:
    path, index = _typeface()
    return ImageFont.truetype(path, size, index=index, layout_engine=ImageFont.Layout.BASIC)


@lru_cache(maxsize=4096)
def _advance(size: int, character: str) -> float:
    font = _font(size)
    with _FACE_LOCK:
        return font.getlength(character)


def _width(text: str, size: int) -> float:
    return sum(_advance(size, character) for character in text)


@lru_cache(maxsize=1)
def _coverage() -> tuple[list[int], list[int]]:
    """The code points the face maps to a glyph, as sorted merged ranges (starts, ends)."""
    path, index = _typeface()
    with open(path, "rb") as file:
        ranges = sorted(_cmap_ranges(file, index))
    starts: list[int] = []
    ends: list[int] = []
    for start, end in ranges:
        if ends and start <= ends[-1] + 1:
            ends[-1] = max(ends[-1], end)
        else:
            starts.append(start)
            ends.append(end)
    return starts, ends


def _cmap_ranges(file: io.BufferedReader, index: int) -> Iterator[tuple[int, int]]:
    """Read the face's Unicode cmap (format 12, else format 4) from an OTF or a TTC."""

    def read(offset: int, length: int) -> bytes:
        file.seek(offset)
        return file.read(length)

    face = 0
    if read(0, 4) == b"ttcf":
        face = struct.unpack(">I", read(12 + 4 * index, 4))[0]
    (count,) = struct.unpack(">H", read(face + 4, 2))
    directory = read(face + 12, 16 * count)
    tables = {
        directory[i : i + 4]: struct.unpack(">II", directory[i + 8 : i + 16])
        for i in range(0, len(directory), 16)
    }
    offset, length = tables[b"cmap"]
    cmap = read(offset, length)
    (subtables,) = struct.unpack(">H", cmap[2:4])
    chosen: dict[int, int] = {}
    for i in range(subtables):
        platform, encoding, at = struct.unpack(">HHI", cmap[4 + 8 * i : 12 + 8 * i])
        if (platform, encoding) in ((3, 10), (0, 4), (3, 1), (0, 3)):
            chosen.setdefault(struct.unpack(">H", cmap[at : at + 2])[0], at)
    if 12 in chosen:
        yield from _format_12(cmap, chosen[12])
    elif 4 in chosen:
        yield from _format_4(cmap, chosen[4])
    else:
        raise FontMissing(f"{FONT_FAMILY} in {file.name} has no Unicode cmap")


def _format_12(cmap: bytes, at: int) -> Iterator[tuple[int, int]]:
    (groups,) = struct.unpack(">I", cmap[at + 12 : at + 16])
    for start, end, glyph in struct.iter_unpack(">III", cmap[at + 16 : at + 16 + 12 * groups]):
        if glyph == 0:  # the first code point of the group maps to .notdef
            start += 1
        if start <= end:
            yield start, end


def _format_4(cmap: bytes, at: int) -> Iterator[tuple[int, int]]:
    segments = struct.unpack(">H", cmap[at + 6 : at + 8])[0] // 2

    def array(position: int) -> tuple[int, ...]:
        return struct.unpack(f">{segments}H", cmap[position : position + 2 * segments])

    ends = array(at + 14)
    starts = array(at + 16 + 2 * segments)
    deltas = array(at + 16 + 4 * segments)
    range_at = at + 16 + 6 * segments
    range_offsets = array(range_at)
    for i, (start, end) in enumerate(zip(starts, ends, strict=True)):
        if start == 0xFFFF:
            continue
        if range_offsets[i] == 0:
            yield from (
                (code, code) for code in range(start, end + 1) if (code + deltas[i]) & 0xFFFF
            )
            continue
        for code in range(start, end + 1):
            position = range_at + 2 * i + range_offsets[i] + 2 * (code - start)
            (glyph,) = struct.unpack(">H", cmap[position : position + 2])
            if glyph:
                yield code, code


# The layout: a list of things to draw, planned before anything is drawn


@dataclass(frozen=True)
class _Text:
    x: float
    top: float
    text: str
    size: int
    fill: int = _INK
    anchor: str = "ls"  # "ls" left, "ms" centred on x, "rs" right-aligned at x


@dataclass(frozen=True)
class _Rectangle:
    box: tuple[float, float, float, float]
    fill: int | None = None
    outline: int | None = _RULE


@dataclass(frozen=True)
class _Qr:
    x: int
    top: int
    image: Image.Image


@dataclass
class _Plan:
    items: list[_Text | _Rectangle | _Qr] = field(default_factory=list)

    def text(
        self, x: float, top: float, text: str, size: int, fill: int = _INK, anchor: str = "ls"
    ) -> None:
        self.items.append(_Text(x, top, text, size, fill, anchor))

    def texts(self) -> Iterable[str]:
        return (item.text for item in self.items if isinstance(item, _Text))


def _line_height(size: int) -> int:
    return round(size * _LINE)


def _wrap(text: str, size: int, width: float) -> list[str]:
    """Lines of ``text`` no wider than ``width``: breaks anywhere between ideographs, between
    Latin words where it can, inside a word only when the word alone is too wide; a closing
    mark never starts a line."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line: list[str] = []
        used = 0.0
        for token in re.findall(r"[0-9A-Za-z_\-./:@#%&+=?~]+ ?|.", paragraph):
            token_width = _width(token, size)
            if used + token_width - _trailing_space(token, size) <= width:
                line.append(token)
                used += token_width
                continue
            carried: list[str] = []
            if line and (token[0] in _NO_LINE_START or line[-1][-1] in _NO_LINE_END):
                carried = [line.pop()]
            if line:
                lines.append("".join(line).rstrip())
            line, used = carried, _width("".join(carried), size)
            for character in token:
                advance = _advance(size, character)
                if line and used + advance > width and character != " ":
                    lines.append("".join(line).rstrip())
                    line, used = [], 0.0
                line.append(character)
                used += advance
        lines.append("".join(line).rstrip())
    return lines


def _trailing_space(token: str, size: int) -> float:
    return _advance(size, " ") if token.endswith(" ") else 0.0


def _column_widths(table: Table, size: int) -> list[int]:
    """Max-min fair widths: every column gets its header's width if the headers fit, short
    columns get all they need, the long ones share the rest equally."""
    total = _CONTENT_WIDTH
    count = len(table.headers)
    pad = 2 * _CELL_PAD_X
    natural = [
        max(_width(line, size) for cell in column for line in cell.split("\n")) + pad
        for column in zip(table.headers, *table.rows, strict=True)
    ]
    headers = [_width(header, size) + pad for header in table.headers]
    floor = headers if sum(headers) <= total else [total / count] * count
    if sum(natural) <= total:
        widths = [width * total / sum(natural) for width in natural]
    else:
        widths = [min(a, b) for a, b in zip(floor, natural, strict=True)]
        hungry = [i for i in range(count) if natural[i] > widths[i]]
        left = total - sum(widths)
        while hungry and left > 0.5:
            share = left / len(hungry)
            for i in list(hungry):
                give = min(share, natural[i] - widths[i])
                widths[i] += give
                left -= give
                if natural[i] - widths[i] < 0.5:
                    hungry.remove(i)
    edges = [round(x) for x in itertools.accumulate(widths, initial=0.0)]
    edges[-1] = total
    return [b - a for a, b in itertools.pairwise(edges)]


class _PageFull(Exception):
    """The body reached the footer of a layout that must stay on one page."""


class _Flow:
    """Places the body top to bottom below the header, starting a continuation page (a copy of
    ``frame``: title, number, QR, issuer, date) when a block would reach the footer, unless the
    layout must stay on one page."""

    def __init__(self, frame: list[_Text | _Rectangle | _Qr], limit: float, *, paged: bool):
        self._frame = frame
        self._limit = limit
        self._paged = paged
        self.pages: list[_Plan] = []
        self.plan = self._new_page()
        self.top = _BODY_TOP

    def _new_page(self) -> _Plan:
        if len(self.pages) == MAX_PAGES:
            raise CertificateOverflow(f"more than {MAX_PAGES} pages: list fewer achievements")
        plan = _Plan(list(self._frame))
        self.pages.append(plan)
        return plan

    def room(self, height: float) -> bool:
        """Whether the current page has ``height`` left; if not, the next page starts (and
        False says so) or, on a one-page layout, ``_PageFull``."""
        if self.top + height <= self._limit:
            return True
        if not self._paged:
            raise _PageFull
        if self.top == _BODY_TOP:
            raise CertificateOverflow("one table row is taller than a page")
        self.plan = self._new_page()
        self.top = _BODY_TOP
        return False

    def lines(self, text: str, size: int, indent: int = 0) -> None:
        for line in _wrap(text, size, _CONTENT_WIDTH - indent):
            self.room(_line_height(size))
            self.plan.text(MARGIN + indent, self.top, line, size)
            self.top += _line_height(size)


@dataclass
class _Row:
    cells: list[list[str]]  # the lines of each cell
    height: float
    header: bool = False


def _table_rows(table: Table, widths: list[int], size: int, pad: int) -> list[_Row]:
    line = _line_height(size)
    rows = []
    for index, row in enumerate([table.headers, *table.rows]):
        cells = [
            _wrap(text, size, width - 2 * _CELL_PAD_X)
            for text, width in zip(row, widths, strict=True)
        ]
        height = max(len(lines) for lines in cells) * line + 2 * pad
        rows.append(_Row(cells, height, header=index == 0))
    return rows


def _draw_row(flow: _Flow, row: _Row, widths: list[int], size: int, pad: int) -> None:
    line = _line_height(size)
    x = float(MARGIN)
    top = flow.top
    for lines, width in zip(row.cells, widths, strict=True):
        fill = _HEADER_FILL if row.header else None
        flow.plan.items.append(_Rectangle((x, top, x + width, top + row.height), fill=fill))
        for number, text in enumerate(lines):
            line_top = top + pad + number * line
            if row.header:
                flow.plan.text(x + width / 2, line_top, text, size, anchor="ms")
            else:
                flow.plan.text(x + _CELL_PAD_X, line_top, text, size)
        x += width
    flow.top += row.height


def _plan_table(flow: _Flow, table: Table, lead: list[str], scale: float) -> None:
    """The table's lead-in ``lead`` (its title, the rule code) kept with its header and first
    row; rows that reach the footer go on the next page under the header row again."""
    for number, given in enumerate(table.rows, start=1):
        if len(given) != len(table.headers):
            raise ValueError(
                f"row {number} of {table.title!r} has {len(given)} cells for {len(table.headers)}"
            )
    size = round(_CELL_SIZE * scale)
    pad = round(_CELL_PAD_Y * scale)
    widths = _column_widths(table, size)
    header, *rows = _table_rows(table, widths, size, pad)
    lead_height = sum(
        len(_wrap(text, text_size, _CONTENT_WIDTH - indent)) * _line_height(text_size)
        for text, text_size, indent in _lead_lines(lead)
    )
    first = rows[0].height if rows else 0.0
    flow.room(lead_height + 6 + header.height + first)
    for text, text_size, indent in _lead_lines(lead):
        flow.lines(text, text_size, indent)
    flow.top += 6
    _draw_row(flow, header, widths, size, pad)
    for row in rows:
        if not flow.room(row.height):
            _draw_row(flow, header, widths, size, pad)
        _draw_row(flow, row, widths, size, pad)


def _lead_lines(lead: list[str]) -> list[tuple[str, int, int]]:
    """A table's title in the heading size, then the rule code indented in the body size."""
    return [
        (text, _HEADING_SIZE, 0) if index == 0 else (text, _BODY_SIZE, 2 * _BODY_SIZE)
        for index, text in enumerate(lead)
    ]


def _plan_body(flow: _Flow, layout: CertificateLayout, scale: float) -> None:
    """Status note, holder and tables below the header."""
    gap = round(22 * scale)
    indent = 2 * _BODY_SIZE
    if layout.status_note:
        size = _HEADING_SIZE + 2
        lines = _wrap(layout.status_note, size, _CONTENT_WIDTH - 40)
        height = len(lines) * _line_height(size) + 20
        top = flow.top
        box = (MARGIN, top, PAGE_WIDTH - MARGIN, top + height)
        flow.plan.items.append(_Rectangle(box, outline=0))
        for number, line in enumerate(lines):
            line_top = top + 10 + number * _line_height(size)
            flow.plan.text(PAGE_WIDTH / 2, line_top, line, size, 0, "ms")
        flow.top += height + gap
    flow.lines("申请人基本信息：", _HEADING_SIZE)
    flow.top += 4
    flow.lines(f"姓　　名：{layout.holder_name}", _BODY_SIZE, indent)
    flow.lines(f"身份证号：{layout.holder_id_number}", _BODY_SIZE, indent)
    rule = f"转换规则编码：{layout.rule_code}"
    for number, table in enumerate(layout.tables, start=1):
        flow.top += gap
        lead = [table.title]
        if layout.rule_code and number == len(layout.tables):
            lead.append(rule)
        _plan_table(flow, table, lead, scale)
    if layout.rule_code and not layout.tables:
        flow.top += gap
        flow.lines(rule, _BODY_SIZE)
    if layout.notes:
        flow.top += gap
    for note in layout.notes:
        flow.lines(note, round(_META_SIZE * scale))


def _plan_footer(plan: _Plan, layout: CertificateLayout) -> float:
    """QR, caption and URL bottom left; issuer and date bottom right. Returns the footer's top."""
    qr, quiet = _qr_image(layout.verify_url)
    text_width = _CONTENT_WIDTH * 0.6
    caption = _wrap(layout.verify_caption, _META_SIZE, text_width)
    url = _wrap(layout.verify_url, _SMALL_SIZE, text_width)
    height = qr.height + 8 + len(caption) * _line_height(_META_SIZE)
    height += len(url) * _line_height(_SMALL_SIZE)
    top = _BOTTOM - height
    # The quiet zone is white: the QR's modules line up with the text's left edge.
    plan.items.append(_Qr(MARGIN - quiet, round(top), qr))
    y = top + qr.height + 8
    for line in caption:
        plan.text(MARGIN, y, line, _META_SIZE)
        y += _line_height(_META_SIZE)
    for line in url:
        plan.text(MARGIN, y, line, _SMALL_SIZE, _MUTED)
        y += _line_height(_SMALL_SIZE)
    right = PAGE_WIDTH - MARGIN
    date_top = _BOTTOM - _line_height(_BODY_SIZE)
    plan.text(right, date_top, chinese_date(layout.issued_on), _BODY_SIZE, anchor="rs")
    issuer_top = date_top - _line_height(_HEADING_SIZE) - 6
    for line in reversed(_wrap(layout.issuer, _HEADING_SIZE, _CONTENT_WIDTH * 0.35)):
        plan.text(right, issuer_top, line, _HEADING_SIZE, anchor="rs")
        issuer_top -= _line_height(_HEADING_SIZE)
    return top


def _plans(layout: CertificateLayout) -> list[_Plan]:
    """One page if the tables fit in some text size; else continuation pages in the largest."""
    frame = _Plan()
    frame.items.append(_Rectangle((_FRAME, _FRAME, PAGE_WIDTH - _FRAME, PAGE_HEIGHT - _FRAME)))
    inner = _FRAME + 8
    box = (inner, inner, PAGE_WIDTH - inner, PAGE_HEIGHT - inner)
    frame.items.append(_Rectangle(box, outline=_MUTED))
    _plan_title(frame, layout.title)
    frame.text(MARGIN, 236, f"编号：{layout.number}", _META_SIZE, _MUTED)
    validity = f"有效期至 {chinese_date(layout.valid_until)}"
    frame.text(PAGE_WIDTH - MARGIN, 236, validity, _META_SIZE, _MUTED, "rs")
    frame.items.append(_Rectangle((MARGIN, 280, PAGE_WIDTH - MARGIN, 280)))
    limit = _plan_footer(frame, layout) - 30
    for scale in _SCALES:
        flow = _Flow(frame.items, limit, paged=False)
        try:
            _plan_body(flow, layout, scale)
        except _PageFull:
            continue
        return flow.pages
    flow = _Flow(frame.items, limit, paged=True)
    _plan_body(flow, layout, _SCALES[0])
    count = len(flow.pages)
    for number, plan in enumerate(flow.pages, start=1):
        plan.text(PAGE_WIDTH / 2, 236, f"第{number}页 共{count}页", _META_SIZE, _MUTED, "ms")
    return flow.pages


def _plan_title(plan: _Plan, title: str) -> None:
    """The title centred, its characters spaced a third of an em apart."""
    tracking = _TITLE_SIZE // 3
    width = _width(title, _TITLE_SIZE) + tracking * (len(title) - 1)
    if width > _CONTENT_WIDTH:
        tracking = 0
        width = _width(title, _TITLE_SIZE)
    x = (PAGE_WIDTH - width) / 2
    for character in title:
        plan.text(x, 120, character, _TITLE_SIZE)
        x += _advance(_TITLE_SIZE, character) + tracking


# Drawing


def _qr_image(url: str) -> tuple[Image.Image, int]:
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


@lru_cache(maxsize=8192)
def _glyph(size: int, character: str) -> tuple[Image.Image | None, int, int]:
    """The coverage mask of one glyph and its offset from the pen position on the baseline:
    each glyph is rasterised once, then pasted (FreeType's CJK outlines are slow to render)."""
    font = _font(size)
    with _FACE_LOCK:
        left, top, right, bottom = (int(edge) for edge in font.getbbox(character, anchor="ls"))
        if right <= left or bottom <= top:
            return None, 0, 0
        mask = Image.new("L", (right - left, bottom - top), 0)
        ImageDraw.Draw(mask).text((-left, -top), character, 255, font, anchor="ls")
    return mask, left, top


def _draw_text(page: Image.Image, item: _Text) -> None:
    x = item.x
    if item.anchor != "ls":
        width = _width(item.text, item.size)
        x -= width / 2 if item.anchor == "ms" else width
    y = round(item.top + _BASELINE * item.size)
    for character in item.text:
        mask, left, top = _glyph(item.size, character)
        if mask is not None:
            page.paste(item.fill, (round(x) + left, y + top), mask)
        x += _advance(item.size, character)


def _pages(layout: CertificateLayout) -> list[Image.Image]:
    plans = _plans(layout)
    check_glyphs("".join(text for plan in plans for text in plan.texts()))
    return [_drawn(plan) for plan in plans]


def _drawn(plan: _Plan) -> Image.Image:
    page = Image.new("L", (PAGE_WIDTH, PAGE_HEIGHT), 255)
    draw = ImageDraw.Draw(page)
    for item in plan.items:
        if isinstance(item, _Text):
            _draw_text(page, item)
        elif isinstance(item, _Rectangle):
            draw.rectangle(item.box, fill=item.fill, outline=item.outline)
        else:
            page.paste(item.image, (item.x, item.top))
    return page


def _stacked(pages: list[Image.Image]) -> Image.Image:
    if len(pages) == 1:
        return pages[0]
    column = Image.new("L", (PAGE_WIDTH, PAGE_HEIGHT * len(pages)), 255)
    for number, page in enumerate(pages):
        column.paste(page, (0, number * PAGE_HEIGHT))
    return column


def _deflated_rows(page: Image.Image) -> bytes:
    """The rows as 4-bit gray, each behind PNG filter byte 0 (none), deflated: PNG's IDAT and a
    PDF Flate stream with the PNG predictor. Half the bytes of 8-bit gray to compress, and no
    per-row filter search (Pillow's PNG writer tries five filters on every row, which takes
    longer than drawing the whole page)."""
    width, height = page.size
    rows = Image.new("L", (width + 2, height), 0)  # two zero pixels: each row's filter byte
    rows.paste(page.point(_NIBBLES), (2, 0))
    return zlib.compress(rows.tobytes("raw", "L;4"), 1)


def _pdf(pages: list[Image.Image], title: str) -> bytes:
    """An A4 PDF showing each of ``pages`` (grayscale) over a whole page."""
    a4_width, a4_height = _A4_POINTS
    draw = f"q {a4_width} 0 0 {a4_height} 0 0 cm /Page Do Q".encode()
    title_hex = ("\ufeff" + title).encode("utf-16-be").hex().upper()
    # 1 catalog, 2 page tree, 3 info; then per page: the page, its image, its contents.
    first = 4
    kids = " ".join(f"{first + 3 * n} 0 R" for n in range(len(pages)))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode(),
        f"<< /Title <{title_hex}> /Producer (creditbank) >>".encode(),
    ]
    for n, page in enumerate(pages):
        width, height = page.size
        data = _deflated_rows(page)
        image, contents = first + 3 * n + 1, first + 3 * n + 2
        objects += [
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {a4_width} {a4_height}] "
            f"/Resources << /XObject << /Page {image} 0 R >> >> "
            f"/Contents {contents} 0 R >>".encode(),
            f"<< /Type /XObject /Subtype /Image /Width {width} /Height {height} "
            "/ColorSpace /DeviceGray /BitsPerComponent 4 /Filter /FlateDecode "
            f"/DecodeParms << /Predictor 15 /Colors 1 /BitsPerComponent 4 /Columns {width} >> "
            f"/Length {len(data)} >>\nstream\n".encode()
            + data
            + b"\nendstream",
            f"<< /Length {len(draw)} >>\nstream\n".encode() + draw + b"\nendstream",
        ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 3 0 R >>\n"
        f"startxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)
