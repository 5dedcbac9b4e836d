"""One reader per submission form; each exposes ``parse(data: bytes, name: str) -> ParsedReport``."""
