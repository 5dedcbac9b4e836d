"""pandera models over the parsed cells (the validated-facts layer). See :mod:`schemas.cells`."""

from schemas.cells import AppealsFrame, CellsFrame, RequestsFrame

__all__ = ["AppealsFrame", "CellsFrame", "RequestsFrame"]
