"""pandera models over the parsed cells (the validated-facts layer). See :mod:`schemas.cells`."""
