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

from congvan.extract import handwritten, header_symbol, recipients, signer, subject, unit_forms, units
from congvan.extract.model import Header
from congvan.extract.agency_case import AGENCY_START, sentence_case
from congvan.extract.symbols import repair_symbol
from congvan.extract.text import Line, lines, one_edit
from congvan.ingest.model import Document
from congvan.ingest.textnorm import fold, strip_marks
from congvan.rules import TIMEOUT as _T
from congvan.rules import load, pattern, words

_AGENCY_START_MARKS = tuple(words("header", "agency_start_marks"))  # read without marks where OCR lost them
_LEVEL_WORDS = words("units", "level_words")


def _is_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _strip_quoc_hieu(text: str) -> str:
    """The agency column without the Quốc hiệu and Tiêu ngữ that ran into it, also as OCR mangles
    them ("cọng hòa xã họi chu nghia việt nam"): matched on folded text, a few letters off allowed.

    >>> _strip_quoc_hieu("UBND TỈNH QUẢNG NGÃI CỌNG HOÀ XÃ HỌI CHU NGHIA VIỆT NAM")
    'UBND TỈNH QUẢNG NGÃI'
    >>> _strip_quoc_hieu("SỞ Y TẾ Độc lập - Tự do - Hạnh phúc"), _strip_quoc_hieu("CÔNG AN TỈNH")
    ('SỞ Y TẾ', 'CÔNG AN TỈNH')
    """
    for key in ("quoc_hieu_folded", "tieu_ngu_folded"):
        m = pattern("header", key).search(fold(text), timeout=_T)
        if m:
            text = text[:m.start()] + " " + text[m.end():]
    if regex.fullmatch(r"\s*(?:\S{1,5}\s+)?nam\s*[-–—_]*\s*", fold(text)):
        text = " "   # "VIỆT NAM" / "NAM" split over two lines, or what OCR left of it ("T NAM")
    return regex.sub(r"[_\-–—]{3,}", " ", text).strip()


def _agency_start(text: str) -> str | None:
    """The agency line starting a new body, its first words spelled right; None for a continuation line.

    >>> _agency_start("SƠ THOÔNG TIN VÀ TRUYỀN THÔNG"), _agency_start("CỘNG AN TĨNH LẮM ĐÔNG")
    ('SỞ THOÔNG TIN VÀ TRUYỀN THÔNG', 'CÔNG AN TĨNH LẮM ĐÔNG')
    >>> _agency_start("KHOA HỆ THỐNG THÔNG TIN"), _agency_start("CÔNG NGHỆ THÔNG TIN"), _agency_start("SỐ 1")
    ('KHOA HỆ THỐNG THÔNG TIN', None, None)
    """
    if AGENCY_START.match(text):
        return text
    folded = fold(text)
    for start in _AGENCY_START_MARKS:
        if regex.match(rf"{fold(start)}(?![\p{{L}}\d])", folded) and regex.match(r"[\p{Lu}\s]+(?!\p{L})", text[:len(start)]) \
                and not text.startswith("SỐ"):
            return start + text[len(start):]
    return None


def _clean_line(line: Line) -> Line:
    """A line without the markdown heading marks some dumps leave ("# QUYẾT ĐỊNH")."""
    text = regex.sub(r"^#+\s*", "", line.text)
    return line if text == line.text else Line(line.page, line.start + len(line.text) - len(text), line.end, text)


