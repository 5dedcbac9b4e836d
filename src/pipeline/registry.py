"""The district → agencies registry (``config/registry.toml``) and the drop folder that goes with it.

Submissions arrive as files in ``<submissions>/<year>/<district>/``. A file belongs to the agency
whose stable id its name starts with (``330803-edu.html``, ``330803-edu_v2.pdf``); the registry is
the list of agencies a district expects, so an agency with no file is *missing*, not zero.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

AgencyKind = Literal["government_office", "department", "township"]
AGENCY_KINDS: tuple[str, ...] = ("government_office", "department", "township")


class RegistryError(ValueError):
    """The registry file is missing or malformed."""


@dataclass(frozen=True, slots=True)
class Agency:
    id: str
    name: str
    kind: str
    district: str
    aliases: tuple[str, ...] = ()  # other names its reports may carry (short forms, former names)


@dataclass(frozen=True, slots=True)
class District:
    code: str
    name: str
    full_name: str
    agencies: tuple[Agency, ...]

    def agency(self, agency_id: str) -> Agency:
        for a in self.agencies:
            if a.id == agency_id:
                return a
        raise KeyError(f"agency {agency_id!r} is not registered in district {self.code} ({self.name})")


@dataclass(frozen=True, slots=True)
class Registry:
    districts: dict[str, District]

    def district(self, code: str) -> District:
        try:
            return self.districts[code]
        except KeyError:
            raise KeyError(f"district {code!r} is not in the registry (known: {self.known()})") from None

    def agency(self, agency_id: str) -> Agency:
        """The agency with this id, in whichever district it is registered."""
        for d in self.districts.values():
            for a in d.agencies:
                if a.id == agency_id:
                    return a
        raise KeyError(f"agency {agency_id!r} is not in the registry")

    def known(self) -> str:
        """The registered districts, for messages: "330803 衢江区, …"."""
        return ", ".join(f"{d.code} {d.name}" for d in self.districts.values())


def _unsafe(name: str) -> str | None:
    """Why ``name`` cannot be a district code or agency id (they become folder and file names), or None.

    A path separator, ``..``, a NUL or other control character, or a leading dot could take a published
    folder or a drop-folder match outside its place (issue 12); anything else — quotes, ``<script>``,
    SQL — is just text, stored and shown escaped.
    """
    if not name.strip():
        return "is empty"
    if "/" in name or "\\" in name:
        return "holds a path separator"
    if ".." in name:
        return "holds '..'"
    if name.startswith("."):
        return "starts with a dot"
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        return "holds a control character"
    return None


def load_registry(config_dir: Path) -> Registry:
    """Read ``<config_dir>/registry.toml``; a clear :class:`RegistryError` on any malformed entry."""
    path = Path(config_dir) / "registry.toml"
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RegistryError(f"{path}: registry file not found (set PIPELINE_CONFIG_DIR)") from None
    except tomllib.TOMLDecodeError as e:
        raise RegistryError(f"{path}: not valid TOML: {e}") from None
    districts: dict[str, District] = {}
    for code, d in (doc.get("districts") or {}).items():
        if why := _unsafe(str(code)):
            raise RegistryError(f"{path}: district code {str(code)!r} {why}; use letters, digits and '-'")
        agencies = []
        seen: set[str] = set()
        for i, a in enumerate(d.get("agencies", [])):
            missing = [k for k in ("id", "name", "kind") if not a.get(k)]
            if missing:
                raise RegistryError(f"{path}: district {code} agency #{i + 1} lacks {', '.join(missing)}")
            if why := _unsafe(str(a["id"])):
                raise RegistryError(f"{path}: district {code} agency id {str(a['id'])!r} {why} "
                                    "(ids name files and folders)")
            if a["kind"] not in AGENCY_KINDS:
                raise RegistryError(f"{path}: agency {a['id']}: kind {a['kind']!r} not one of {AGENCY_KINDS}")
            if a["id"] in seen:
                raise RegistryError(f"{path}: agency id {a['id']} appears twice in district {code}")
            seen.add(a["id"])
            aliases = a.get("aliases", [])
            if not isinstance(aliases, list) or not all(isinstance(x, str) and x.strip() for x in aliases):
                raise RegistryError(f"{path}: agency {a['id']}: aliases must be a list of names, found {aliases!r}")
            agencies.append(Agency(a["id"], a["name"], a["kind"], str(code), tuple(x.strip() for x in aliases)))
        districts[str(code)] = District(str(code), d.get("name", str(code)), d.get("full_name", d.get("name", "")), tuple(agencies))
    return Registry(districts)


@dataclass(frozen=True, slots=True)
class Submission:
    """One file in the drop folder, matched to a registered agency (``agency`` None if unmatched)."""

    path: Path
    district: str
    year: int
    agency: Agency | None


def discover_submissions(submissions_dir: Path, year: int, district: District) -> list[Submission]:
    """Files of ``<submissions_dir>/<year>/<district code>/``, each matched to an agency by file-name prefix.

    The longest matching agency id wins (so ``330803-edu-x`` never matches a shorter id wrongly).
    Hidden files and folders are ignored, and so are folders and links named for no agency; an entry named
    for an agency is its submission whatever it is (reading a folder, pipe or broken link then fails on
    that agency, naming the file: :func:`pipeline.ingest.read_submission`).
    """
    folder = Path(submissions_dir) / str(year) / district.code
    if not folder.is_dir():
        return []
    ids = sorted((a.id for a in district.agencies), key=len, reverse=True)
    out = []
    for p in sorted(folder.iterdir()):
        if p.name.startswith("."):
            continue
        match = next((i for i in ids if p.name == i or p.name.startswith(i + ".") or p.name.startswith(i + "_")), None)
        if match is None and not p.is_file():
            continue  # a folder or link of something else
        # named for an agency but not a regular file (a folder, a broken link, a pipe): still its submission,
        # so that reading it fails naming the file, rather than the agency being told it sent nothing
        out.append(Submission(p, district.code, year, district.agency(match) if match else None))
    return out
