"""Document type and subject (tên loại, trích yếu): "QUYẾT ĐỊNH / VỀ VIỆC CÔNG BỐ …", "V/v tiền sử dụng đất".

Under a type heading the subject is the title after the type word, up to the first line
that is not title: the authority line ("CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH …", "CỤC TRƯỞNG CỤC
HẢI QUAN", "ỦY BAN NHÂN DÂN TỈNH BẮC NINH"), a công điện's "THỦ TƯỚNG CHÍNH PHỦ điện:"
(also when the layout wrapped it: "… TRUNG BỘ THỦ" / "TƯỚNG CHÍNH PHỦ điện:"), Căn cứ,
Kính gửi or the body. Under the number it is the "V/v …" block, whose lines the right
column (Quốc hiệu, place and date) may interleave. A leading "V/v", "Về việc" or "Về" and
a closing full stop are dropped (H1). An authority line is recognised by the issuer's own
header lines (folded, so OCR's lost marks still match), with or without the head's title.

>>> from congvan.extract.text import Line
>>> zone = [Line(1, 0, 0, t) for t in ["ỦY BAN NHÂN DÂN", "TỈNH HÀ TĨNH", "QUYẾT ĐỊNH",
...         "CÔNG BỐ DANH MỤC THỦ TỤC HÀNH CHÍNH", "TRONG LĨNH VỰC CHỨNG THỰC", "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH"]]
>>> find(zone, None, ["ỦY BAN NHÂN DÂN TỈNH HÀ TĨNH"])
('Quyết định', 'CÔNG BỐ DANH MỤC THỦ TỤC HÀNH CHÍNH TRONG LĨNH VỰC CHỨNG THỰC')
"""
from __future__ import annotations

from difflib import SequenceMatcher

import regex

from congvan.extract.text import Line, join_wrapped, starts_paragraph
from congvan.ingest.textnorm import fold, strip_marks
from congvan.rules import TIMEOUT as _T
from congvan.rules import load, pattern

_JOINING = ("cua", "va", "tai", "thuoc", "cho", "ve", "voi", "den", "tren", "trong", "doi voi", "theo")


def _letters(text: str) -> str:
    return regex.sub(r"\s+", " ", regex.sub(r"[^a-z0-9 ]", " ", fold(text))).strip()


def _is_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def type_of_title(text: str) -> dict | None:
    """The document type a heading line names ("KẾ HOẠCH", "BẢNG PHÂN CÔNG …"), if any.

    >>> type_of_title("KKHOẠCH")["name"], type_of_title("CÔNG BỐ DANH MỤC")
    ('Kế hoạch', None)
    """
    folded = fold(regex.sub(r"^[^\p{L}]+", "", text.strip()))   # OCR's ",OUYÉT ĐỊNH"
    types = sorted(load("doc_types")["types"], key=lambda t: -len(t["name"]))
    for t in types:
        name = fold(t["name"])
        if folded == name or folded.startswith(name + " "):
            return t
    glued = folded.replace(" ", "")
    for t in types:   # a heading alone on its line, one letter off: OCR's "KKHOẠCH", "QUYÊT ĐINH"
        name = fold(t["name"]).replace(" ", "")
        if len(name) >= 6 and len(glued) == len(name) and sum(a != b for a, b in zip(glued, name)) == 1:
            return t
    return None


def is_kind_line(text: str) -> bool:
    """A heading in sentence case that is only a type and its number: "Phụ lục I", "Phụ lục 02".

    >>> is_kind_line("Phụ lục I"), is_kind_line("Phụ lục kèm theo Công văn số 12")
    (True, False)
    >>> is_kind_line("quyết định")
    False
    """
    t = type_of_title(text) if text.strip()[:1].isupper() else None
    rest = fold(text.strip())[len(fold(t["name"])):] if t else ""
    return bool(t) and regex.fullmatch(r"\s*(?:[ivxlc]+|\d{1,2})?\.?\s*", rest) is not None


