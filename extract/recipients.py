"""Addressees (Kính gửi, and a công điện's "… điện:"): "Kính gửi: Các Sở: Nội vụ, Tư pháp".

Each addressee is kept as written, a person's title included ("Bộ trưởng Bộ Xây dựng"),
without the leading "Đồng chí", the purpose in brackets ("(để báo cáo)") and the closing
punctuation. Enumerations with a shared head expand (rules/header.yaml `recipients`):
"Các Cục: Đường bộ Việt Nam, Đường sắt Việt Nam" → Cục Đường bộ Việt Nam, Cục Đường sắt
Việt Nam; "Bộ trưởng các Bộ: Quốc phòng, Công an" → Bộ trưởng Bộ Quốc phòng, …; "Sở Xây
dựng các tỉnh, thành phố: Gia Lai, Đà Nẵng" → Sở Xây dựng tỉnh Gia Lai, Sở Xây dựng thành
phố Đà Nẵng; "Bí thư Tỉnh ủy, Thành ủy, Chủ tịch UBND các tỉnh, thành phố: Huế" → Bí thư
Thành ủy Huế, Chủ tịch UBND thành phố Huế. A category with no list of names stays one
addressee ("Bộ trưởng, Thủ trưởng cơ quan ngang Bộ, cơ quan thuộc Chính phủ").

The block ends where the body starts, also inside a line the layout ran together
("Kính gửi: Thuế tỉnh Nghệ An. Cục Thuế nhận được …", "… trung ương Triển khai việc …").

>>> from congvan.extract.text import Line
>>> find([Line(1, 0, 0, t) for t in ["Kính gửi:", "- Các Sở: Nội vụ, Tư pháp;", "- Văn phòng UBND tỉnh.",
...                                   "Ngày 24/6/2020, Bộ Nội vụ đã công bố"]])
('Sở Nội vụ', 'Sở Tư pháp', 'Văn phòng UBND tỉnh')
>>> find([Line(1, 0, 0, "Kính gửi: Bộ trưởng Bộ Công Thương Xét đề nghị của Bộ Công Thương tại Tờ trình")])
('Bộ trưởng Bộ Công Thương',)
"""
from __future__ import annotations

from functools import lru_cache

import regex

from congvan.extract import units
from congvan.extract.address_lines import WRAPS as _WRAPS
from congvan.extract.address_lines import bare_title as _bare_title
from congvan.extract.address_lines import body_opener as _body_opener
from congvan.extract.address_lines import body_verb as _body_verb
from congvan.extract.address_lines import recipient_rules as _rules
from congvan.extract.address_lines import starts_unit as _starts_unit
from congvan.extract.text import Line
from congvan.ingest.textnorm import fold
from congvan.rules import TIMEOUT as _T
from congvan.rules import load, pattern


def _cut_body(text: str) -> tuple[str, bool]:
    """(the address part of a line, whether the body starts in it)."""
    opener = _body_opener().search(text, timeout=_T)
    end = opener.start() if opener else len(text)
    for m in regex.finditer(r"(?<=(\S+))\.\s+(?=\p{Lu})", text[:end], timeout=_T):
        word = m.group(1)
        if sum(c.isalpha() for c in word) >= 2 and not word.isupper() and word not in _rules()["abbreviations"]:
            end = m.start()
            break
    return text[:end].rstrip(), end < len(text)


