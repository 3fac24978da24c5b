"""The layout of a certificate page (证明 / 认证报告 / 转换证明), like the 转换证明 of seed 004
§5.2: a list of things to draw, planned before anything is drawn — title, holder, the tables
(continued over pages when they do not fit on one) and the footer with the QR code."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import date

from resolvers.certificates.drawing import (
    MARGIN,
    MUTED,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    Plan,
    Qr,
    Rectangle,
    Text,
    qr_image,
)
from resolvers.certificates.fonts import (
    glyph_advance,
    measure,
)

_FRAME = 56
_BOTTOM = PAGE_HEIGHT - 120
_CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
_HEADER_FILL = 238

_TITLE_SIZE = 60
_META_SIZE = 20
_HEADING_SIZE = 24
_BODY_SIZE = 22
_CELL_SIZE = 20
_SMALL_SIZE = 18
_LINE = 1.4  # line height, in font sizes
_CELL_PAD_X = 10
_CELL_PAD_Y = 6
_SCALES = (1.0, 0.9, 0.8, 0.7)  # table text shrinks (to 14 px, 6.7 pt) until one page holds it
MAX_PAGES = 50  # a longer certificate (about 1,000 achievements) is refused
_BODY_TOP = 312.0
_NO_LINE_START = set("，。、；：？！）》」』】〕,.;:?!)]}%")
_NO_LINE_END = set("（《「『【〔([{")


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


def _line_height(size: int) -> int:
    return round(size * _LINE)


def wrap_lines(text: str, size: int, width: float) -> list[str]:
    """Lines of ``text`` no wider than ``width``: breaks anywhere between ideographs, between
    Latin words where it can, inside a word only when the word alone is too wide; a closing
    mark never starts a line."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line: list[str] = []
        used = 0.0
        for token in re.findall(r"[0-9A-Za-z_\-./:@#%&+=?~]+ ?|.", paragraph):
            token_width = measure(token, size)
            if used + token_width - _trailing_space(token, size) <= width:
                line.append(token)
                used += token_width
                continue
            carried: list[str] = []
            if line and (token[0] in _NO_LINE_START or line[-1][-1] in _NO_LINE_END):
                carried = [line.pop()]
            if line:
                lines.append("".join(line).rstrip())
            line, used = carried, measure("".join(carried), size)
            for character in token:
                advance = glyph_advance(size, character)
                if line and used + advance > width and character != " ":
                    lines.append("".join(line).rstrip())
                    line, used = [], 0.0
                line.append(character)
                used += advance
        lines.append("".join(line).rstrip())
    return lines


def _trailing_space(token: str, size: int) -> float:
    return glyph_advance(size, " ") if token.endswith(" ") else 0.0


def _column_widths(table: Table, size: int) -> list[int]:
    """Max-min fair widths: every column gets its header's width if the headers fit, short
    columns get all they need, the long ones share the rest equally."""
    total = _CONTENT_WIDTH
    count = len(table.headers)
    pad = 2 * _CELL_PAD_X
    natural = [
        max(measure(line, size) for cell in column for line in cell.split("\n")) + pad
        for column in zip(table.headers, *table.rows, strict=True)
    ]
    headers = [measure(header, size) + pad for header in table.headers]
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

    def __init__(self, frame: list[Text | Rectangle | Qr], limit: float, *, paged: bool):
        self._frame = frame
        self._limit = limit
        self._paged = paged
        self.pages: list[Plan] = []
        self.plan = self._new_page()
        self.top = _BODY_TOP

    def _new_page(self) -> Plan:
        if len(self.pages) == MAX_PAGES:
            raise CertificateOverflow(f"more than {MAX_PAGES} pages: list fewer achievements")
        plan = Plan(list(self._frame))
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
        for line in wrap_lines(text, size, _CONTENT_WIDTH - indent):
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
            wrap_lines(text, size, width - 2 * _CELL_PAD_X)
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
        flow.plan.items.append(Rectangle((x, top, x + width, top + row.height), fill=fill))
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
        len(wrap_lines(text, text_size, _CONTENT_WIDTH - indent)) * _line_height(text_size)
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
        lines = wrap_lines(layout.status_note, size, _CONTENT_WIDTH - 40)
        height = len(lines) * _line_height(size) + 20
        top = flow.top
        box = (MARGIN, top, PAGE_WIDTH - MARGIN, top + height)
        flow.plan.items.append(Rectangle(box, outline=0))
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


