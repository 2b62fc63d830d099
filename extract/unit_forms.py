"""Units named by their form (đơn vị gọi theo cấu trúc tên): "Chủ tịch Ủy ban nhân dân tỉnh Đồng Nai".

Three forms the registry cannot list one by one, each a rule in `rules/units.yaml`:

* a head and its province (`placed_heads`): "UBND tỉnh Gia Lai", "Tỉnh ủy Đắk Lắk", "Thuế tỉnh Nghệ An",
  "Sở Xây dựng Lâm Đồng" → Sở Xây dựng tỉnh Lâm Đồng (a Sở of the issuer's own province stays "Sở …");
* heads sharing a list of provinces: "Bí thư tỉnh ủy và Chủ tịch UBND các tỉnh: Gia Lai, Đắk Lắk" →
  Tỉnh ủy Gia Lai, UBND tỉnh Gia Lai, Tỉnh ủy Đắk Lắk, UBND tỉnh Đắk Lắk;
* collectives with no list of names (`collectives`): "Bộ trưởng, Thủ trưởng cơ quan ngang bộ, cơ quan
  thuộc Chính phủ" → Các Bộ, cơ quan ngang Bộ, cơ quan thuộc Chính phủ;
* a head and its region (`regional_heads`): "Kho bạc Nhà nước khu vực IX", "Ngân hàng Nhà nước chi nhánh
  Khu vực 6", the regional offices of central agencies since 2025.

Matching runs on folded text (lower case, no marks), whose offsets are those of the text.

>>> [m.unit for m in find("Chủ tịch Ủy ban nhân dân tỉnh Đồng Nai chỉ đạo", "Văn phòng Chính phủ")]
['UBND tỉnh Đồng Nai']
>>> [m.unit for m in find("Sở Xây dựng các tỉnh, thành phố: Gia Lai, Lâm Đồng.", "Bộ Xây dựng")]
['Sở Xây dựng tỉnh Gia Lai', 'Sở Xây dựng tỉnh Lâm Đồng']
>>> find("Hội nghị tại tỉnh Gia Lai", None)
[]
>>> [m.unit for m in find("Giao Kho bạc Nhà nước khu vực IX, Ngân hàng Nhà nước chi nhánh Khu vực 6 theo dõi", "UBND tỉnh Ninh Bình")]
['Kho bạc Nhà nước khu vực IX', 'Ngân hàng Nhà nước chi nhánh Khu vực 6']
>>> find("chính sách miễn thuế khu vực III", "UBND tỉnh Ninh Bình"), find("số liệu thống kê tỉnh Gia Lai năm 2025", None)
([], [])
>>> [m.unit for m in find("Thuế các tỉnh, thành phố rà soát", "Cục Thuế")], find("Số thu thuế các tỉnh, thành phố tăng", "Cục Thuế")
(['Thuế các tỉnh, thành phố'], [])
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import regex

from congvan.ingest.textnorm import fold
from congvan.rules import TIMEOUT as _T
from congvan.rules import load



@dataclass(frozen=True, slots=True)
class FormMention:
    unit: str
    mention: str
    start: int
    end: int


@lru_cache(maxsize=1)
def _places() -> dict[str, str]:
    """folded province → its spelling ("dak lak" → "Đắk Lắk")."""
    return {fold(p): p for p in load("places")["provinces"]}


@lru_cache(maxsize=1)
def _cities() -> set[str]:
    return {fold(c) for c in load("units").get("provincial_cities", [])}


@lru_cache(maxsize=1)
def _sở_names() -> dict[str, str]:
    """folded Sở name or alias → canonical, from the registry (scope any)."""
    out = {}
    for u in load("units")["units"]:
        if u.get("scope", "any") == "any" and u["name"].startswith("Sở "):
            for n in (u["name"], *(u.get("aliases") or ())):
                if fold(n).startswith("so "):
                    out[fold(n)] = u["name"]
    return out


@lru_cache(maxsize=1)
def _bộ_names() -> str:
    """The folded names and aliases of the ministries (registry names opening with "Bộ "), as an alternation."""
    names = {fold(n) for u in load("units")["units"] if u["name"].startswith("Bộ ") and u.get("level") == "bộ"
             for n in (u["name"], *(u.get("aliases") or ())) if fold(n).startswith("bo ")}
    return _alternation(names)


def _alternation(words) -> str:
    return "|".join(regex.escape(w) for w in sorted(words, key=len, reverse=True))


@lru_cache(maxsize=1)
def _patterns() -> dict:
    data = load("units")
    place = rf"(?P<place>{_alternation(_places())})(?![\w])"
    level = r"(?:(?P<level>tinh|thanh\s+pho|tp\.?)\s+)?"
    heads = [(regex.compile(rf"\b(?:{h['head']})\s+{level}{place}"), h) for h in data["placed_heads"]]
    sở = regex.compile(rf"\b(?P<so>{_alternation(_sở_names())})\s+{level}{place}")
    listed = regex.compile(r"\bcac\s+tinh(?:\s*,\s*(?:thanh\s+pho|tp))?(?:\s+truc\s+thuoc\s+(?:trung\s+uong|tw))?\s*:?\s*")
    places = _alternation(_places())
    sở_names = "(?:" + _alternation(_sở_names()) + ")"
    collectives = [(regex.compile(rf"\b(?:{c['pattern'].replace('{place}', '(?:' + places + ')').replace('{so}', sở_names).replace('{bo}', '(?:' + _bộ_names() + ')')})"), c)
                   for c in data["collectives"]]
    regional = [(regex.compile(rf"\b(?:{h['head']})(?P<region>\s+(?:chi\s+nhanh\s+)?khu\s+vuc\s+(?:[ivxlc]+|\d{{1,2}}))\b"), h)
                for h in data.get("regional_heads", ())]
    return {"heads": heads, "so": sở, "listed": listed, "collectives": collectives, "regional": regional,
            "place": regex.compile(place), "sep": regex.compile(r"\s*(?:,|;|\bva\b)\s*(?:va\s+)?")}


def is_province(text: str) -> bool:
    """Whether `text` is a province or centrally-run city of rules/places.yaml (without marks).

    >>> is_province("lam dong"), is_province("Hồ Đức Phớc")
    (True, False)
    """
    return fold(text).strip() in _places()


def issuer_place(issuer: str | None) -> str | None:
    """The province of a provincial issuer: "UBND tỉnh Đắk Lắk" → "Đắk Lắk".

    >>> issuer_place("UBND thành phố Cần Thơ"), issuer_place("Bộ Xây dựng")
    ('Cần Thơ', None)
    """
    m = regex.search(rf"\b(?:tinh|thanh\s+pho)\s+({_alternation(_places())})$", fold(issuer or ""), timeout=_T)
    return _places()[m.group(1)] if m else None


def _level(written: str | None, place_key: str) -> str:
    if written and fold(written).startswith("tinh"):
        return "tỉnh"
    if written:
        return "thành phố"
    return "thành phố" if place_key in _cities() else "tỉnh"


def _placed_name(template: str, level: str, place: str, issuer: str | None, keep_place: bool = False) -> str:
    if place == issuer_place(issuer) and not keep_place:
        template = template.replace(" {level} {place}", " {level}").replace(" {place}", "")
    return template.format(level=level, place=place)


def _sở_name(sở: str, level: str, place: str, issuer: str | None) -> str:
    return sở if place == issuer_place(issuer) else f"{sở} {level} {place}"


def _placed(text: str, folded: str, issuer: str | None) -> list[FormMention]:
    out = []
    pats = _patterns()
    for rx, head in pats["heads"]:
        for m in rx.finditer(folded, timeout=_T):
            if not text[m.start()].isupper():   # a name is capitalised: "thống kê tỉnh Gia Lai có …" is a verb
                continue
            key = m.group("place")
            level = _level(m.group("level"), key)
            # "UBND thành phố Quảng Ngãi" is the city that bears its province's name: it keeps the name
            other = m.group("level") is not None and level != _level(None, key)
            name = _placed_name(head["name"], level, _places()[key], issuer, head.get("keep_place", False) or other)
            out.append(FormMention(name, text[m.start():m.end()], m.start(), m.end()))
    for m in pats["so"].finditer(folded, timeout=_T):
        key = m.group("place")
        name = _sở_name(_sở_names()[m.group("so")], _level(m.group("level"), key), _places()[key], issuer)
        out.append(FormMention(name, text[m.start():m.end()], m.start(), m.end()))
    return out


def _regional(text: str, folded: str) -> list[FormMention]:
    """A head and its region, the region as written: "Hải quan khu vực X", "Ngân hàng Nhà nước chi nhánh Khu vực 6";
    capitalised, as a name is ("ưu đãi thuế khu vực III" is a tax on a region, not an office)."""
    out = []
    for rx, head in _patterns()["regional"]:
        for m in rx.finditer(folded, timeout=_T):
            if not text[m.start()].isupper():
                continue
            region = regex.sub(r"\s+", " ", text[m.start("region"):m.end("region")])
            number = region.rsplit(" ", 1)[1]
            name = head["name"] + region[: len(region) - len(number)] + (number.upper() if not number.isdigit() else number)
            out.append(FormMention(name, text[m.start():m.end()], m.start(), m.end()))
    return out


def _list_heads(window: str) -> list[tuple[str, str | None]]:
    """The heads before "các tỉnh: …", in order: ("party", None), ("UBND", None), ("sở", "Sở Xây dựng")."""
    found = []
    for m in regex.finditer(r"\b(?:tinh\s+uy|thanh\s+uy)\b|\b(?:ubnd|uy\s+ban\s+nhan\s+dan)\b|\b(?:hdnd|hoi\s+dong\s+nhan\s+dan)\b",
                            window, timeout=_T):
        word = m.group()
        kind = "party" if word.endswith("uy") else "UBND" if word.startswith(("ubnd", "uy")) else "HĐND"
        found.append((m.start(), kind, None))
    for m in regex.finditer(rf"\b({_alternation(_sở_names())})\s*$", window, timeout=_T):
        found.append((m.start(), "sở", _sở_names()[m.group(1)]))
    return list(dict.fromkeys((k, n) for _, k, n in sorted(found)))


def _listed(text: str, folded: str, issuer: str | None) -> list[FormMention]:
    """Heads sharing a list of provinces: "Chủ tịch UBND các tỉnh: Gia Lai, Đắk Lắk và Lâm Đồng"."""
    pats = _patterns()
    out = []
    for m in pats["listed"].finditer(folded, timeout=_T):
        places, pos = [], m.end()
        while True:
            p = pats["place"].match(folded, pos, timeout=_T)
            if not p:
                break
            places.append(p.group("place"))
            pos = p.end()
            sep = pats["sep"].match(folded, pos, timeout=_T)
            if not sep or not pats["place"].match(folded, sep.end(), timeout=_T):
                break
            pos = sep.end()
        if not places:
            continue
        cut = max(folded.rfind(c, 0, m.start()) for c in ".;:\n")
        lead = max(cut + 1, m.start() - 120)
        heads = _list_heads(folded[lead:m.start()])
        if not heads:
            continue
        written_party = set(regex.findall(r"\b(tinh|thanh)\s+uy\b", folded[lead:m.start()], timeout=_T))
        for key in places:
            place = _places()[key]
            city = key in _cities()
            for kind, sở in heads:
                if kind == "party":   # "Bí thư Tỉnh ủy, Thành ủy …": a city has a Thành ủy
                    party = "Thành ủy" if city and "thanh" in written_party else "Tỉnh ủy"
                    name = f"{party} {place}"
                elif kind == "sở":
                    name = _sở_name(sở, "thành phố" if city else "tỉnh", place, issuer)
                else:
                    name = _placed_name(kind + " {level} {place}", "thành phố" if city else "tỉnh", place, issuer)
                out.append(FormMention(name, text[lead:pos], lead, pos))
    return list(dict.fromkeys(out))


@lru_cache(maxsize=1)
def _commune_levels() -> str:
    """The level words that name a commune (the values of units.yaml `local_levels`: xã, phường, thị trấn, đặc
    khu), an alternation."""
    words = (w.strip() for v in load("units")["local_levels"].values() for w in v.split(","))
    return "|".join(regex.escape(w) for w in dict.fromkeys(words))


def _own(issuer: str | None) -> str:
    """The issuer's level and place: "HĐND thành phố Hà Nội" → "thành phố Hà Nội", "UBND xã Đắk Mil" → "xã Đắk Mil"
    ("" without a place).

    >>> _own("HĐND thành phố Hà Nội"), _own("UBND xã Đắk Mil"), _own("Bộ Nội vụ")
    ('thành phố Hà Nội', 'xã Đắk Mil', '')
    """
    place = issuer_place(issuer)
    if not place:    # a commune's own: "UBND xã Đắk Mil" → "xã Đắk Mil"
        local = regex.search(rf"(?<!\w)(?:{_commune_levels()})\s+\S.*$", issuer or "", timeout=_T)
        return local.group() if local else ""
    return ("thành phố " if regex.search(r"\bthanh\s+pho\b", fold(issuer or "")) else "tỉnh ") + place


def _collectives(text: str, folded: str, scope: str, issuer: str | None = None) -> list[FormMention]:
    out = []
    own = _own(issuer)
    for rx, c in _patterns()["collectives"]:
        if c.get("scopes") and scope not in c["scopes"]:
            continue
        for m in rx.finditer(folded, timeout=_T):
            name = c["name"]
            if c.get("capitalised") and not text[m.start()].isupper():
                continue                         # "số thu thuế các tỉnh, thành phố" names no office
            if "{written}" in name:
                written = text[m.start("written"):m.end("written")]
                name = regex.sub(r"(?i)^(?:ủy|uỷ)\s+ban\s+nhân\s+dân", "UBND", written)
                name = name[:1].upper() + name[1:]       # "các bệnh viện trực thuộc Bộ" → "Các …"
            name = name.replace("{own}", own).strip()
            out.append(FormMention(name, text[m.start():m.end()], m.start(), m.end()))
    return out


def find(text: str, issuer: str | None, scope: str = "any") -> list[FormMention]:
    """Every unit named by form in `text`: listed provinces first, then collectives, then single placed units.

    Overlaps resolve to the mentions found first (a list covers its single names), then to the longest.
    """
    if not text or len(text) > 200_000:
        return []
    folded = fold(text)
    listed = _listed(text, folded, issuer)
    others = sorted(_collectives(text, folded, scope, issuer) + _placed(text, folded, issuer) + _regional(text, folded),
                    key=lambda m: (m.start, -(m.end - m.start)))
    out = list(listed)
    for m in others:
        if all(m.end <= o.start or m.start >= o.end for o in out):
            out.append(m)
    return sorted(out, key=lambda m: m.start)