def _block(lines: list[Line], i: int, first: str) -> list[str]:
    """The address lines of the block opened at line `i` (its first text `first`), one string per item."""
    items: list[str] = []
    ended = dashed = False
    wraps = len(lines[i].text.strip()) >= _WRAPS or first.rstrip().endswith((":", ","))
    rest, stop = _cut_body(first)
    if rest.strip():
        items.append(rest.strip())
    if stop:
        return items
    # a one-line address ends at its full stop, however long: "Kính gửi: Đồng chí Bí thư Tỉnh ủy Bến Tre Lê Đức Thọ."
    ended = items[-1].endswith(".") if items else False
    detail = pattern("header", "recipient_detail")
    skipped = 0
    for line in lines[i + 1:i + 40]:
        t = line.text.strip()
        if not items and skipped < 5 and (t[:1] not in "-–•+" and _stamp_debris(t) or not any(c.isalnum() for c in t)):
            skipped += 1
            continue   # a receipt stamp ("ĐẾN", "Giờ: ....") over the address block
        if pattern("header", "kinh_gui").match(t) or pattern("header", "dong_kinh_gui").match(t):
            break
        ended_list = items and ended and items[-1].endswith(".") and t[:1] not in "-–•+"
        if _body_opener().match(t) or pattern("header", "body_start").match(t) or ended_list or _body_verb(t):
            break
        piece, stop = _cut_body(t)
        lost_dash = dashed and t[:1] not in "-–•+" and _starts_unit(t)   # OCR lost the item's dash
        # a narrow cell wraps early: a line going on in lower case, or a short unit name ("Bộ Công Thương")
        wraps = wraps or t[:1].islower() or (bool(items) and len(t) < 40 and _starts_unit(t)
                                             and _bare_title(items[-1]))
        # the unended last item of a dashed list goes on with one or two words ("… & Đầu tư" / "Thành phố")
        wraps = wraps or (dashed and not ended and len(t.split()) <= 2 and t[:1] not in "-–•+"
                          and not _starts_unit(t) and not t.rstrip().endswith(":"))
        if items and not ended and t[:1] not in "-–•+" and not wraps and not lost_dash:
            break   # a short address line does not wrap: what follows is the body
        # a line ending in a comma goes on with a list of names ("… thành phố An Giang, Cần Thơ," / "Cà Mau, …")
        listed = items[-1].rstrip().endswith(",") and not _starts_unit(t) if items else False
        if t[:1] in "-–•+" or not items or (ended and not dashed and not listed) or (lost_dash and not wraps):
            if not piece.lstrip("-–•+ ").strip():
                break
            items.append(piece)
            dashed = dashed or t[:1] in "-–•+"
        else:
            items[-1] += " " + piece
        ended = items[-1].rstrip().endswith((";", ".", ","))
        wraps = len(t) >= _WRAPS or t.rstrip().endswith((":", ","))
        if stop:
            break
    return [i for i in items if not detail.match(i.lstrip("-–•+ "))]


def _stamp_debris(text: str) -> bool:
    """A line of a receipt stamp OCR read over the address block: "ĐẾN", "GIồ:.......", "gáy..Q315.1./Đ26".

    >>> _stamp_debris("GIồ:.........cesereeeee"), _stamp_debris("ĐẾN -"), _stamp_debris("Bộ trưởng Bộ Y tế")
    (True, True, False)
    """
    letters = sum(c.isalpha() for c in text)
    return bool(regex.search(r"\.{2,}|…", text)) or 2 * letters < len(text.replace(" ", "")) or \
        fold(text).strip(" :.-–") in _rules()["stamp_words"]


def _clean(item: str) -> str:
    text = regex.sub(r"\s+", " ", item.lstrip("-–•+ \t")).strip()
    text = pattern("header", "recipient_purpose").sub("", text, timeout=_T)
    text = pattern("header", "recipient_detail_bracket").sub("", text, timeout=_T)   # "(Địa chỉ: …; MST: …)"
    text = regex.sub(r"\s*;\s*", ", ", text.strip(" ;,.:"), timeout=_T)
    text = regex.sub(r"^(?:Đ|D)[ôồốổơ]ng\s+chí\b", "Đồng chí", text, timeout=_T)   # OCR: "Đông chí"
    return _mend_collectives(_mend_places(text))


@lru_cache(maxsize=1)
def _places() -> dict[str, str]:
    return {fold(p): p for p in load("places")["provinces"] if " " in p}


def _mend_places(text: str) -> str:
    """Province names spelled as the registry spells them, when OCR lost or swapped a mark:
    "UBND tỉnh Lâm Đông" → "UBND tỉnh Lâm Đồng" (two-syllable names only, matched without marks).

    >>> _mend_places("Chủ tịch UBND tỉnh Quang Ngai"), _mend_places("Sở Công Thương")
    ('Chủ tịch UBND tỉnh Quảng Ngãi', 'Sở Công Thương')
    >>> _mend_places("Chủ tịch UBND tỉnh Lâm'Đông")
    'Chủ tịch UBND tỉnh Lâm Đồng'
    """
    folded = fold(text)
    for key, name in _places().items():
        spaced = r"[\s'’`]+".join(regex.escape(w) for w in key.split())   # OCR's apostrophe for the space
        for m in reversed(list(regex.finditer(rf"(?<![a-z]){spaced}(?![a-z])", folded, timeout=_T))):
            text = text[:m.start()] + name + text[m.end():]
    return text


