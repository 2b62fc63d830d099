"""Document header and footer (thể thức): "Số: 599 /SCT-VP", "Quảng Trị, ngày 19 tháng 4 năm 2019".

Reads the fields of the `documents` table: số ký hiệu, tên loại, cơ quan ban hành and
chủ quản, địa danh, ngày ban hành (blank day or month left out, never invented),
trích yếu, Kính gửi (enumerations expanded), Nơi nhận, and the signer block
(quyền hạn ký TM./KT./TL./TUQ./Q., chức vụ, họ tên).

It works on the page text as ingestion lays it out: the two header columns and the
two footer columns come as separate blocks (left, then right), because ingestion
splits them by word position. Patterns live in `rules/header.yaml`.
"""
from __future__ import annotations

from dataclasses import replace

import regex

from extract import units
from extract.model import Header
from extract.text import Line, join_wrapped, lines, starts_paragraph
from ingest.model import Document
from ingest.textnorm import fold, strip_marks
from rules import load, pattern

_T = 1.0  # regex timeout, seconds
_AGENCY_START = regex.compile(
    r"(?i)^(?:ỦY BAN|UỶ BAN|UBND|HĐND|HỘI ĐỒNG|SỞ|BỘ|TỔNG CỤC|CỤC|CHI CỤC|BAN|VĂN PHÒNG|TRUNG TÂM|PHÒNG|"
    r"THANH TRA|TỈNH ỦY|TỈNH UỶ|THÀNH ỦY|HUYỆN ỦY|ĐẢNG ỦY|BẢO HIỂM|CÔNG AN|BỘ CHỈ HUY|TRƯỜNG|BỆNH VIỆN|"
    r"THỦ TƯỚNG|CHÍNH PHỦ|VIỆN|HỌC VIỆN|KHO BẠC|CỤC THUẾ|THUẾ|ĐÀI|BÁO|LIÊN ĐOÀN|MẶT TRẬN|ĐOÀN|HỘI)\b"
)
_LEVEL_WORDS = ("thành phố", "thị xã", "thị trấn", "tỉnh", "huyện", "quận", "xã", "phường")
_ACRONYMS = {"UBND", "HĐND", "MTTQ", "TP", "TW", "CP", "VN"}
_PERSON_NAME = regex.compile(r"^(?:\p{Lu}\p{Ll}*)(?:\s+\p{Lu}\p{Ll}*){1,4}$")
_BODY_START = regex.compile(r"(?i)^(?:(?:Căn cứ|Thực hiện|Theo|Trong|Nhằm|Để|Qua|Trên cơ sở|Sau khi|Xét)\b|Ngày\s+\d)")


def _is_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _strip_quoc_hieu(text: str) -> str:
    text = regex.sub(r"(?i)CỘNG\s+H(?:ÒA|OÀ|OA)\s+XÃ\s+HỘI\s+CHỦ\s+NGHĨA(?:\s+VIỆT)?(?:\s+NAM)?", " ", text, timeout=_T)
    text = regex.sub(r"(?i)Độc\s+lập\s*[-–—]\s*Tự\s+do\s*[-–—]\s*Hạnh\s+phúc", " ", text, timeout=_T)
    text = regex.sub(r"^\s*NAM\s*[-–—_]*\s*$", " ", text)   # "VIỆT" / "NAM" split over two lines
    return regex.sub(r"[_\-–—]{3,}", " ", text).strip()


def title_case_place(text: str) -> str:
    """ĐẮK LẮK → Đắk Lắk: every syllable capitalised, as place names are written; a province
    is spelled as the registry spells it, so OCR's lost or swapped marks ("ĐĂK LẮK") are mended.

    >>> title_case_place("ĐĂK LẮK"), title_case_place("BUÔN MA THUỘT")
    ('Đắk Lắk', 'Buôn Ma Thuột')
    """
    key = regex.sub(r"[\s-]+", " ", fold(text)).strip()
    for province in load("places")["provinces"]:
        if regex.sub(r"[\s-]+", " ", fold(province)) == key:
            return province
    return " ".join(w[:1].upper() + w[1:].lower() for w in text.split())


