"""Addressees (nơi gửi đến): the "Kính gửi:" list, a công điện's "BỘ XÂY DỰNG điện:" list, and "Nơi nhận:".

These blocks name units without tasking them, so obligations skip their lines. The
addressees still matter: a lead-in that tasks them as a group ("Bộ Xây dựng yêu cầu các cơ
quan, đơn vị:") gives its numbered items to every addressee (GOLD.md O4). Patterns:
`rules/verbs.yaml` (`address_block`, `copy_block`, `generic_lead`).

>>> items = [(None, "BỘ XÂY DỰNG điện:"), ("dash", "- Cục Đường bộ Việt Nam;"), ("dash", "- Ban Quản lý Dự án 85."),
...          (None, "Bộ Xây dựng yêu cầu các cơ quan, đơn vị:")]
>>> skipped, found = blocks(items, "Bộ Xây dựng")
>>> sorted(skipped), [m.unit for m in found], generic_lead(items[3][1])
([0, 1, 2], ['Cục Đường bộ Việt Nam', 'Ban Quản lý Dự án 85'], True)

A copy list ("Nơi nhận:") goes on past the signature block that two columns put inside it, and ends
at its "- Lưu: …" line (82/2025/NQ-HĐND: the list runs on to the next page after "CHỦ TỊCH / Phùng
Thị Hồng Hà"):

>>> items = [(None, "Nơi nhận:"), ("dash", "- Chính phủ; CHỦ TỊCH"), (None, "Phùng Thị Hồng Hà"),
...          ("dash", "- Các Sở, ban, ngành, tổ chức CT-XH Thành phố;"), ("dash", "- Lưu: VT."),
...          ("dash", "- Sở Tài chính tổ chức thực hiện.")]
>>> sorted(blocks(items, "HĐND thành phố Hà Nội")[0])
[0, 1, 2, 3, 4]
"""
from __future__ import annotations

from functools import lru_cache

import regex

from congvan.extract import units
from congvan.ingest.textnorm import fold
from congvan.rules import TIMEOUT as _T
from congvan.rules import load



@lru_cache(maxsize=1)
def _patterns() -> dict[str, regex.Pattern]:
    data = load("verbs")
    return {k: regex.compile(data[k]) for k in ("address_block", "copy_block", "generic_lead", "named_unit")}


def _named(body: str, issuer: str | None) -> list[units.UnitMention]:
    """The units of one address line: registry names, or a name the registry does not know ("Ban Quản lý Dự án 85")."""
    line = regex.sub(r"^\s*[-–+•]\s*", "", body).rstrip(" ;.,")
    found = units.find(line, issuer)
    if found:
        return found
    m = _patterns()["named_unit"].match(line, timeout=_T)
    return [units.UnitMention(units.canonical(line, issuer), line, 0, len(line))] if m else []


def blocks(items: list[tuple[str | None, str]], issuer: str | None) -> tuple[set[int], list[units.UnitMention]]:
    """Indices of the (marker kind, text) items inside address and copy blocks, and the addressed units."""
    pats = _patterns()
    skipped: set[int] = set()
    addressees: list[units.UnitMention] = []
    mode = None
    for i, (kind, body) in enumerate(items):
        text = body.strip()
        if pats["address_block"].search(text, timeout=_T):
            mode = "address"
            skipped.add(i)
            after = regex.split(r":", text, maxsplit=1)
            if len(after) == 2 and after[1].strip():
                addressees += _named(after[1], issuer)
            continue
        if pats["copy_block"].match(text, timeout=_T):
            mode = "copy"
            skipped.add(i)
            continue
        if mode and kind is None and i and items[i - 1][0] in ("dash", "plus") and items[i - 1][1].rstrip().endswith(":"):
            kind = "dash"                     # "- Bộ trưởng các Bộ:" / "Quốc phòng, Công an, …" wrapped after the colon
            text = items[i - 1][1].strip() + " " + text
        if mode == "copy" and kind is None and (text.endswith((";", ",")) or text[:1].islower()):
            kind = "dash"                     # a copy-list item whose dash OCR lost ("Đài truyền hình Việt Nam;")
        elif mode == "copy" and kind is None and _signature_line(text):
            skipped.add(i)                    # the signature block read into the list: the list goes on after it
            continue
        if mode == "copy" and kind in ("dash", "plus") and regex.match(r"[-–+•]?\s*Lưu\b", text, timeout=_T):
            skipped.add(i)                    # "- Lưu: VT, …" ends a copy list (Nghị định 30/2020/NĐ-CP)
            mode = None
            continue
        if mode and kind in ("dash", "plus"):
            # the last address line may run into the body: "- Sở Xây dựng các tỉnh: …, Lâm Đồng. Triển khai …"
            line, *rest = regex.split(r"(?<=[.;])\s+(?=\p{Lu})", text, maxsplit=1, timeout=_T)
            if mode == "address":
                addressees += _named(line, issuer)
            if rest and not (mode == "copy" and (rest[0].rstrip().endswith((";", ",")) or _signature_line(rest[0]))):
                mode = None                   # (a copy-list item run on is still the list: "…Chính phủ; Đài …;",
                #                               or run into the signature block beside it: "…Hà Nội; CHỦ TỊCH")
            else:
                skipped.add(i)
            continue
        mode = None
    return skipped, list({m.unit: m for m in addressees}.values())