@lru_cache(maxsize=1)
def _collective_phrases() -> dict[str, str]:
    """Folded → written, the fixed phrases of the registry's collectives ("các tỉnh, thành phố trực thuộc
    Trung ương" of "UBND các tỉnh, …"), without their head."""
    names = [c["name"] for c in load("units")["collectives"] if "{" not in c["name"]]
    phrases = [regex.sub(r"^(?:UBND|Chủ tịch UBND)\s+", "", n, timeout=_T) for n in names]
    return {fold(p): p for p in phrases if len(p) >= 20}


def _mend_collectives(text: str) -> str:
    """A collective's fixed phrase with one letter OCR changed, as the registry writes it:
    "UBND các tỉnh, thành phế trực thuộc Trung ương" → "… thành phố …".

    >>> _mend_collectives("UBND các tỉnh, thành phế trực thuộc Trung ương")
    'UBND các tỉnh, thành phố trực thuộc Trung ương'
    >>> _mend_collectives("UBND các tỉnh, thành phố trực thuộc Trung ương")
    'UBND các tỉnh, thành phố trực thuộc Trung ương'
    """
    folded = fold(text)
    if len(folded) != len(text):
        return text
    for key, phrase in _collective_phrases().items():
        m = regex.search(rf"(?<![a-z])(?:{regex.escape(key)}){{s<=1}}(?![a-z])", folded, timeout=_T)
        if m and m.group() != key and len(m.group()) == len(phrase):
            text = text[:m.start()] + phrase + text[m.end():]
    return text


def _without_comrade(text: str) -> str:
    """An expanded addressee without the leading "Đồng chí" the whole line shared."""
    return regex.sub(r"(?i)^(?:các\s+)?đ[ồô]ng\s+chí\s+", "", text, timeout=_T)


def _is_city(name: str) -> bool:
    return fold(name) in {fold(c) for c in load("places")["cities"]}


def _names(text: str) -> list[str]:
    """'Gia Lai, Đắk Lắk và Lâm Đồng' → the three names ("và" splits only between places)."""
    names = [n.strip(" .;") for n in regex.split(r"\s*[,;]\s*", text, timeout=_T) if n.strip(" .;")]
    names = [part for n in names for part in _two_places(n)]
    if names and " và " in names[-1]:
        parts = names[-1].split(" và ")
        places = {fold(p) for p in load("places")["provinces"]}
        if all(fold(p.strip()) in places for p in parts):
            names[-1:] = [p.strip() for p in parts]
    return names


def _whole_names(kind: str, names: list[str]) -> list[str]:
    """The names of a category list, a name that holds a comma made whole again where the registry knows it:
    "Các Bộ: Y tế, Văn hóa, Thể thao và Du lịch" → Y tế; Văn hóa, Thể thao và Du lịch (6365/VPCP-KGVX).

    >>> _whole_names("Bộ", ["Y tế", "Văn hóa", "Thể thao và Du lịch", "Công an"])
    ['Y tế', 'Văn hóa, Thể thao và Du lịch', 'Công an']
    """
    out: list[str] = []
    for name in names:
        if out and _known(f"{kind} {out[-1]}, {name}") and not _known(f"{kind} {name}"):
            out[-1] = f"{out[-1]}, {name}"
        else:
            out.append(name)
    return out


def _two_places(name: str) -> list[str]:
    """Two province names OCR ran together without their comma: "Lào Cai Thái Nguyên" → both.

    >>> _two_places("Lào Cai Thái Nguyên"), _two_places("Thừa Thiên Huế"), _two_places("Gia Lai")
    (['Lào Cai', 'Thái Nguyên'], ['Thừa Thiên Huế'], ['Gia Lai'])
    """
    places = {fold(p) for p in load("places")["provinces"]}
    words = name.split()
    if fold(name) in places:
        return [name]
    for cut in range(1, len(words)):
        head, tail = " ".join(words[:cut]), " ".join(words[cut:])
        if fold(head) in places and fold(tail) in places:
            return [head, tail]
    return [name]


def _listed_places(text: str) -> regex.Match | None:
    """Heads in listed localities without the colon ("Ủy ban nhân dân các tỉnh, thành phố An Giang, Cần Thơ"):
    read only when every listed name is a province or centrally-run city."""
    m = pattern("header", "recipient_places_listed").match(text, timeout=_T)
    places = {fold(p) for p in load("places")["provinces"]}
    if m and len(_names(m.group("names"))) >= 2 and all(fold(n) in places for n in _names(m.group("names"))):
        return m
    return None