def title_case_place(text: str) -> str:
    """ĐẮK LẮK → Đắk Lắk: every syllable capitalised, as place names are written; a province
    is spelled as the registry spells it, so OCR's lost or swapped marks ("ĐĂK LẮK") are mended.

    The abbreviation "Tp." stays as written ("Tp.Hồ Chí Minh", "Tp. Hồ Chí Minh").

    >>> title_case_place("ĐĂK LẮK"), title_case_place("BUÔN MA THUỘT"), title_case_place("Thành phố Hô Chí Minh")
    ('Đắk Lắk', 'Buôn Ma Thuột', 'Thành phố Hồ Chí Minh')
    >>> title_case_place("Tp.Hồ Chí Minh"), title_case_place("TP. HỒ CHÍ MINH")
    ('Tp.Hồ Chí Minh', 'TP. Hồ Chí Minh')
    >>> title_case_place("Bắn Tre"), title_case_place("Bỉm Sơn"), title_case_place("Ngãi Giao")
    ('Bến Tre', 'Bỉm Sơn', 'Ngãi Giao')
    >>> title_case_place("PHAN RANG-THÁP CHÀM"), title_case_place("Bà Rịa - Vũng Tàu")
    ('Phan Rang-Tháp Chàm', 'Bà Rịa - Vũng Tàu')
    """
    key = regex.sub(r"[\s-]+", " ", fold(text)).strip()
    city = regex.match(r"thanh pho (?=\S)|tp\. ?(?=\S)|tp (?=\S)", key)
    prefix = "Thành phố " if city and key.startswith("thanh") else text[:city.end()] if city else ""
    name = key[city.end() if city else 0:]
    for province in load("places")["provinces"]:
        if regex.sub(r"[\s-]+", " ", fold(province)) == name:
            return f"{prefix}{province}"
    near = _near_provinces(name)
    if len(near) == 1:
        return f"{prefix}{near[0]}"   # OCR changed a letter: "Bắn Tre" is Bến Tre
    return regex.sub(r"\p{L}+", lambda w: w[0][:1].upper() + w[0][1:].lower(), " ".join(text.split()), timeout=_T)


def _registry_spelling(text: str) -> str | None:
    """The registry's name of an agency line OCR damaged: the same letters without marks, or
    one letter off, added or lost for a name of 8 letters or more ("BỆ CÔNG AN" → Bộ Công an,
    "SỞ THOÔNG TIN VÀ TRUYỀN THÔNG" → Sở Thông tin và Truyền thông), when only one fits.

    >>> _registry_spelling("BỆ CÔNG AN"), _registry_spelling("SỞ CÔNG THƯƠNG"), _registry_spelling("PHÒNG XYZ")
    ('Bộ Công an', 'Sở Công Thương', None)
    """
    key = fold(text).strip()
    same = {u.name for u in units.registry() if fold(u.name) == key}
    if not same and len(key) >= 8:
        same = {u.name for u in units.registry() if one_edit(fold(u.name), key)}
    return same.pop() if len(same) == 1 else None


def agency_name(upper: str, scope_issuer: str | None = None) -> str:
    """Writes an upper-case agency line as the register shows it.

    >>> agency_name("UBND TỈNH ĐẮK LẮK"), agency_name("ỦY BAN NHÂN DÂN THÀNH PHỐ BUÔN MA THUỘT")
    ('UBND tỉnh Đắk Lắk', 'UBND thành phố Buôn Ma Thuột')
    >>> agency_name("SỞ CÔNG THƯƠNG")
    'Sở Công Thương'
    >>> agency_name("BAN QUẢN LÝ DỰ ÁN ĐẦU TƯ XÂY DỰNG TỈNH"), agency_name("CÔNG AN TĨNH LẮM ĐÔNG")
    ('Ban Quản lý dự án đầu tư xây dựng tỉnh', 'Công an tỉnh Lâm Đồng')
    >>> agency_name("CỤC THUẾ TP HÀ NỘI"), agency_name("UBND TP. HỒ CHÍ MINH")
    ('Cục Thuế TP Hà Nội', 'UBND TP. Hồ Chí Minh')

    Under its parent line (`scope_issuer`), a body is read in the parent's scope:

    >>> agency_name("VĂN PHÒNG", "UBND tỉnh Ninh Bình"), agency_name("VĂN PHÒNG", "Sở Y tế"), agency_name("VĂN PHÒNG", "Bộ Tài chính")
    ('Văn phòng UBND tỉnh', 'Văn phòng Sở', 'Văn phòng')
    """
    text = regex.sub(r"\s+", " ", upper).strip(" .,;:-")
    folded = fold(text)
    for prefix, short in (("uy ban nhan dan", "UBND"), ("hoi dong nhan dan", "HĐND")):
        m = regex.match(r"\s*".join(regex.escape(c) for c in prefix.replace(" ", "")), folded)
        if m:   # "ỦY BAN NHÂN DÂN", OCR's "ỦYBANNHÂNDÂN" or "UY BAN NHAN DAN"
            text = short + text[m.end():]
            break
    same = _registry_spelling(text)
    if same:
        return same
    # under a parent line, its scope alone: "UBND TỈNH NINH BÌNH / VĂN PHÒNG" is the UBND's Văn phòng, not a Sở's
    scopes = (units.scope_of(scope_issuer),) if scope_issuer else ("any", "sở", "huyện", "tỉnh")
    scopes = ("any",) if scopes == ("bộ",) else scopes   # "BỘ TÀI CHÍNH / VĂN PHÒNG": the issuer as written
    known = units.canonical(text, scope_issuer, scopes=scopes)
    if known != text.strip(" -–;,.:"):
        return known
    if not _is_upper(text):
        return text
    lowered = fold(text)
    tp = regex.search(r"(?<=^|\s)tp\.?(?=\s|\p{L})", lowered)   # "UBND TP HỒ CHÍ MINH": thành phố abbreviated
    if tp and _province(text[tp.end():].strip()):
        return f"{sentence_case(text[:tp.start()].strip())} {title_case_place(text[tp.start():].strip())}".strip()
    for level in _LEVEL_WORDS:
        for m in regex.finditer(rf"(?<=^|\s){fold(level)}(?=\s)", lowered):
            head, place = text[: m.start()].strip(), text[m.end():].strip()
            # a level word as written, or one whose marks OCR changed before a province ("TĨNH LẮM ĐÔNG");
            # never "QUẢN LÝ DỰ ÁN" read as "quận"
            if text[m.start():m.end()].lower() == level or _province(place):
                return f"{sentence_case(head)} {level} {title_case_place(place)}".strip()
    return sentence_case(text)


