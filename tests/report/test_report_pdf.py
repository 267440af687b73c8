"""The PDF as printed: Chinese text extractable, a CJK font embedded, pages that render.

Pages are rendered to PNG with pdftoppm under the test's tmp dir (paths printed) to be looked at.
"""

from __future__ import annotations

import subprocess


def _pdf(drill_ws, tmp_path, *extra):
    out = tmp_path / "report.pdf"
    drill_ws.ok("report", drill_ws.drill_id, "--format", "pdf", "-o", out, *extra)
    assert out.read_bytes().startswith(b"%PDF-")
    return out


def test_pdf_has_the_chinese_step_titles_and_sections(drill_ws, fire, tmp_path):
    out = _pdf(drill_ws, tmp_path)
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    for title in fire.TITLES:
        assert title in text
    for section in ("演练基本情况", "存在问题", "改进意见和建议", "评估结论", "整改措施清单", "编制人"):
        assert section in text
    assert "第1页/共" in text.replace(" ", "")  # page numbers from the print stylesheet


def test_pdf_embeds_a_cjk_font_and_is_a4(drill_ws, tmp_path):
    out = _pdf(drill_ws, tmp_path)
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
    cjk = [line for line in fonts.splitlines() if "CJK" in line]
    assert cjk and all(line.split()[-5] == "yes" for line in cjk)  # the "emb" column
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    assert "(A4)" in info


def test_pdf_pages_render_to_images(drill_ws, tmp_path):
    out = _pdf(drill_ws, tmp_path, "--lang", "en")
    prefix = tmp_path / "page"
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "2", str(out), str(prefix)], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 2 and all(p.stat().st_size > 5000 for p in pages)
    for p in pages:
        print(f"page image: {p}")


def test_nothing_runs_off_the_a4_page(drill_ws, tmp_path):
    import re

    out = _pdf(drill_ws, tmp_path)
    html = subprocess.run(["pdftotext", "-bbox", str(out), "-"], capture_output=True, text=True, check=True).stdout
    right = max(float(x) for x in re.findall(r'xMax="([\d.]+)"', html))
    page_width = 595.3  # A4 in points
    margin = 18 / 25.4 * 72  # the stylesheet's 18 mm side margin
    assert right <= page_width - margin + 2  # a table border or rounding
    assert "得分" in html  # the last column of the rated steps table is on the page
