"""Certificate pages: the QR decoded from the PNG and from the PDF rendered to pixels, real
glyphs of the Chinese font, and the errors that keep boxes off the page."""

from __future__ import annotations

import dataclasses
import io
import sys
from collections.abc import Iterator
from datetime import date

import pypdfium2
import pytest
import zxingcpp
from PIL import Image, ImageChops, ImageDraw

from resolvers.certificates import fonts, page_plan, render
from resolvers.certificates.drawing import MARGIN, PAGE_HEIGHT, PAGE_WIDTH
from resolvers.certificates.fonts import FontMissing, GlyphMissing, check_glyphs
from resolvers.certificates.page_plan import CertificateLayout, CertificateOverflow, Table
from resolvers.certificates.render import (
    qr_png,
    render_pdf,
    render_png,
)

URL = "https://creditbank.example.cn/verify/7KQ2-M9XD-4TPA-WB3H-R"
ACHIEVEMENTS = "以下学习成果记录于学分银行，各项成果的来源见“来源”一栏："
RULE = "上述成果符合学分银行发布的转换规则："


def _conversion(**changes: object) -> CertificateLayout:
    """The 转换证明 of seed 004 §5.2."""
    layout = CertificateLayout(
        title="转换证明",
        number="7KQ2-M9XD-4TPA-WB3H-R",
        holder_name="张小明",
        holder_id_number="371083200009087654",
        tables=[
            Table(
                ACHIEVEMENTS,
                ["课程名称", "课程代码", "课程成绩", "原始学时", "原始学分"],
                [["课程成果-职业教育学历课程", "cc", "66", "—", "—"]],
            ),
            Table(
                RULE,
                ["源成果", "目标成果"],
                [
                    [
                        "院校：试点院校测试 专业课程：课程成果-职业教育学历课程（成绩：60）",
                        "成果名称：测试机构导入其他非学历证书4 成果类型：非学历成果 "
                        "颁证机构：一级网点非院校机构",
                    ]
                ],
            ),
        ],
        rule_code="202201240004",
        verify_url=URL,
        verify_caption="学习成果转换证明在线验证网址",
        issuer="学分银行",
        issued_on=date(2022, 3, 4),
        valid_until=date(2022, 6, 2),
    )
    return dataclasses.replace(layout, **changes)  # type: ignore[arg-type]


def _png(layout: CertificateLayout) -> Image.Image:
    image = Image.open(io.BytesIO(render_png(layout)))
    image.load()
    return image


def _decoded(image: Image.Image) -> list[str]:
    return [barcode.text for barcode in zxingcpp.read_barcodes(image)]


def _largest_difference(a: Image.Image, b: Image.Image) -> int:
    histogram = ImageChops.difference(a, b).histogram()
    return max(value for value, count in enumerate(histogram) if count)


def _white(image: Image.Image, box: tuple[int, int, int, int]) -> bool:
    return image.convert("L").crop(box).getextrema() == (255, 255)


_CACHES = ("typeface", "sized_font", "glyph_advance", "glyph_mask", "_coverage")


@pytest.fixture
def forget_font() -> Iterator[None]:
    """Drop what the module cached about the font, before and after the test."""

    def clear() -> None:
        for name in _CACHES:
            getattr(fonts, name).cache_clear()

    clear()
    yield
    clear()


def test_png_is_an_a4_page_whose_qr_decodes_to_the_verify_url() -> None:
    image = _png(_conversion())

    assert image.format == "PNG"
    assert image.size == (PAGE_WIDTH, PAGE_HEIGHT)
    assert round(image.info["dpi"][0]) == 150
    assert _decoded(image) == [URL]