def agency_name(upper: str, scope_issuer: str | None = None) -> str:
    """Writes an upper-case agency line as the register shows it.

    >>> agency_name("UBND TỈNH ĐẮK LẮK"), agency_name("ỦY BAN NHÂN DÂN THÀNH PHỐ BUÔN MA THUỘT")
    ('UBND tỉnh Đắk Lắk', 'UBND thành phố Buôn Ma Thuột')
    >>> agency_name("SỞ CÔNG THƯƠNG")
    'Sở Công Thương'
    """
    text = regex.sub(r"\s+", " ", upper).strip(" .,;:-")
    folded = fold(text)
    for prefix, short in (("uy ban nhan dan", "UBND"), ("hoi dong nhan dan", "HĐND")):
        m = regex.match(r"\s*".join(regex.escape(c) for c in prefix.replace(" ", "")), folded)
        if m:   # "ỦY BAN NHÂN DÂN", OCR's "ỦYBANNHÂNDÂN" or "UY BAN NHAN DAN"
            text = short + text[m.end():]
            break
    known = units.canonical(text, scope_issuer, scopes=(units.scope_of(scope_issuer), "sở", "huyện", "tỉnh"))
    if known != text.strip(" -–;,.:"):
        return known
    if not _is_upper(text):
        return text
    lowered = fold(text)
    for level in _LEVEL_WORDS:
        m = regex.search(rf"(?<=^|\s){fold(level)}(?=\s)", lowered)
        if m:
            head, place = text[: m.start()].strip(), text[m.end():].strip()
            head = " ".join(w if w in _ACRONYMS else w.capitalize() if i == 0 else w.lower()
                            for i, w in enumerate(head.split()))
            return f"{head} {level} {title_case_place(place)}".strip()
    words = text.split()
    return " ".join(w if w in _ACRONYMS else (w.capitalize() if i == 0 else w.lower()) for i, w in enumerate(words))


def _iso(year: str | None, month: str | None, day: str | None) -> str | None:
    """ISO date with only the precision the document gives; a blank day keeps year and month."""
    if not year:
        return None
    if not month:
        return year
    if not day:
        return f"{year}-{int(month):02d}"
    return f"{year}-{int(month):02d}-{int(day):02d}"


def _closest_position(line: str) -> tuple[str | None, float]:
    """The known position (rules/header.yaml) a title line reads most like, and how closely (0–1)."""
    from difflib import SequenceMatcher

    letters = regex.sub(r"[^a-z ]", "", fold(line)).strip()
    best, score = None, 0.0
    for p in load("header")["positions"]:
        ratio = SequenceMatcher(None, letters, fold(p)).ratio()
        if ratio > score:
            best, score = p, ratio
    return best, score


def _best_title(lines: list[str]) -> str | None:
    """Of the upper-case lines of a signing block, the one that reads most like a position."""
    scored = [(_closest_position(t)[1], i, t) for i, t in enumerate(lines)]
    good = [x for x in scored if x[0] >= 0.8]
    return max(good)[2] if good else (lines[-1] if lines else None)


def _position(title: str, authority: str | None) -> str:
    """The signer's position: a known one when the line is close to it ("CHU TỊCH" → Chủ tịch),
    and the deputy's when a deputy signs for the head (KT. GIÁM ĐỐC → Phó Giám đốc).

    >>> _position("CHU TỊCH", None), _position("2 GIÁM ĐỐ", "KT."), _position("PHÓ GIÁM ĐỐC", "KT.")
    ('Chủ tịch', 'Phó Giám đốc', 'Phó Giám đốc')
    """
    rules = load("header")
    best, score = _closest_position(title)
    name = best if best and score >= 0.8 else _title_case_position(title)
    if authority == "KT." and name in rules["deputies"]:
        name = rules["deputies"][name]
    return name