@lru_cache(maxsize=1)
def _split_titles() -> str:
    """The titles that open the head of another body on one address line (header.yaml `split_titles`), an alternation."""
    return "|".join(regex.escape(t) for t in _rules()["split_titles"])


def _heads(text: str) -> list[str]:
    """'Bí thư Tỉnh ủy, Thành ủy, Chủ tịch UBND' → ['Bí thư Tỉnh ủy, Thành ủy', 'Chủ tịch UBND']:
    cut before each title that starts a head of another body."""
    parts = regex.split(rf"(?:\s*,\s*|\s+và\s+)(?=(?i:{_split_titles()})\b)", text, timeout=_T)
    return [p.strip() for p in parts if p.strip()]


def _local(head: str, level_words: list[str], name: str) -> str:
    """One head placed in one locality: Sở Xây dựng + Gia Lai → Sở Xây dựng tỉnh Gia Lai;
    Bí thư Tỉnh ủy, Thành ủy + Huế → Bí thư Thành ủy Huế."""
    city = _is_city(name)
    committees = regex.search(r"\b(tinh\s+uy)(?:\s*,\s*|\s+va\s+)(thanh\s+uy)$", fold(head))
    if committees:
        return f"{head[:committees.start()]}{'Thành ủy' if city else 'Tỉnh ủy'} {name}"
    committee = regex.search(r"\b(tinh|thanh)\s+uy$", fold(head))
    if committee:
        return f"{head[:committee.start()]}{'Tỉnh' if committee.group(1) == 'tinh' else 'Thành'} ủy {name}"
    level = "thành phố" if city and any(fold(w) == "thanh pho" for w in level_words) else \
        ("tỉnh" if any(fold(w) == "tinh" for w in level_words) else level_words[0])
    return f"{head} {level} {name}"


def expand(item: str) -> list[str]:
    """One address item → its addressees (rules/header.yaml `recipients`).

    >>> expand("Bộ trưởng các Bộ: Quốc phòng, Công an")
    ['Bộ trưởng Bộ Quốc phòng', 'Bộ trưởng Bộ Công an']
    >>> expand("Bí Thư, Chủ tịch Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương")
    ['Bí Thư các tỉnh, thành phố trực thuộc Trung ương', 'Chủ tịch Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương']
    >>> expand("Bộ trưởng, Thủ trưởng cơ quan ngang Bộ, cơ quan thuộc Chính phủ")
    ['Bộ trưởng, Thủ trưởng cơ quan ngang Bộ, cơ quan thuộc Chính phủ']
    >>> expand("Đồng chí Chủ tịch UBND tỉnh Lâm Đồng")
    ['Đồng chí Chủ tịch UBND tỉnh Lâm Đồng']
    """
    pieces = _inline_items(item)
    if len(pieces) > 1:
        return [r for piece in pieces for r in expand(piece)]
    text = _clean(item)
    if not text:
        return []
    single = text
    text = _without_comrade(text)
    m = pattern("header", "recipient_localities").match(text, timeout=_T) or _listed_places(text)
    if m:
        levels = [w.strip() for w in regex.split(r"\s*,\s*", m.group("levels"))]
        return [_local(h, levels, n) for n in _names(m.group("names")) for h in _heads(m.group("heads"))]
    m = pattern("header", "recipient_category").match(text, timeout=_T)
    if m:
        title = (m.group("title") or "").strip()
        kind = m.group("kind")[0].upper() + m.group("kind")[1:]
        return [f"{title} {kind} {n}".strip() for n in _whole_names(kind, _names(m.group("names")))]
    m = pattern("header", "recipient_title_list").match(text, timeout=_T)
    if m:
        return [f"{m.group('title').strip()} {n}" for n in _names(m.group("names"))]
    m = pattern("header", "recipient_scope").match(text, timeout=_T)
    if m and len(_heads(m.group("heads"))) > 1:
        return [f"{h} {m.group('scope')}" for h in _heads(m.group("heads"))]
    parts = _split_and(text)
    return parts if len(parts) > 1 else [single]