def _agency_names(agencies: list[str]) -> set[str]:
    """The issuer as the authority line may write it: each header line and the lines below it joined."""
    names = set()
    for k in range(len(agencies)):
        names.add(_letters(" ".join(agencies[k:])))
    names = {regex.sub(r"^ubnd\b", "uy ban nhan dan", n) for n in names}
    names |= {regex.sub(r"^hdnd\b", "hoi dong nhan dan", n) for n in names}
    return {n for n in names if len(n) >= 5}


def _positions() -> list[str]:
    return sorted({_letters(p) for p in load("header")["positions"]}, key=len, reverse=True)


def _close(a: str, b: str) -> bool:
    return a == b or (len(a) >= 12 and a[:3] == b[:3] and SequenceMatcher(None, a, b).ratio() >= 0.9)


def is_authority(text: str, agencies: list[str], *, whole: bool = False) -> bool:
    """Whether a line is the authority that issues the document: an agency line of the header,
    or the head's title before it; `whole` asks for all of it, else a cut-off start is enough
    ("CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH" for "ỦY BAN NHÂN DÂN TỈNH HÀ TĨNH").

    >>> is_authority("CHU TỊCH UY BAN NHAN DAN TINH", ["ỦY BAN NHÂN DÂN", "TỈNH HÀ TĨNH"])
    True
    >>> is_authority("SỞ CÔNG THƯƠNG", ["ỦY BAN NHÂN DÂN", "TỈNH HÀ TĨNH"])
    False
    """
    line = _letters(text)
    names = _agency_names(agencies)
    candidates = [line] + [line[len(p) + 1:] for p in _positions() if line.startswith(p + " ")]
    for rest in candidates:
        for name in names:
            if _close(rest, name) or (not whole and len(rest) >= 8 and _close(rest, name[:len(rest)])
                                      and name.startswith(rest.split()[0])):
                return True
    return False


def _cut_dien(subject: str, authority: str, agencies: list[str]) -> str:
    """The subject without the start of a công điện's authority it ran into ("… TRUNG BỘ THỦ")."""
    words = subject.split()
    for back in range(min(5, len(words)), 0, -1):
        if is_authority(" ".join(words[-back:] + [authority]), agencies, whole=True):
            return " ".join(words[:-back])
    return subject


def _tidy(subject: str) -> str | None:
    subject = regex.sub(r"^\(?\s*(?:V/v|V\.v|Về\s+việc|Về)\s*[:.]?\s+", "", subject.strip(),
                        flags=regex.I, timeout=_T)
    subject = subject.strip().rstrip(")").strip()
    if subject[:1] in "“\"" and not regex.search(r"[”\"]", subject[1:], timeout=_T):
        subject = subject[1:].lstrip()   # an opening quote OCR read from a stamp's edge, never closed
    subject = regex.sub(r"\s*\.$", "", subject)
    return subject if sum(c.isalpha() for c in subject) >= 4 else None   # not OCR's stray letter


def _skippable(text: str) -> bool:
    """A line of the right column interleaved with the title: Quốc hiệu, Tiêu ngữ, place and date, rules,
    or of a receipt stamp over it."""
    return (pattern("header", "quoc_hieu").search(text) is not None or _is_place_date(text)
            or pattern("header", "tieu_ngu_folded").search(fold(text), timeout=_T) is not None
            or not any(c.isalnum() for c in text) or _stamp(text)
            or pattern("header", "place_date_piece").search(strip_marks(text), timeout=_T) is not None)


def _stamp(text: str) -> bool:
    return pattern("header", "receipt_stamp").search(fold(text), timeout=_T) is not None or \
        bool(regex.search(r"\.{3,}", text))