def _province(text: str) -> bool:
    """Whether `text` is a province as the registry spells it, or one letter off from only one (OCR)."""
    return unit_forms.is_province(text) or len(_near_provinces(regex.sub(r"[\s-]+", " ", fold(text)).strip())) == 1


def _near_provinces(key: str) -> list[str]:
    """The provinces one letter off a place name of six letters or more (folded, hyphens as spaces)."""
    return [p for p in load("places")["provinces"] if len(key) >= 6 and one_edit(regex.sub(r"[\s-]+", " ", fold(p)), key)]


def _joint(symbol: str | None) -> bool:
    """A văn bản liên tịch (joint document): its type group ends in LT and its issuers are co-equal.

    OCR may put a letter into the LT ("TTLUT").

    >>> _joint("2016/TTLT-TANDTC-VKSNDTC-BTP"), _joint("QĐ-UBND"), _joint(None), _joint("2016/TTLUT-TANDTC-BTP")
    (True, False, False, True)
    """
    return bool(symbol) and bool(regex.search(r"(?:^|/)[\p{Lu}Đ]+L\p{Lu}?T-", symbol))


def _date(m: regex.Match) -> str | None:
    """The date of a place-and-date match as far as it is printed (a day or month OCR read as junk left out)."""
    day = None if m.group("dayjunk") else m.group("day")
    month = None if m.group("monthjunk") else m.group("month")
    return _iso(m.group("year"), month, day)


def _dated(header: Header, m: regex.Match) -> Header:
    """`header` with the date of a place-and-date match; a day or month OCR read as junk ("0Ÿ", "#") is ink
    written there and not read: the date is unknown (`issued_date_partial` keeps what is printed), never
    a date whose day the document left blank."""
    unread = [word for word, group in (("ngày", "dayjunk"), ("tháng", "monthjunk")) if m.group(group)]
    if not unread:
        return replace(header, issued_date=_date(m))
    return replace(header, issued_date=None, issued_date_partial=_date(m),
                   handwritten_unread=header.handwritten_unread + tuple(unread))


def _iso(year: str | None, month: str | None, day: str | None) -> str | None:
    """ISO date with only the precision the document gives; a blank day keeps year and month.

    >>> _iso("2025", "11", "37"), _iso("2026", "4", "0"), _iso("2026", None, "8")
    ('2025-11', '2026-04', '2026')
    """
    month = month if month and 1 <= int(month) <= 12 else None
    day = day if day and 1 <= int(day) <= 31 else None
    if not year:
        return None
    if not month:
        return year
    if not day:
        return f"{year}-{int(month):02d}"
    return f"{year}-{int(month):02d}-{int(day):02d}"