def _signature_line(text: str) -> bool:
    """A line of the signature block beside a copy list, the two columns read one after the other: a
    title in capitals ("CHỦ TỊCH", "KT. BỘ TRƯỞNG": an authority or a position of `rules/header.yaml`)
    or the signer's name ("Phùng Thị Hồng Hà"). An annex heading in capitals is not one.

    >>> [_signature_line(t) for t in ("CHỦ TỊCH", "KT. BỘ TRƯỞNG", "TM. ỦY BAN NHÂN DÂN", "Phùng Thị Hồng Hà")]
    [True, True, True, True]
    >>> [_signature_line(t) for t in ("Thành phố;", "Lưu: VT.", "PHỤ LỤC I", "DANH SÁCH CÁC ĐƠN VỊ")]
    [False, False, False, False]
    """
    words = text.split()
    letters = [c for c in text if c.isalpha()]
    if letters and all(c.isupper() for c in letters) and len(words) <= 8:
        folded = fold(text)
        return bool(regex.match(r"(?:tm|kt|tl|tuq|q)\.", folded, timeout=_T)
                    or _positions().search(folded, timeout=_T))
    return 2 <= len(words) <= 5 and all(w[:1].isupper() and w.isalpha() for w in words)


@lru_cache(maxsize=1)
def _positions() -> regex.Pattern:
    """Any position of rules/header.yaml, as a whole word of folded text."""
    return regex.compile(r"\b(?:" + "|".join(regex.escape(fold(p)) for p in load("header")["positions"]) + r")\b")


def generic_lead(body: str) -> bool:
    """A lead-in that tasks the addressees as a group: "…, Bộ Xây dựng yêu cầu các cơ quan, đơn vị:"."""
    return bool(_patterns()["generic_lead"].search(fold(body), timeout=_T))


def named_members(group: list[units.UnitMention], addressed: list[units.UnitMention], text: str = ""
                  ) -> list[units.UnitMention]:
    """A collective whose members the address names means those members (GOLD.md O4; `rules/units.yaml`
    `addressed_members`): "UBND các tỉnh, thành phố trực thuộc Trung ương" of a text addressed to named
    provinces ("Chủ tịch UBND các tỉnh, thành phố trực thuộc Trung ương: Hà Tĩnh, Quảng Trị, …") means those
    provinces; "các cơ quan báo chí" of a letter addressed to Báo Nhân dân, Đài Truyền hình Việt Nam, … means
    those (10988/BNV-CQĐP); and, in `text`, an office written in the plural, "các Sở Xây dựng nêu trên", means
    the same office of each place the address names ("Sở Xây dựng các tỉnh, thành phố: Gia Lai, Đắk Lắk, …",
    96/CĐ-BXD). Two named members at least; else the collective stays one unit.

    >>> a = [units.UnitMention("UBND tỉnh Hà Tĩnh", "", 0, 0), units.UnitMention("UBND thành phố Huế", "", 0, 0),
    ...      units.UnitMention("Báo Nhân dân", "", 0, 0), units.UnitMention("Thông tấn xã Việt Nam", "", 0, 0)]
    >>> [m.unit for m in named_members([units.UnitMention("UBND các tỉnh, thành phố trực thuộc Trung ương", "x", 3, 9)], a)]
    ['UBND tỉnh Hà Tĩnh', 'UBND thành phố Huế']
    >>> [m.unit for m in named_members([units.UnitMention("Các cơ quan báo chí", "x", 3, 9)], a)]
    ['Báo Nhân dân', 'Thông tấn xã Việt Nam']
    """
    members = _members()
    if all(m.unit not in members and not _plural(m, text) for m in group):
        return group
    out = []
    for m in group:
        starts = members.get(m.unit) or ((m.unit + " ",) if _plural(m, text) else ())
        named = [n for n in addressed if n.unit.startswith(starts)] if starts else []
        out += [units.UnitMention(n.unit, m.mention, m.start, m.end) for n in named] if len(named) >= 2 else [m]
    return out


def _plural(mention: units.UnitMention, text: str) -> bool:
    """A unit written in the plural in `text`: "Các Sở Xây dựng nêu trên".

    >>> _plural(units.UnitMention("Sở Xây dựng", "Sở Xây dựng", 4, 15), "Các Sở Xây dựng nêu trên")
    True
    >>> _plural(units.UnitMention("Sở Xây dựng", "Sở Xây dựng", 0, 11), "Sở Xây dựng nêu trên")
    False
    """
    return bool(text) and fold(text[max(0, mention.start - 4):mention.start]).endswith("cac ") \
        and not fold(mention.unit).startswith("cac ")


@lru_cache(maxsize=1)
def _members() -> dict[str, tuple[str, ...]]:
    """Collective → how the names of its members start."""
    return {c["collective"]: tuple(c["members"]) for c in load("units").get("addressed_members", [])}

