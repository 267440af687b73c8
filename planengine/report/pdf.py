"""PDF through WeasyPrint over the report's own HTML, with a CJK font embedded.

WeasyPrint embeds (subsets) the fonts it lays text out with; the stylesheet
asks for Noto CJK (Debian ``fonts-noto-cjk``) by family name through
fontconfig. Without WeasyPrint, its system libraries or a CJK font, Chinese
would print as empty boxes, so we refuse with one line naming what to install.
"""

from __future__ import annotations

import shutil
import subprocess

FONT_FAMILIES = ("Noto Sans CJK SC", "Noto Serif CJK SC")


class PdfUnavailable(Exception):
    """What to install before a PDF can be made (one line)."""


def _weasyprint():
    try:
        import weasyprint
    except ImportError:
        raise PdfUnavailable(
            "PDF needs WeasyPrint: pip install 'planengine[pdf]' (or pip install weasyprint)"
        ) from None
    except OSError as e:  # Pango/HarfBuzz shared libraries missing
        raise PdfUnavailable(
            f"WeasyPrint cannot load its system libraries ({e}): apt-get install libpango-1.0-0 libpangoft2-1.0-0"
        ) from None
    return weasyprint


def cjk_font() -> str:
    """The family fontconfig gives for the report's CJK fonts; raises PdfUnavailable when none is installed."""
    fc = shutil.which("fc-match")
    if fc is None:
        raise PdfUnavailable("PDF needs fontconfig and a CJK font: apt-get install fontconfig fonts-noto-cjk")
    for family in FONT_FAMILIES:
        out = subprocess.run([fc, "-f", "%{family}", family], capture_output=True, text=True, check=False).stdout
        if family.lower() in out.lower():
            return family
    raise PdfUnavailable(
        f"PDF needs a CJK font ({' or '.join(FONT_FAMILIES)} not found by fc-match): apt-get install fonts-noto-cjk"
    )


def check() -> None:
    """Raise PdfUnavailable unless a PDF with Chinese text can be made here."""
    _weasyprint()
    cjk_font()


def html_to_pdf(html: str) -> bytes:
    weasyprint = _weasyprint()
    cjk_font()
    return weasyprint.HTML(string=html, base_url=None).write_pdf()