def _title_case_position(upper: str) -> str:
    """PHÓ GIÁM ĐỐC → Phó Giám đốc; CHỦ TỊCH → Chủ tịch."""
    words = upper.lower().split()
    if not words:
        return upper
    out = [words[0].capitalize()]
    if words[0] == "phó" and len(words) > 1:
        out.append(words[1].capitalize())
        words = words[1:]
    out += words[1:]
    return " ".join(out)


def _items(block: list[str]) -> list[str]:
    """'- A;' / '- B' lines (with wrapped continuations) → ['A', 'B']."""
    items: list[str] = []
    for text in block:
        piece = text.strip()
        if not piece:
            continue
        if piece[0] in "-–•+" or not items:
            items.append(piece.lstrip("-–•+ \t"))
        else:
            items[-1] += " " + piece
    return [regex.sub(r"\s+", " ", i).strip(" ;,.") for i in items if i.strip(" ;,.")]


def _expand_recipient(item: str, issuer: str | None) -> list[str]:
    found = units.find(item, issuer)
    if len(found) >= 2 and regex.search(r"(?i)\b(?:các\s+)?(?:Sở|Phòng|Bộ|Ban)\s*:", item):
        return [m.unit for m in found]
    return [units.canonical(item, issuer)]


def _header_zone(page_lines: list[Line]) -> list[Line]:
    zone = []
    for line in page_lines:
        if pattern("header", "kinh_gui").match(line.text) or (zone and _BODY_START.match(line.text)):
            break
        zone.append(line)
        if len(zone) > 40:
            break
    return zone


def _agencies(zone: list[Line]) -> list[str]:
    bodies: list[str] = []
    for line in zone:
        text = _strip_quoc_hieu(line.text)
        if pattern("header", "reference").search(text) or regex.search(r",\s*ngày", text):
            break
        if not text:
            continue  # the right column (Quốc hiệu, Tiêu ngữ) interleaved with the agency lines
        if not _is_upper(text):
            if bodies:
                break
            continue
        if _type_of_title(text):
            break
        if not bodies or _AGENCY_START.match(text):
            bodies.append(text)
        else:
            bodies[-1] += " " + text
    return bodies


def _type_of_title(text: str) -> dict | None:
    """The document type a heading line names ("KẾ HOẠCH", "BẢNG PHÂN CÔNG …"), if any."""
    folded = fold(text.strip())
    for t in sorted(load("doc_types")["types"], key=lambda t: -len(t["name"])):
        name = fold(t["name"])
        if folded == name or folded.startswith(name + " "):
            return t
    return None


def _place_date(text: str):
    """The "<Địa danh>, ngày … tháng … năm …" match, also on text whose marks OCR lost (spans are the same)."""
    return pattern("header", "place_date").search(text, timeout=_T) or \
        pattern("header", "place_date_plain").search(strip_marks(text), timeout=_T)


def _is_place_date(text: str) -> bool:
    return _place_date(text) is not None


def _doc_type_and_subject(zone: list[Line], symbol: str | None) -> tuple[str | None, str | None]:
    types = load("doc_types")["types"]
    for i, line in enumerate(zone):
        if not _is_upper(line.text):
            continue
        folded = fold(line.text)
        for t in sorted(types, key=lambda t: -len(t["name"])):
            name = fold(t["name"])
            if folded == name or folded.startswith(name + " "):
                drop = len(fold(t.get("subject_drop") or t["name"]))
                parts = [line.text[drop:].strip()] if len(folded) > len(name) else []
                for nxt in zone[i + 1:i + 6]:
                    if _is_upper(nxt.text) and parts and not _is_upper(parts[-1]):
                        break
                    if parts and starts_paragraph(parts[-1], nxt.text):
                        break
                    parts.append(nxt.text)
                subject = join_wrapped([p for p in parts if p])
                subject = regex.sub(r"^(?:V/v|Về\s+việc|Về)\s+", "", subject, flags=regex.I)
                return t["name"], subject or None
    vv = pattern("header", "subject_vv")
    for i, line in enumerate(zone):
        m = vv.match(line.text)
        if m:
            parts = [m.group("subject")]
            for nxt in zone[i + 1:i + 7]:
                t = nxt.text
                if _is_place_date(t) or pattern("header", "quoc_hieu").search(t):
                    continue  # the right column interleaved with the V/v block
                if regex.match(r"Kính\s*gửi", t) or _is_upper(t) or pattern("header", "reference").search(t):
                    break
                parts.append(t)
            return load("doc_types")["default_with_vv"], join_wrapped(parts)
    if symbol:
        first = regex.split(r"[-/]", symbol.split("/")[-1])[0]
        for t in types:
            if t.get("abbr") and t["abbr"] == first:
                return t["name"], None
        return load("doc_types")["default_with_vv"], None
    return None, None