def unstamped(text: str) -> str | None:
    """A title line the receipt stamp beside it was read into, without the stamp's name; None for a
    line of the stamp alone. The stamp's name is printed in capitals, the title beside it is not.

    >>> unstamped("CỔNG THÔNG TÍN bà TỬ CHÍNH PHỦ Quy định chức năng, nhiệm vụ, quyền hạn và")
    'Quy định chức năng, nhiệm vụ, quyền hạn và'
    >>> unstamped("Í gổnG THôNG TH ĐIỆN TỬ CHÍNH PHỦ"), unstamped("Quy chế của Cổng Thông tin điện tử Chính phủ")
    (None, None)
    """
    m = pattern("header", "receipt_stamp_name").search(fold(text), timeout=_T)
    if m is None:
        return None
    stamp, rest = text[m.start():m.end()], (text[:m.start()] + " " + text[m.end():]).strip(" .,;:-")
    if not _mostly_upper(stamp) or _is_upper(rest) or len(regex.findall(r"\p{L}{2,}", rest)) < 3:
        return None
    return rest


def _mostly_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) >= 0.7 * len(letters)


def _specks(text: str) -> bool:
    """A line of OCR's letters read from a fold or a dashed rule across the title: at most three
    marks of one or two letters, one of them a lone consonant (never a Vietnamese word): "Ti T".

    >>> _specks("Ti T"), _specks("và xã"), _specks("năm 2025")
    (True, False, False)
    """
    tokens = text.split()
    return 0 < len(tokens) <= 3 and all(sum(c.isalpha() for c in t) <= 2 for t in tokens) and \
        any(len(t) == 1 and t.isalpha() and fold(t) not in "aeiouy" for t in tokens)


def _is_place_date(text: str) -> bool:
    return (pattern("header", "place_date").search(text, timeout=_T) or
            pattern("header", "place_date_plain").search(strip_marks(text), timeout=_T)) is not None


def _ends_title(text: str, parts: list[str], agencies: list[str]) -> bool:
    if pattern("header", "kinh_gui").match(text) or pattern("header", "body_start").match(text):
        return True
    if parts and (is_authority(text, agencies) or pattern("header", "cited_start").match(text, timeout=_T)) \
            and not _letters(parts[-1]).endswith(_JOINING):
        return True   # the authority line, or a body sentence opening on a cited document ("Thông tư số 86/2016/…")
    return bool(parts) and starts_paragraph(parts[-1], text)


def _titled(zone: list[Line], i: int, t: dict, agencies: list[str], text: str) -> str | None:
    drop = len(fold(t.get("subject_drop") or t["name"]))
    parts = [text[drop:].strip()] if len(fold(text.strip())) > len(fold(t["name"])) and not is_kind_line(text) else []
    for nxt in zone[i + 1:i + 22]:
        line = nxt.text.strip()
        dien = pattern("header", "dien").match(line)
        if dien:
            return _tidy(_cut_dien(join_wrapped(parts), dien.group("authority") or "", agencies))
        if _skippable(line):
            kept = unstamped(line)      # a title line the receipt stamp's name was read into
            if kept is None:
                if parts and not any(c.isalnum() for c in line) and not _stamp(line):
                    break
                continue
            line = kept
        if _specks(line):
            continue
        if _ends_title(line, parts, agencies):
            break
        parts.append(line)
        if parts[0].lstrip().startswith("(") and line.rstrip().endswith(")"):
            break   # the title's subject in brackets under the name: "(V/v Tăng cường …)"
    return _tidy(join_wrapped(parts))


def _debris(text: str) -> bool:
    """A receipt stamp's line OCR read beside the V/v block ("GIồ:.........", "gáy..Q315.1./Đ26")."""
    if regex.fullmatch(r"\d{1,3}[.)]?", text.strip(), timeout=_T):
        return True    # a number written by hand beside the block ("92")
    if regex.fullmatch(r"\d{4}[.)]?", text.strip(), timeout=_T):
        return False   # a year the title wrapped: "2024"
    if regex.search(r"\d/(?:\d{4}/)?\p{Lu}[\p{L}\d&]*(?:-[\p{L}\d&.]+)*", text):
        return False   # a ký hiệu the title names: "136/2025/NĐ-CP"
    return bool(regex.search(r"\.{2,}|…", text)) or 2 * sum(c.isalpha() for c in text) < len(text.replace(" ", ""))


