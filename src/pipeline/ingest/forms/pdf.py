"""PDF with a text layer (reports 01, 02, 03).

Why pypdfium2's page text and not table extraction: table finders (pdfplumber ``extract_tables``)
cost ~300 ms a report and still split tables at page breaks; the page text in reading order
already puts each row's numbers on its label's line (or the line after a wrapped label), which is
what the core reads. Page footers ("- 5 -") are removed by the core. A scanned PDF has no text
layer: we say so rather than guess (OCR is out of scope).
"""

from __future__ import annotations

import pypdfium2 as pdfium

from pipeline.ingest.errors import IngestError
from pipeline.ingest.recognize import parse_lines
from pipeline.model import ParsedReport

#: Fewer non-space characters than this on all pages together means there is no usable text layer.
MIN_TEXT_CHARS = 20


def pdf_lines(data: bytes, name: str) -> list[str]:
    """The text lines of every page, in reading order."""
    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        msg = str(e).lower()
        if "password" in msg:
            raise IngestError(name, "encrypted PDF (password protected); submit an unprotected copy") from None
        raise IngestError(name, f"corrupted or unreadable PDF ({e})") from None
    try:
        lines: list[str] = []
        for i in range(len(doc)):
            page = doc[i]
            textpage = page.get_textpage()
            try:
                lines.extend(textpage.get_text_range().splitlines())
            finally:
                textpage.close()
                page.close()
    except pdfium.PdfiumError as e:
        raise IngestError(name, f"corrupted PDF: cannot read its pages ({e})") from None
    finally:
        doc.close()
    if sum(len(x.strip()) for x in lines) < MIN_TEXT_CHARS:
        raise IngestError(name, "no text layer; OCR is not supported (the PDF is a scan or an image)")
    return lines


def parse(data: bytes, name: str) -> ParsedReport:
    return parse_lines(pdf_lines(data, name), name)