def _recipients(page_lines: list[Line], issuer: str | None) -> tuple[str, ...]:
    kg = pattern("header", "kinh_gui")
    for i, line in enumerate(page_lines):
        m = kg.match(line.text)
        if not m:
            continue
        block = [m.group("rest")] if m.group("rest").strip() else []
        for nxt in page_lines[i + 1:i + 30]:
            t = nxt.text
            if block and (not t.startswith(("-", "–", "+")) and (block[-1].rstrip().endswith((".", ":"))
                                                               or _BODY_START.match(t))):
                break
            if not block and _BODY_START.match(t):
                break
            block.append(t)
            if t.rstrip().endswith(".") and not t.rstrip().endswith("..."):
                break
        out: list[str] = []
        for item in _items(block):
            out += [r for r in _expand_recipient(item, issuer) if r not in out]
        return tuple(out)
    return ()


def _footer(all_lines: list[Line]) -> tuple[tuple[str, ...], str | None, str | None, str | None]:
    """(Nơi nhận items, signer name, title, authority) from the signing block."""
    nn = pattern("header", "noi_nhan")
    start = next((i for i, line in enumerate(all_lines) if nn.match(line.text)), None)
    if start is None:
        window = all_lines[-12:]
        copy_to: list[str] = []
    else:
        rest = nn.match(all_lines[start].text).group("rest")
        block, j = ([rest] if rest.strip() else []), start + 1
        while j < len(all_lines) and j < start + 30:
            t = all_lines[j].text
            if (_is_upper(t) or pattern("header", "authority").match(t) or _PERSON_NAME.match(t)) \
                    and not t.startswith(("-", "–")):
                break
            block.append(t)
            j += 1
        copy_to = _items(block)
        window = all_lines[j:j + 12] or all_lines[max(0, start - 10):start]
    authority = name = None
    titles: list[str] = []
    names: list[str] = []
    for line in window:
        t = line.text.strip()
        a = pattern("header", "authority").match(t)
        if a and not names:
            authority = authority or a.group("authority") + "."
            titles.append(a.group("rest"))
            continue
        if _is_upper(t) and not names and not t.startswith(("-", "(")):
            if len(t.split()) >= 2 and sum(c.isalpha() for c in t) >= 5:   # not OCR debris of a stamp
                titles.append(t)
            continue
        if titles and _PERSON_NAME.match(t) and not _is_upper(t):
            names.append(t)            # the name closes the block; stamp debris may read as a name before it
        elif names and len(t.split()) > 1:
            break
    name = names[-1] if names else None
    title = _best_title(titles)
    return tuple(copy_to), name, (_position(title, authority) if title and name else None), (authority if name else None)


def _issuer_from_symbol(symbol: str | None, zone: list[Line]) -> str | None:
    """The issuer named by a ký hiệu ("SCT-VP": Sở Công Thương), also the annex pointer's, when it is a known unit."""
    symbols = [symbol] if symbol else []
    for line in zone:
        symbols += [m.group(1) for m in regex.finditer(r"/\s*([\p{Lu}Đ][\p{L}&]*(?:-[\p{L}&.]+)*)", line.text)]
    for sym in symbols:
        for group in sym.split("/")[-1].split("-")[:2]:
            name = units.canonical(group, None)
            if name != group and units.scope_of(name) in ("sở", "tỉnh", "huyện"):
                return name
    return None


