"""Faint pages (pale toner, old copies) are read, not taken for blank; a blank page says why."""
from __future__ import annotations

from PIL import Image, ImageDraw, ImageFont

from congvan.ingest.ocr import ocr_image

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"


def _page(grey: int) -> Image.Image:
    """An A5 page at 150 dpi with two lines printed in `grey` (0 black … 255 white)."""
    image = Image.new("L", (874, 1240), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 30)
    draw.text((90, 150), "THÔNG BÁO", fill=grey, font=font)
    draw.text((90, 220), "Kính gửi: Phòng Đào tạo", fill=grey, font=font)
    return image


def test_a_faint_page_is_darkened_and_read():
    result = ocr_image(_page(175), page_width_pt=420, page_height_pt=595)
    assert (result.text, result.note) == ("THÔNG BÁO\nKính gửi: Phòng Đào tạo", "")


def test_a_blank_page_says_why_it_is_blank():
    speckled = Image.new("L", (874, 1240), 250)
    result = ocr_image(speckled, page_width_pt=420, page_height_pt=595)
    assert (result.text, result.note) == (
        "", "no ink: 0.000% of the page darker than grey level 128, no print fainter than that either")