def _header_zone(page_lines: list[Line]) -> list[Line]:
    zone = []
    for line in page_lines:
        if pattern("header", "kinh_gui").match(line.text) or pattern("header", "kinh_gui_damaged").search(line.text) \
                or (zone and pattern("header", "body_start").match(line.text)):
            break
        zone.append(line)
        if len(zone) > 40:
            break
    return zone


def _receipt_stamp(text: str) -> str | None:
    """"named" for the line of a receipt stamp that says whose stamp it is under ("VĂN PHÒNG CHÍNH PHỦ" /
    "CÔNG VĂN ĐẾN"), "stamp" for another stamp line ("CỔNG THÔNG TIN ĐIỆN TỬ CHÍNH PHỦ", "Giờ: …"), else None."""
    folded = fold(text)
    if pattern("header", "receipt_named").search(folded, timeout=_T):
        return "named"
    return "stamp" if pattern("header", "receipt_stamp").search(folded, timeout=_T) else None


def _agencies(zone: list[Line]) -> list[str]:
    """The issuer's header lines, one a body; a receipt stamp's lines over them are left out, and so is
    the name line of a "… / CÔNG VĂN ĐẾN" stamp (the receiving office's name, just above)."""
    bodies: list[str] = []
    started = -9
    for n, line in enumerate(zone):
        stamp = _receipt_stamp(line.text)
        if stamp:
            if stamp == "named" and bodies and n - started <= 2:
                bodies.pop()
            continue
        text = _strip_quoc_hieu(line.text)
        if pattern("header", "reference").search(text) or regex.search(r",\s*ngày", text):
            break
        if not text:
            continue  # the right column (Quốc hiệu, Tiêu ngữ) interleaved with the agency lines
        if subject.is_kind_line(text):
            break     # a standalone annex ("Phụ lục I") has no agency lines
        if not _is_upper(text):
            if bodies:
                break
            continue
        if subject.type_of_title(text):
            break
        start = _agency_start(text)
        if not bodies or start:
            bodies.append(start or text)
            started = n
        else:
            bodies[-1] += " " + text
    return bodies


def _place_date(text: str):
    """The "<Địa danh>, ngày … tháng … năm …" match, also on text whose marks OCR lost (spans are the same)."""
    return pattern("header", "place_date").search(text, timeout=_T) or \
        pattern("header", "place_date_plain").search(strip_marks(text), timeout=_T)


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


def _consolidation(all_lines: list[Line], header: Header) -> Header:
    """A văn bản hợp nhất's number, issuer, place and date, from its "XÁC THỰC VĂN BẢN HỢP NHẤT" block at
    the end (the agency line above it, "Số: …/VBHN-…" and the place and date below), when page 1 gave no
    number: the consolidated text's first page repeats its original's heading without them."""
    for k, line in enumerate(all_lines):
        if not pattern("header", "consolidation").search(fold(line.text), timeout=_T):
            continue
        block = all_lines[k + 1:k + 30]
        for nxt in block[:4]:
            m = pattern("header", "reference").search(nxt.text, timeout=_T)
            if m:
                number = None if m.group("junk") else m.group("number") or None
                symbol = repair_symbol(regex.sub(r"\s+", "", m.group("symbol"), timeout=_T))
                header = replace(header, number=number, symbol=symbol, reference=f"{number or ''}/{symbol}")
                break
        above = _strip_quoc_hieu(all_lines[k - 1].text) if k else ""
        if header.issuer is None and _is_upper(above) and not _receipt_stamp(above):
            header = replace(header, issuer=agency_name(above))
        for nxt in block:
            m = _place_date(nxt.text)
            if m and header.place is None:
                header = replace(header, place=title_case_place(nxt.text[m.start("place"):m.end("place")].strip()),
                                 issued_date=_date(m))
                break
        break
    return header


