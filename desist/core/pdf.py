"""PDFs from HTML (WeasyPrint), tagged for assistive technology.

`pdf_tags` writes the structure tree (headings, paragraphs, lists, tables) into the file, so a
screen reader reads it in order instead of as loose text (WCAG 1.3.1, 1.3.2). WeasyPrint's
tagging is young: it is not checked here against PDF/UA.
"""

from __future__ import annotations


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    pdf: bytes = HTML(string=html).write_pdf(pdf_tags=True)
    return pdf
