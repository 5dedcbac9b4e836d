"""Renderers: a :class:`~pipeline.model.ParsedReport` into every form the project writes.

Page text (``page_text``), HTML (``html``), DOCX (``docx``) and the XLSX filing template
(``xlsx_template``) all draw the tables from one layout (``layout``); JSON is ``ParsedReport.to_json``.
"""
