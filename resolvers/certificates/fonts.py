"""The Chinese font of the certificate pages: Noto Sans CJK SC from the ``noto-cjk-sans-otc``
package, its glyph coverage, the advance of each character and each glyph rasterised once.

A missing font raises ``FontMissing`` and a character the font has no glyph for raises
``GlyphMissing``, so a page never shows .notdef boxes."""

from __future__ import annotations

import bisect
import io
import itertools
import struct
import threading
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT_PACKAGE = "noto-cjk-sans-otc"
FONT_FAMILY = "Noto Sans CJK SC"
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


def check_glyphs(text: str) -> None:
    """Raise ``GlyphMissing`` unless the font draws every character of ``text``; a use-case
    can call it on a name before queueing a render."""
    starts, ends = _coverage()
    for character in set(text):
        code = ord(character)
        at = bisect.bisect_right(starts, code) - 1
        if at < 0 or code > ends[at]:
            raise GlyphMissing(character, text)


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
def typeface() -> tuple[str, int]:
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
def sized_font(size: int) -> ImageFont.FreeTypeFont:
    path, index = typeface()
    return ImageFont.truetype(path, size, index=index, layout_engine=ImageFont.Layout.BASIC)


@lru_cache(maxsize=4096)
def glyph_advance(size: int, character: str) -> float:
    font = sized_font(size)
    with _FACE_LOCK:
        return font.getlength(character)


def measure(text: str, size: int) -> float:
    return sum(glyph_advance(size, character) for character in text)


@lru_cache(maxsize=1)
def _coverage() -> tuple[list[int], list[int]]:
    """The code points the face maps to a glyph, as sorted merged ranges (starts, ends)."""
    path, index = typeface()
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


@lru_cache(maxsize=8192)
def glyph_mask(size: int, character: str) -> tuple[Image.Image | None, int, int]:
    """The coverage mask of one glyph and its offset from the pen position on the baseline:
    each glyph is rasterised once, then pasted (FreeType's CJK outlines are slow to render)."""
    font = sized_font(size)
    with _FACE_LOCK:
        left, top, right, bottom = (int(edge) for edge in font.getbbox(character, anchor="ls"))
        if right <= left or bottom <= top:
            return None, 0, 0
        mask = Image.new("L", (right - left, bottom - top), 0)
        ImageDraw.Draw(mask).text((-left, -top), character, 255, font, anchor="ls")
    return mask, left, top
