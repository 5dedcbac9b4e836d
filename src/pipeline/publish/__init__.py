"""Publish: the district's consolidated figures (the published-marts layer)."""

from pipeline.publish.consolidate import consolidate, layout_version
from pipeline.publish.district import PublishedDistrict, publish_district, publish_districts

__all__ = ["PublishedDistrict", "consolidate", "layout_version", "publish_district", "publish_districts"]