def find(document: Document, signers: signer.Registry | None = None) -> Header:
    """Reads the header of a document; fields it cannot read stay None (`signers`: extract.signer_names)."""
    all_lines = [_clean_line(line) for line in lines(document)]
    if not all_lines:
        return Header()
    first_page = [line for line in all_lines if line.page == all_lines[0].page]
    zone = _header_zone(first_page)
    header = Header()
    for line in zone:
        m = pattern("header", "reference").search(line.text, timeout=_T)
        if m:
            number = None if m.group("junk") else m.group("number")
            symbol = regex.sub(r"(?<=[\p{L}\d&.])\s+(?=[\p{Lu}Đ])", "-", m.group("symbol"), timeout=_T)   # "TTI CAT-PC04"
            symbol = repair_symbol(regex.sub(r"\s+", "", symbol, timeout=_T))
            number = number or None                      # as written: "05/BC-PNV" keeps its zero
            header = replace(header, number=number, symbol=symbol, reference=f"{number or ''}/{symbol}")
            if m.group("junk") and not number:           # ink where the number stands, unread: not a blank
                header = replace(header, reference=None, handwritten_unread=("số",))
            break
    glued = header_symbol.glued_symbol(zone) if header.symbol is None else None
    if glued:   # the number's ink swallowed the slash: written, unread
        header = replace(header, symbol=glued, reference=None, handwritten_unread=("số",))
    for i, line in enumerate(zone):
        text = _strip_quoc_hieu(line.text)
        m = _place_date(text)
        if not m and i + 1 < len(zone) and regex.search(r"(?i)(?:,|ng[aà]y\s*\d{0,2})\s*$", strip_marks(text)):
            text = text + " " + zone[i + 1].text   # a narrow cell wrapped it: "Hà Nội, ngày 19" / "tháng 11 năm 2025"
            m = _place_date(text)
        if m:
            place = title_case_place(text[m.start("place"):m.end("place")].strip())
            header = _dated(replace(header, place=place), m)
            break
    if header.reference is None:
        header = _consolidation(all_lines, header)
    written = _agencies(zone)
    bodies = [agency_name(b) for b in written]
    if bodies and _joint(header.symbol) and len(bodies) > 1:
        header = replace(header, issuer="; ".join(bodies))   # co-equal issuers of a văn bản liên tịch
    elif bodies:
        issuer = agency_name(written[-1], bodies[-2]) if len(bodies) > 1 else bodies[-1]   # read under its parent
        header = replace(header, issuer=issuer, parent_issuer=bodies[-2] if len(bodies) > 1 else None)
    if header.issued_date is None or header.issuer is None:
        joined = " ".join(line.text for line in zone)
        for m in [pattern("header", "annex_pointer").search(joined, timeout=_T)]:
            if m:
                if header.issued_date is None and header.issued_date_partial is None:
                    header = replace(header, issued_date=_iso(m.group("year"), m.group("month"), m.group("day")))
                if header.issuer is None and m.group("issuer"):
                    header = replace(header, issuer=units.canonical(m.group("issuer"), None))
                break
    if header.issuer is None:
        header = replace(header, issuer=_issuer_from_symbol(header.symbol, zone))
    symbol = _repaired_symbol(header_symbol.registry_symbol(header.symbol, subject.heading_type(zone)), header.issuer)
    if symbol != header.symbol:
        unread = "số" in header.handwritten_unread   # the number is ink not read: no reference
        header = replace(header, symbol=symbol, reference=None if unread else f"{header.number or ''}/{symbol}")
    header = handwritten.apply(header, document)   # numbers and days written by hand (ingest.handwriting)
    doc_type, title = subject.find(zone, header.symbol, [_strip_quoc_hieu(b) for b in _agencies(zone)])
    header = replace(header, doc_type=doc_type, subject=title)
    addressees = recipients.find(first_page + [x for x in all_lines if x.page == all_lines[0].page + 1])
    certificates = tuple(s.signer_name for s in document.signatures)
    copy_to, name, title, authority = signer.find(all_lines, signers, certificates, header.issuer)
    return replace(header, recipients=addressees, copy_to=copy_to, signer_name=name,
                   signer_title=title, signer_authority=authority)
