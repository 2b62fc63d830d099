"""The ký hiệu of the document's own number read against the registries (`rules/doc_types.yaml` types,
`rules/units.yaml` `symbol_abbreviations` of central bodies): a type group one letter off ("TTLUT",
"H" under KẾ HOẠCH), a unit group one letter off ("VKSNDIC"), and the ký hiệu of a "Số:" line whose
slash a handwritten number swallowed.
"""
from __future__ import annotations

from functools import lru_cache

import regex

from congvan.extract import units
from congvan.extract.symbols import bodies, repair_symbol
from congvan.extract.text import Line, one_edit
from congvan.rules import TIMEOUT as _T
from congvan.rules import load, pattern


def _edits_one(a: str, b: str) -> bool:
    """One letter changed, added or lost (case kept: "TTg" is not "TTG")."""
    return a != b and one_edit(a, b)


def _type_group(group: str, heading: dict | None) -> str:
    """The ký hiệu's type group mended: one letter from the heading's abbreviation ("H" under KẾ HOẠCH is
    KH), or, four letters or more, one letter from exactly one type of the registry ("TTLUT" is TTLT).

    >>> _type_group("H", {"abbr": "KH"}), _type_group("TTLUT", None), _type_group("BCA", {"abbr": "BC"})
    ('KH', 'TTLT', 'BCA')
    """
    types = _types()
    known = types | bodies()
    if group in known or not group.isupper() or units.canonical(group, None) != group:
        return group
    abbr = (heading or {}).get("abbr")
    if abbr and len(group) <= len(abbr) and _edits_one(abbr, group):
        return abbr
    near = {a for a in types if len(group) >= 4 and _edits_one(a, group)}
    return near.pop() if len(near) == 1 else group


def _unit_group(group: str) -> str:
    """A unit group of the ký hiệu one letter off exactly one central body's abbreviation, five letters or
    more ("VKSNDIC" is VKSNDTC).

    >>> _unit_group("VKSNDIC"), _unit_group("BTP"), _unit_group("KSTTHC"), _unit_group("STTTT")
    ('VKSNDTC', 'BTP', 'KSTTHC', 'STTTT')
    """
    known = bodies()
    if len(group) < 5 or group in known or not group.isupper() or units.canonical(group, None) != group:
        return group
    near = {a for a in known if len(a) == len(group) and a[0] == group[0]   # the kind letter (Bộ, Sở) kept: STTTT is no BTTTT
            and sum(x != y for x, y in zip(a, group)) == 1}
    return near.pop() if len(near) == 1 else group


def registry_symbol(symbol: str | None, heading: dict | None) -> str | None:
    """The ký hiệu with its type group and its unit groups read against the registries."""
    if not symbol:
        return symbol
    groups = regex.split(r"([-/])", symbol, timeout=_T)
    first = next((i for i, g in enumerate(groups) if g and not g.isdigit() and g not in "-/"), None)
    for i, group in enumerate(groups):
        if i == first:
            groups[i] = _type_group(group, heading)
        elif group and group not in "-/" and not group.isdigit():
            groups[i] = _unit_group(group)
    return "".join(groups)


def _known_group(group: str) -> bool:
    return group in _types() | bodies() or units.canonical(group, None) != group


@lru_cache(maxsize=1)
def _types() -> frozenset[str]:
    """The ký hiệu type groups: doc_types.yaml's abbreviations and the legal documents' (citations.yaml)."""
    return frozenset(t["abbr"] for t in load("doc_types")["types"] if t.get("abbr")) | set(load("citations")["qppl_types"])


def glued_symbol(zone: list[Line]) -> str | None:
    """The ký hiệu of a "Số:" line whose slash a handwritten number swallowed ("Số: 2 š JJBCA-C04",
    "Số:///,2UBND- KSTTHC"): from the known group (a type, a body's abbreviation, a unit code like C04)
    that ends the junk on, when there is one; the number stays blank.

    >>> [glued_symbol([Line(1, 0, 0, t)]) for t in ("Số: 2 š JJBCA-C04", "Số: 3 48C04-P6", "Số:///,2UBND- KSTTHC")]
    ['BCA-C04', 'C04-P6', 'UBND-KSTTHC']
    >>> glued_symbol([Line(1, 0, 0, "Số: 2 š JJXYZ-C04")]), glued_symbol([Line(1, 0, 0, "Số điện thoại: 0123")])
    (None, None)
    """
    for line in zone:
        m = pattern("header", "reference_glued").match(line.text, timeout=_T)
        if not m:
            continue
        symbol = regex.sub(r"\s+", "", m.group("symbol"), timeout=_T)
        head, _, rest = symbol.partition("-")
        for start in range(len(head)):
            group = head[start:]
            if _known_group(group) or regex.fullmatch(r"\p{Lu}\d{2,3}", group, timeout=_T):
                return repair_symbol(f"{group}-{rest}")
        return None
    return None
