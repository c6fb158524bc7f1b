"""The criteria sets shipped with the portal (`criteria/data/sets.csv`): read the manifest, import one set."""

from __future__ import annotations

import csv
import datetime
from pathlib import Path

from .models import CriteriaSet
from .services import criteria_set_import

DATA = Path(__file__).resolve().parent / "data"


def shipped_sets() -> list[dict[str, str]]:
    """The manifest's entries (file, code, name, legal_basis, level, verified, effective_from, effective_until)."""
    with open(DATA / "sets.csv", encoding="utf-8") as manifest:
        return list(csv.DictReader(manifest))


def _day(value: str) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def shipped_set_import(code: str) -> CriteriaSet:
    """Import (or update) the shipped set `code` as the manifest describes it."""
    entry = next(e for e in shipped_sets() if e["code"] == code)
    return criteria_set_import(
        DATA / entry["file"],
        code=entry["code"],
        name=entry["name"],
        legal_basis=entry["legal_basis"],
        level=entry["level"],
        verified=entry["verified"] == "1",
        effective_from=_day(entry.get("effective_from", "")),
        effective_until=_day(entry.get("effective_until", "")),
    )