def test_pdf_is_one_a4_page_whose_pixels_hold_the_qr() -> None:
    data = render_pdf(_conversion())

    document = pypdfium2.PdfDocument(data)
    try:
        assert len(document) == 1
        page = document[0]
        width, height = page.get_size()
        assert width == pytest.approx(595.28, abs=0.5)  # 210 mm
        assert height == pytest.approx(841.89, abs=0.5)  # 297 mm
        pixels = page.render(scale=150 / 72).to_pil()
        page.close()
    finally:
        document.close()
    assert _decoded(pixels) == [URL]
    # The PNG's page, blocks of 20 × 20 px compared (PDFium resamples the image).
    blocks = (PAGE_WIDTH // 20, PAGE_HEIGHT // 20)
    pdf = pixels.convert("L").resize(blocks, Image.Resampling.BOX)
    png = _png(_conversion()).resize(blocks, Image.Resampling.BOX)
    assert _largest_difference(pdf, png) < 24


def test_png_holds_the_drawn_page_to_within_one_of_its_sixteen_shades() -> None:
    (drawn,) = render._pages(_conversion())
    stored = _png(_conversion())

    assert stored.mode == "L"
    assert _largest_difference(drawn, stored) <= 255 // 15 // 2


def test_bare_qr_png_decodes() -> None:
    image = Image.open(io.BytesIO(qr_png(URL)))

    assert _decoded(image) == [URL]


def test_the_face_is_the_simplified_chinese_one() -> None:
    path, index = fonts.typeface()

    assert fonts.sized_font(20).getname()[0] == "Noto Sans CJK SC"
    assert index != 0  # the collection starts with the Japanese face


def test_chinese_text_is_drawn_with_real_glyphs_not_notdef_boxes() -> None:
    font = fonts.sized_font(40)

    def mask(character: str) -> bytes:
        image = Image.new("L", (60, 60), 0)
        ImageDraw.Draw(image).text((10, 50), character, 255, font, anchor="ls")
        return image.tobytes()

    notdef = mask("\ue000")  # a private-use code point: the collection draws .notdef
    glyphs = [mask(character) for character in "学分银行"]

    assert len(set(glyphs)) == 4  # four characters, four shapes: boxes would all be the same
    assert notdef not in glyphs
    assert all(any(glyph) for glyph in glyphs)


def test_coverage_read_from_the_cmap_agrees_with_freetype() -> None:
    font = fonts.sized_font(24)

    def mask(character: str) -> bytes:
        return bytes(font.getmask(character))

    notdef = mask("\ue000")
    for character in "学分银行转换证明姓名身份证号年月日ABCxyz0189，。：；（）—-/":
        check_glyphs(character)
        assert mask(character) != notdef, character
    for character in ("\ue000", "\U000f0001", "\x07"):
        with pytest.raises(GlyphMissing):
            check_glyphs(character)


def test_a_character_the_font_lacks_is_refused_by_name() -> None:
    with pytest.raises(GlyphMissing, match="U\\+E000") as caught:
        render_png(_conversion(holder_name="张\ue000明"))

    assert caught.value.character == "\ue000"
    with pytest.raises(GlyphMissing):
        render_pdf(_conversion(tables=[Table("表", ["列"], [["\ue123"]])]))


def test_a_missing_font_file_is_a_clear_error(monkeypatch, tmp_path, forget_font) -> None:
    import noto_cjk_sans_otc

    monkeypatch.setattr(noto_cjk_sans_otc, "FONT_PATH", tmp_path / "NotoSansCJK-Regular.ttc")

    with pytest.raises(FontMissing, match="noto-cjk-sans-otc"):
        render_png(_conversion())


def test_a_missing_font_package_is_a_clear_error(monkeypatch, forget_font) -> None:
    monkeypatch.setitem(sys.modules, "noto_cjk_sans_otc", None)

    with pytest.raises(FontMissing, match="pip install noto-cjk-sans-otc"):
        render_pdf(_conversion())


def test_long_cell_text_wraps_inside_the_margins() -> None:
    def page(text: str) -> Image.Image:
        table = Table(ACHIEVEMENTS, ["成果名称", "说明"], [["高等数学", text]])
        return _png(_conversion(tables=[table], rule_code=None))

    short = page("学分银行")
    long = page("职业教育国家学分银行学习成果认证与转换，" * 20 + "X" * 200)

    inner_frame = 56 + 8
    for image in (short, long):
        assert _white(image, (inner_frame + 2, 300, MARGIN, PAGE_HEIGHT - inner_frame - 2))
        right = PAGE_WIDTH - MARGIN + 1  # the table's right border is drawn on its last column
        assert _white(image, (right, 300, PAGE_WIDTH - inner_frame - 2, PAGE_HEIGHT - 300))
    # The wrapped text makes the table grow downwards instead.
    middle = (MARGIN, 300, PAGE_WIDTH - MARGIN, 1200)
    short_ink = ImageChops.invert(short.crop(middle)).getbbox()
    long_ink = ImageChops.invert(long.crop(middle)).getbbox()
    assert short_ink is not None and long_ink is not None
    assert long_ink[3] > short_ink[3] + 200


def test_wrapping_keeps_every_character_within_the_width() -> None:
    text = "学分银行，" * 30 + "ABCDEFGHIJ" * 12 + " and some words here"
    lines = page_plan.wrap_lines(text, 20, 300)

    assert len(lines) > 5
    assert all(fonts.measure(line, 20) <= 300 for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert not any(line.startswith("，") for line in lines)


HEADERS = ["成果名称", "成果类型", "颁证机构", "个人成果编号", "颁证日期", "学分"]


def _row(number: int) -> list[str]:
    return ["高等数学", "学历课程", "南京大学", f"NJU-2021-{number:06d}", "2021-06-30", "4"]


def _pdf_pages(data: bytes) -> list[Image.Image]:
    document = pypdfium2.PdfDocument(data)
    try:
        pages = []
        for page in document:
            width, height = page.get_size()
            assert (width, height) == pytest.approx((595.28, 841.89), abs=0.5)
            pages.append(page.render(scale=150 / 72).to_pil())
            page.close()
        return pages
    finally:
        document.close()


def test_many_rows_shrink_the_text_to_stay_on_one_page() -> None:
    rows = [_row(n) for n in range(28)]
    layout = _conversion(tables=[Table(ACHIEVEMENTS, HEADERS, rows)], rule_code=None)

    fitted = _png(layout)
    assert fitted.size == (PAGE_WIDTH, PAGE_HEIGHT)
    assert _decoded(fitted) == [URL]
    assert len(_pdf_pages(render_pdf(layout))) == 1


def test_more_rows_run_on_over_whole_pages_each_with_its_qr() -> None:
    rows = [_row(n) for n in range(120)]
    rule_table = _conversion().tables[1]
    layout = _conversion(tables=[Table(ACHIEVEMENTS, HEADERS, rows), rule_table])
    plans = page_plan.plan_pages(layout)
    count = len(plans)
    assert count >= 3

    texts = [list(plan.texts()) for plan in plans]
    numbers = [text for page in texts for text in page if text.startswith("NJU-2021-")]
    assert numbers == [row[3] for row in rows]  # every row once, in order
    for number, page in enumerate(texts, start=1):
        assert f"第{number}页 共{count}页" in page
        if any(text.startswith("NJU-2021-") for text in page):
            assert page.count("个人成果编号") == 1  # the header row again on each page
        assert "编号：7KQ2-M9XD-4TPA-WB3H-R" in page
    # The rule and its table follow the achievements, lead-in kept with the table.
    last = texts[-1]
    assert last.index(RULE) < last.index("转换规则编码：202201240004") < last.index("源成果")

    pages = _pdf_pages(render_pdf(layout))
    assert len(pages) == count
    assert all(_decoded(page) == [URL] for page in pages)
    stacked = _png(layout)
    assert stacked.size == (PAGE_WIDTH, PAGE_HEIGHT * count)
    bottom = stacked.crop((0, PAGE_HEIGHT * (count - 1), PAGE_WIDTH, PAGE_HEIGHT * count))
    assert _decoded(bottom) == [URL]


def test_beyond_the_page_limit_is_an_error() -> None:
    rows = [_row(n) for n in range(40 * page_plan.MAX_PAGES)]
    with pytest.raises(CertificateOverflow):
        render_png(_conversion(tables=[Table(ACHIEVEMENTS, HEADERS, rows)]))


def test_a_row_with_the_wrong_number_of_cells_is_refused() -> None:
    with pytest.raises(ValueError, match="row 1"):
        render_png(_conversion(tables=[Table(ACHIEVEMENTS, ["a", "b"], [["only one"]])]))


def test_status_note_and_dates_change_the_page() -> None:
    plain = _png(_conversion())
    noted = _png(_conversion(status_note="本证明已于2022年04月01日撤销"))
    redated = _png(_conversion(valid_until=date(2022, 9, 30)))

    assert ImageChops.difference(plain, noted).getbbox() is not None
    assert ImageChops.difference(plain, redated).getbbox() is not None
    assert _decoded(noted) == [URL]