def _inline_items(item: str) -> list[str]:
    """Addressees written on one line, each a unit or a title, split at ';' and at inline dashes.

    >>> _inline_items("Các sở, ban, ngành tỉnh; UBND các xã, phường, đặc khu.")
    ['Các sở, ban, ngành tỉnh', 'UBND các xã, phường, đặc khu']
    >>> _inline_items("- Sở Y tế; - Sở Tài chính; - UBND các xã, phường."), _inline_items("các tỉnh: Gia Lai; Đắk Lắk")
    (['Sở Y tế', 'Sở Tài chính', 'UBND các xã, phường'], ['các tỉnh: Gia Lai; Đắk Lắk'])
    """
    heads = "|".join(regex.escape(h) for h in (*_rules()["unit_heads"], *_rules()["split_titles"]))
    pieces = [p.strip(" .;,-–•+") for p in regex.split(r"\s*;\s*(?:[-–•+]\s*)?|\s+[-–•]\s+(?=\p{Lu})",
                                                       item.lstrip("-–•+ "), timeout=_T)]
    pieces = [p for p in pieces if p]
    if len(pieces) > 1 and all(regex.match(rf"(?i:(?:các\s+)?(?:{heads}))\b", p, timeout=_T) and not _bare_title(p)
                               for p in pieces):   # "Bộ trưởng; Thủ trưởng cơ quan ngang Bộ": one title over both
        return pieces
    return [item]


def _split_and(text: str) -> list[str]:
    """'UBND Thành phố Thủ Đức và UBND các quận-huyện' → two addressees, and so are units the registry
    knows joined by a comma ("Công an tỉnh, Bộ Chỉ huy Quân sự tỉnh"); "Sở Thông tin và Truyền thông",
    "Sở Văn hóa, Thể thao và Du lịch" and "Bộ trưởng, Thủ trưởng cơ quan ngang Bộ" stay one.

    >>> _split_and("Công an tỉnh, Bộ Chỉ huy Quân sự tỉnh"), _split_and("Bộ trưởng, Thủ trưởng cơ quan ngang Bộ")
    (['Công an tỉnh', 'Bộ Chỉ huy Quân sự tỉnh'], ['Bộ trưởng, Thủ trưởng cơ quan ngang Bộ'])
    >>> _split_and("Chỉ huy trưởng Bộ Chỉ huy Quân sự tỉnh, Giám đốc Công an tỉnh")
    ['Chỉ huy trưởng Bộ Chỉ huy Quân sự tỉnh', 'Giám đốc Công an tỉnh']
    """
    heads = "|".join(regex.escape(h) for h in _rules()["unit_heads"])
    parts = regex.split(rf"\s+và\s+(?=(?:{heads})\b)", text, timeout=_T)
    if len(parts) > 1 and all(regex.match(rf"(?:{heads})\b", p) for p in parts):
        return parts
    parts = regex.split(rf"\s*,\s*(?:và\s+)?(?=(?:{heads})\b)", text, timeout=_T)
    if len(parts) > 1 and all(regex.match(rf"(?:{heads})\b", p) and _known(p) for p in parts):
        return parts
    # … and a head behind a title ("Chỉ huy trưởng Bộ Chỉ huy Quân sự tỉnh, Giám đốc Công an tỉnh")
    parts = regex.split(rf"\s*,\s*(?:và\s+)?(?=(?:{_split_titles()})\s)", text, timeout=_T)
    if len(parts) > 1 and all(_known(p) for p in parts):
        return parts
    return [text]


def _known(text: str) -> bool:
    """One unit the registry (or its forms) names, the whole of `text` but a title before it
    ("Giám đốc Sở Tài chính"; not "Chủ tịch HĐTV, Tổng giám đốc các Tập đoàn … trực thuộc Bộ Tài chính")."""
    found = units.find(text)
    title = fold(text[:found[0].start]).strip() if len(found) == 1 else "-"
    return len(found) == 1 and found[0].end >= len(text.rstrip(" .;,")) - 1 and \
        (not title or units.title_pattern().fullmatch(title) is not None)


def find(lines: list[Line]) -> tuple[str, ...]:
    """The addressees of the Kính gửi / Đồng kính gửi / "… điện:" blocks, in order, once each."""
    out: list[str] = []
    first_page = lines[0].page if lines else 0
    for opener in ("kinh_gui", "kinh_gui_damaged"):   # the damaged form only when no block opens normally
        for i, line in enumerate(lines):
            if line.page != first_page:
                break   # a block opens on the first page (it may run on to the next)
            m = pattern("header", opener).search(line.text) if opener == "kinh_gui_damaged" else \
                pattern("header", "kinh_gui").match(line.text) or pattern("header", "dong_kinh_gui").match(line.text) \
                or pattern("header", "dien").match(line.text)
            if not m:
                continue
            for item in _block(lines, i, m.group("rest")):
                out += [r for r in expand(item) if r not in out]
            if opener == "kinh_gui_damaged":
                break
        if out:
            break
    return tuple(out)
