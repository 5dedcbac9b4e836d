"""Annual government-information-disclosure reports (政府信息公开工作年度报告) → warehouse → district summaries."""

__version__ = "0.1.0"