def _repaired_symbol(symbol: str | None, issuer: str | None) -> str | None:
    """A group of the ký hiệu that names no known unit and is one letter away from exactly one
    abbreviation of the issuer is that abbreviation (OCR read "SGT-VP" on a scan of Sở Công Thương).

    >>> _repaired_symbol("SGT-VP", "Sở Công Thương"), _repaired_symbol("SCT-VP", "Sở Công Thương")
    ('SCT-VP', 'SCT-VP')
    >>> _repaired_symbol("KH-UBND", "UBND tỉnh Đắk Lắk"), _repaired_symbol("SGT-VP", None)
    ('KH-UBND', 'SGT-VP')
    """
    if not symbol or not issuer:
        return symbol
    abbreviations = {a for u in units.registry() if u.name == issuer for a in u.aliases
                     if a.isupper() and a.isalpha() and len(a) >= 3}
    groups = regex.split(r"([-/])", symbol)
    for i, group in enumerate(groups):
        if len(group) < 3 or not group.isupper() or group in abbreviations or units.canonical(group, None) != group:
            continue
        near = [a for a in abbreviations if len(a) == len(group) and sum(x != y for x, y in zip(a, group)) == 1]
        if len(near) == 1:
            groups[i] = near[0]
    return "".join(groups)


def find(document: Document) -> Header:
    """Reads the header of a document; fields it cannot read stay None."""
    all_lines = lines(document)
    if not all_lines:
        return Header()
    first_page = [line for line in all_lines if line.page == all_lines[0].page]
    zone = _header_zone(first_page)
    header = Header()
    for line in zone:
        m = pattern("header", "reference").search(line.text, timeout=_T)
        if m:
            number = m.group("number")
            symbol = regex.sub(r"\s+", "", m.group("symbol"))
            number = number or None                      # as written: "05/BC-PNV" keeps its zero
            header = replace(header, number=number, symbol=symbol, reference=f"{number or ''}/{symbol}")
            break
    for line in zone:
        text = _strip_quoc_hieu(line.text)
        m = _place_date(text)
        if m:
            place = title_case_place(text[m.start("place"):m.end("place")].strip())
            header = replace(header, place=place, issued_date=_iso(m.group("year"), m.group("month"), m.group("day")))
            break
    bodies = [agency_name(b) for b in _agencies(zone)]
    if bodies:
        header = replace(header, issuer=bodies[-1], parent_issuer=bodies[-2] if len(bodies) > 1 else None)
    if header.issued_date is None or header.issuer is None:
        joined = " ".join(line.text for line in zone)
        for m in [pattern("header", "annex_pointer").search(joined, timeout=_T)]:
            if m:
                if header.issued_date is None:
                    header = replace(header, issued_date=_iso(m.group("year"), m.group("month"), m.group("day")))
                if header.issuer is None and m.group("issuer"):
                    header = replace(header, issuer=units.canonical(m.group("issuer"), None))
                break
    if header.issuer is None:
        header = replace(header, issuer=_issuer_from_symbol(header.symbol, zone))
    symbol = _repaired_symbol(header.symbol, header.issuer)
    if symbol != header.symbol:
        header = replace(header, symbol=symbol, reference=f"{header.number or ''}/{symbol}")
    doc_type, subject = _doc_type_and_subject(zone, header.symbol)
    header = replace(header, doc_type=doc_type, subject=subject)
    recipients = _recipients(first_page + [x for x in all_lines if x.page == all_lines[0].page + 1],
                             header.issuer)
    copy_to, name, title, authority = _footer(all_lines)
    return replace(header, recipients=recipients, copy_to=copy_to, signer_name=name,
                   signer_title=title, signer_authority=authority)
