"""Certificate pages (证明 / 认证报告 / 转换证明) drawn to PNG and PDF: Chinese text in Noto Sans
CJK SC and a QR code of the verify URL, laid out like the 转换证明 of seed 004 §5.2.

Pure, synchronous and CPU-bound: callers run these functions in a worker thread. The pages are
planned in `page_plan`, drawn in `drawing`, with the font of `fonts`.
"""

from __future__ import annotations

import io
import struct
import zlib

import qrcode
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M

from resolvers.certificates.drawing import (
    PAGE_HEIGHT,
    PAGE_WIDTH,
    drawn_page,
)
from resolvers.certificates.fonts import (
    check_glyphs,
)
from resolvers.certificates.page_plan import (
    CertificateLayout,
    plan_pages,
)

DPI = 150
_A4_POINTS = (595.28, 841.89)
# Pages are stored as 4-bit grayscale (16 levels): a shade is a multiple of 17.
_NIBBLES = [(value * 15 + 127) // 255 for value in range(256)]  # 0..255 to the nearest 0..15


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


def _pages(layout: CertificateLayout) -> list[Image.Image]:
    plans = plan_pages(layout)
    check_glyphs("".join(text for plan in plans for text in plan.texts()))
    return [drawn_page(plan) for plan in plans]


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
