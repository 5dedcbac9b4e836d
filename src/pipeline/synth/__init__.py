"""Synthetic annual reports: realistic, internally consistent data for tests, benchmarks and the demo.

Real submissions are few and cannot be redistributed freely; generated ones exercise every form the
project reads and writes, in both template versions, with numbers that satisfy every identity of the
template (template.md §6) so that a round trip through any form must reproduce them exactly.
"""

from pipeline.synth.generate import generate_report, version_for_year

__all__ = ["generate_report", "version_for_year"]