def _plan_footer(plan: Plan, layout: CertificateLayout) -> float:
    """QR, caption and URL bottom left; issuer and date bottom right. Returns the footer's top."""
    qr, quiet = qr_image(layout.verify_url)
    text_width = _CONTENT_WIDTH * 0.6
    caption = wrap_lines(layout.verify_caption, _META_SIZE, text_width)
    url = wrap_lines(layout.verify_url, _SMALL_SIZE, text_width)
    height = qr.height + 8 + len(caption) * _line_height(_META_SIZE)
    height += len(url) * _line_height(_SMALL_SIZE)
    top = _BOTTOM - height
    # The quiet zone is white: the QR's modules line up with the text's left edge.
    plan.items.append(Qr(MARGIN - quiet, round(top), qr))
    y = top + qr.height + 8
    for line in caption:
        plan.text(MARGIN, y, line, _META_SIZE)
        y += _line_height(_META_SIZE)
    for line in url:
        plan.text(MARGIN, y, line, _SMALL_SIZE, MUTED)
        y += _line_height(_SMALL_SIZE)
    right = PAGE_WIDTH - MARGIN
    date_top = _BOTTOM - _line_height(_BODY_SIZE)
    plan.text(right, date_top, chinese_date(layout.issued_on), _BODY_SIZE, anchor="rs")
    issuer_top = date_top - _line_height(_HEADING_SIZE) - 6
    for line in reversed(wrap_lines(layout.issuer, _HEADING_SIZE, _CONTENT_WIDTH * 0.35)):
        plan.text(right, issuer_top, line, _HEADING_SIZE, anchor="rs")
        issuer_top -= _line_height(_HEADING_SIZE)
    return top


def plan_pages(layout: CertificateLayout) -> list[Plan]:
    """One page if the tables fit in some text size; else continuation pages in the largest."""
    frame = Plan()
    frame.items.append(Rectangle((_FRAME, _FRAME, PAGE_WIDTH - _FRAME, PAGE_HEIGHT - _FRAME)))
    inner = _FRAME + 8
    box = (inner, inner, PAGE_WIDTH - inner, PAGE_HEIGHT - inner)
    frame.items.append(Rectangle(box, outline=MUTED))
    _plan_title(frame, layout.title)
    frame.text(MARGIN, 236, f"编号：{layout.number}", _META_SIZE, MUTED)
    validity = f"有效期至 {chinese_date(layout.valid_until)}"
    frame.text(PAGE_WIDTH - MARGIN, 236, validity, _META_SIZE, MUTED, "rs")
    frame.items.append(Rectangle((MARGIN, 280, PAGE_WIDTH - MARGIN, 280)))
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
        plan.text(PAGE_WIDTH / 2, 236, f"第{number}页 共{count}页", _META_SIZE, MUTED, "ms")
    return flow.pages


def _plan_title(plan: Plan, title: str) -> None:
    """The title centred, its characters spaced a third of an em apart."""
    tracking = _TITLE_SIZE // 3
    width = measure(title, _TITLE_SIZE) + tracking * (len(title) - 1)
    if width > _CONTENT_WIDTH:
        tracking = 0
        width = measure(title, _TITLE_SIZE)
    x = (PAGE_WIDTH - width) / 2
    for character in title:
        plan.text(x, 120, character, _TITLE_SIZE)
        x += glyph_advance(_TITLE_SIZE, character) + tracking