def _short_upper(text: str) -> bool:
    """An upper-case piece of a V/v line, not a heading: "GTGT", "136/2025/NĐ-CP"."""
    return len(text.split()) <= 2 and not type_of_title(text)


def _vv(zone: list[Line], agencies: list[str]) -> str | None:
    vv = pattern("header", "subject_vv")
    for i, line in enumerate(zone):
        m = vv.match(line.text)
        if not m:
            continue
        parts = [m.group("subject")]
        for nxt in zone[i + 1:i + 8]:
            t = nxt.text.strip()
            if _skippable(t):
                continue
            if pattern("header", "kinh_gui").match(t) or pattern("header", "reference").search(t) \
                    or pattern("header", "kinh_gui_damaged").search(t) or t[:1] in "-–•+" or _debris(t) \
                    or (_is_upper(t) and not _short_upper(t)) or parts[-1].rstrip().endswith((".", ")")) \
                    or pattern("header", "body_start").match(t) or regex.fullmatch(r"\S+(?:\s\S+)?\s*:", t):
                break   # … or a label like a damaged "Kính gửi:" ("Giai:")
            parts.append(t)
        return _tidy(join_wrapped(parts))
    return None


def without_stamp_tail(text: str) -> str:
    """A line without the receipt stamp's field OCR read onto its end ("THÔNG TƯ LIÊN TỊCH Ngày:. 2.2/01.").

    >>> without_stamp_tail("THÔNG TƯ LIÊN TỊCH Ngày:. 2.2/01."), without_stamp_tail("Số: 12/KH-UBND")
    ('THÔNG TƯ LIÊN TỊCH', 'Số: 12/KH-UBND')
    """
    m = pattern("header", "stamp_tail").search(text, timeout=_T)
    return text[:m.start()].rstrip() if m and m.start() > 0 else text


def _symbol_type(symbol: str | None) -> dict | None:
    """The type the ký hiệu's type group names (TTLT-… → Thông tư liên tịch), if any."""
    if not symbol:
        return None
    first = regex.split(r"[-/]", symbol.split("/")[-1], timeout=_T)[0]
    return next((t for t in load("doc_types")["types"] if t.get("abbr") and t["abbr"] == first), None)


def _heading(zone: list[Line]) -> tuple[int, dict, str] | None:
    """(index, type, text) of the header's heading line ("KẾ HOẠCH"), read without a stamp's field at its
    end or OCR's punctuation before it (",OUYÉT ĐỊNH"); a type that has no heading (`heading: false`) is none."""
    for i, line in enumerate(zone):
        text = regex.sub(r"^[^\p{L}(]+", "", without_stamp_tail(line.text), timeout=_T)
        if _is_upper(text) or is_kind_line(text):
            t = type_of_title(text)
            if t and t.get("heading", True):
                return i, t, text
    return None


def heading_type(zone: list[Line]) -> dict | None:
    """The type the header's heading names ("KẾ HOẠCH"), if it has one."""
    found = _heading(zone)
    return found[1] if found else None


def find(zone: list[Line], symbol: str | None, agencies: list[str]) -> tuple[str | None, str | None]:
    """(doc_type, subject) from the header zone; `agencies` are the issuer's header lines.

    A type whose ký hiệu outranks its heading (`over_title`: a văn bản hợp nhất repeats its
    original's "THÔNG TƯ") is the document's type whatever the heading says; a type that has no
    heading (`heading: false`: "CÔNG VĂN" is a receipt stamp's) is not read from one.
    """
    named = _symbol_type(symbol)
    over = named["name"] if named and named.get("over_title") else None
    heading = _heading(zone)
    if heading:
        i, t, text = heading
        return over or t["name"], _titled(zone, i, t, agencies, text)
    subject = _vv(zone, agencies)
    if subject:
        return over or load("doc_types")["default_with_vv"], subject
    if symbol:
        return (named or {}).get("name") or load("doc_types")["default_with_vv"], None
    return None, None
