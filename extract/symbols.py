"""The ký hiệu of a document number (QĐ-UBND, 45/2016/QĐ-TTg) read back from OCR damage: the type
groups doc_types.yaml and citations.yaml know, a doubled mark or one stroke letter off mended.
Shared by the header (the document's own number) and the citations (the numbers it cites).
"""
from __future__ import annotations

from functools import lru_cache

import regex

from congvan.ingest.textnorm import fold
from congvan.rules import TIMEOUT as _T
from congvan.rules import load


@lru_cache(maxsize=2)
def _abbreviations(party: bool = False) -> dict[str, str]:
    """ký hiệu type group → type name (QĐ → Quyết định); for party documents TT is Thông tri."""
    out = {t["abbr"]: t["name"] for t in load("doc_types")["types"] if t.get("abbr")}
    return {**out, **load("citations").get("party_types", {})} if party else out


@lru_cache(maxsize=1)
def _ocr_repairs() -> dict[str, str]:
    """Folded group → the one known group it folds to, when only one does (qd → QĐ, hd → ambiguous)."""
    known = set(_abbreviations(party=True)) | set(load("citations").get("ocr_groups", []))
    by_fold: dict[str, set[str]] = {}
    for group in known:
        by_fold.setdefault(fold(group), set()).add(group)
    return {f: next(iter(g)) for f, g in by_fold.items() if len(g) == 1}


def _one_letter_off(group: str, qppl: bool = False) -> str:
    """A type group where OCR read a stroke letter (I, l, 1, |) for another, when exactly one known
    type is that close: TIR → TTr; TTg (Thủ tướng) stays. In a QPPL number (45/2016/…) the type is
    one of the few legal-document types, so two-letter groups are mended too: TL → TT.

    >>> _one_letter_off("TIR"), _one_letter_off("TIr"), _one_letter_off("TTg"), _one_letter_off("UBND")
    ('TTr', 'TTr', 'TTg', 'UBND')
    >>> _one_letter_off("TL", qppl=True), _one_letter_off("TL"), _one_letter_off("QĐ", qppl=True)
    ('TT', 'TL', 'QĐ')
    """
    if len(group) < (2 if qppl else 3) or not group[0].isupper() or group in _abbreviations() \
            or fold(group) in _ocr_repairs():
        return group
    types = load("citations")["qppl_types"] if qppl else [a for a in _abbreviations() if not a.isupper()]
    near = {a for a in types if len(a) == len(group)
            and [y for x, y in zip(a.upper(), group.upper()) if x != y] in (["I"], ["L"], ["1"], ["|"])}
    return near.pop() if len(near) == 1 else group


STROKES = frozenset("LI1l|")   # what OCR reads for a T of a slanted or thin face


def strokes_for_t(group: str) -> str:
    """An issuing body's group where OCR read stroke letters for some of its T's, when exactly one body of
    the registry (`rules/units.yaml` `symbol_abbreviations`) reads so: BVHLLDL → BVHTTDL (2031/QĐ-UBND
    scan, the italic "Căn cứ" lines); a group of other letters, or one several bodies could be, stays.

    >>> strokes_for_t("BVHLLDL"), strokes_for_t("BTITT"), strokes_for_t("BVHTTDL"), strokes_for_t("BLĐTBXH")
    ('BVHTTDL', 'BTTTT', 'BVHTTDL', 'BLĐTBXH')
    """
    if len(group) < 4 or not any(ch in STROKES for ch in group):
        return group
    near = {a for a in bodies() if len(a) == len(group) and a != group
            and all(x == y or (x == "T" and y in STROKES) for x, y in zip(a, group))}
    return near.pop() if len(near) == 1 else group


@lru_cache(maxsize=1)
def bodies() -> frozenset[str]:
    """The central bodies' ký hiệu groups (`rules/units.yaml` `symbol_abbreviations`: BCA, VPCP, BVHTTDL)."""
    return frozenset(load("units").get("symbol_abbreviations", []))


def repair_symbol(symbol: str) -> str:
    """A whole ký hiệu with each group repaired: "CĐÐ-BXD" → "CĐ-BXD", "TIR-BKHCN" → "TTr-BKHCN".

    >>> repair_symbol("CĐÐ-BXD"), repair_symbol("2024/QHI15"), repair_symbol("QĐ-UBND")
    ('CĐ-BXD', '2024/QH15', 'QĐ-UBND')
    """
    parts = regex.split(r"([-/])", symbol)
    first = next((i for i, p in enumerate(parts) if p and not p.isdigit() and p not in "-/"), None)
    out = []
    for i, p in enumerate(parts):
        if p in ("-", "/") or not p or p.isdigit():
            out.append(p)
            continue
        p = _repair(p)
        out.append(_one_letter_off(p) if i == first else strokes_for_t(p))
    return "".join(out)


def _repair(group: str) -> str:
    """An OCR-damaged ký hiệu group read as the known group it stands for: QD → QĐ, QĐÐ → QĐ,
    QHI15 → QH15."""
    for bad, good in load("citations").get("confusables", {}).items():
        group = group.replace(bad, good)
    for fix in load("citations").get("ocr_fixes", []):
        group = regex.sub(fix["read"], fix["as"], group, timeout=_T)
    known = _ocr_repairs()
    if fold(group) not in known:
        collapsed = regex.sub(r"([^\x00-\x7f])\1", r"\1", group, timeout=_T)   # QĐĐ, not BTTTT
        if known.get(fold(collapsed)) == collapsed:
            return collapsed
    if not group.isascii():
        return group
    return known.get(fold(group), group)
