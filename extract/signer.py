"""Signing block and copy list (chữ ký, nơi nhận): "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC / Nguyễn Hữu Hưng".

The block is the run of upper-case title lines after "Nơi nhận:" (or, when a document has
none, the last run of such lines followed by a person's name), then the signer's name,
which may come a page later after the copy list went on. Stacked blocks ("TL. CỤC
TRƯỞNG / KT. TRƯỞNG BAN … / PHÓ TRƯỞNG BAN") give the outermost quyền hạn (H2) and the
innermost title: the line under the last prefix, or, when the block ends on a prefixed
line ("KT. GIÁM ĐỐC"), the deputy of that head. Lines a narrow column wrapped ("TL. CỤC"
/ "TRƯỞNG", "TRƯỞNG BAN BAN CHÍNH SÁCH," / "THUẾ QUỐC TẾ") are joined first.

>>> from congvan.extract.text import Line
>>> block = ["Nơi nhận:", "- Như trên;", "TL. CỤC TRƯỞNG", "KT. TRƯỞNG BAN BAN CHÍNH SÁCH,",
...          "THUẾ QUỐC TẾ", "PHÓ TRƯỞNG BAN", "Phạm Thị Minh Hiền"]
>>> find([Line(1, 0, 0, t) for t in block])
(('Như trên',), 'Phạm Thị Minh Hiền', 'Phó Trưởng ban', 'TL.')
>>> find([Line(1, 0, 0, t) for t in ["Nơi nhận:", "- Lưu: VT.", "KT. CHỦ TỊCH PHÓ CHỦ TỊCH", "Hoàng Nam"]])
(('Lưu: VT',), 'Hoàng Nam', 'Phó Chủ tịch', 'KT.')
>>> find([Line(1, 0, 0, t) for t in ["Nơi nhận:", "- Lưu: VT.", "KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"]])
(('Lưu: VT',), None, 'Phó Giám đốc', 'KT.')
"""
from __future__ import annotations

from difflib import SequenceMatcher

import regex

from congvan.extract.text import Line
from congvan.ingest.textnorm import fold
from congvan.rules import TIMEOUT as _T
from congvan.rules import load, pattern

_PERSON_NAME = regex.compile(r"^(?:\p{Lu}\p{Ll}*)(?:\s+\p{Lu}\p{Ll}*){1,4}$")
# a military or police rank before the name, also with its first word OCR-damaged ("VướN tướng Nguyễn Văn Long")
_RANK = regex.compile(r"^(?:Thượng|Trung|Thiếu|Đại|\S{2,8})\s+(?:tướng|tá)\s+(?=\p{Lu})")


def is_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def closest_position(line: str) -> tuple[str | None, float]:
    """The known position (rules/header.yaml) a title line reads most like, and how closely (0–1)."""
    letters = regex.sub(r"[^a-z ]", "", fold(line)).strip()
    best, score = None, 0.0
    for p in load("header")["positions"]:
        ratio = SequenceMatcher(None, letters, fold(p)).ratio()
        if ratio > score:
            best, score = p, ratio
    return best, score


def _title_case(upper: str) -> str:
    """PHÓ GIÁM ĐỐC → Phó Giám đốc; TRƯỞNG BAN BAN CHÍNH SÁCH, THUẾ QUỐC TẾ → Trưởng ban ban chính sách, …"""
    words = upper.lower().split()
    if not words:
        return upper
    out = [words[0].capitalize()]
    if words[0] == "phó" and len(words) > 1:
        out.append(words[1].capitalize())
        words = words[1:]
    out += [w.upper() if len(w) <= 3 and w.isalpha() and w.upper() in ("HQ", "UBND", "HĐND") else w
            for w in words[1:]]
    return " ".join(out)


def position(title: str, authority: str | None = None) -> str:
    """The signer's position: a known one when the line is close to it ("CHU TỊCH" → Chủ tịch),
    and the deputy's when the block ends on the head a deputy signs for (KT. GIÁM ĐỐC → Phó Giám đốc).

    >>> position("CHU TỊCH"), position("2 GIÁM ĐỐ", "KT."), position("PHÓ GIÁM ĐỐC", "KT.")
    ('Chủ tịch', 'Phó Giám đốc', 'Phó Giám đốc')
    """
    rules = load("header")
    best, score = closest_position(title)
    name = best if best and score >= 0.8 else _title_case(title)
    if authority == "KT." and name in rules["deputies"]:
        name = rules["deputies"][name]
    return name


def _authority(text: str) -> tuple[str | None, str]:
    """("KT.", "GIÁM ĐỐC") from "KT. GIÁM ĐỐC"; a bare "KT." gives ("KT.", "")."""
    text = text.lstrip("_“”\"'‘’ ")   # OCR's stray underscore or quote before "TM,"
    m = pattern("header", "authority").match(text, timeout=_T)
    if m:
        return m.group("authority") + ".", m.group("rest").strip()
    m = regex.match(r"^\s*(TM|KT|TL|TUQ|Q)\s*[.,]?\s*$", text)
    return (m.group(1) + ".", "") if m else (None, text)


def _starts_block(text: str) -> bool:
    """An authority line ("KT. GIÁM ĐỐC") or a line that reads as a signer's position ("CHỦ TỊCH")."""
    if text.startswith(("-", "–", "+", "(")) or not is_upper(text):
        return False
    if _authority(text)[0]:
        return True
    return closest_position(text)[1] >= 0.8


def _incomplete(text: str) -> bool:
    """A title line a narrow column cut: it ends with a comma, a bare prefix, "PHÓ" or a lone head word."""
    rest = _authority(text)[1]
    return not rest or text.rstrip().endswith(",") or fold(rest.split()[-1]) in ("pho", "cuc", "bo", "chi", "tong")


def _segments(titles: list[str]) -> list[str]:
    """Title lines with wrapped pieces joined, and "KT. CHỦ TỊCH PHÓ CHỦ TỊCH" cut before its deputy."""
    joined: list[str] = []
    for t in titles:
        if joined and _incomplete(joined[-1]):
            joined[-1] += " " + t
        else:
            joined.append(t)
    out: list[str] = []
    for t in joined:
        authority, rest = _authority(t)
        m = regex.search(r"\s(PHÓ\s+\S.*)$", rest) if authority else None
        if m and m.start() > 0:
            out += [t[: len(t) - len(m.group(1))].strip(), m.group(1)]
        else:
            out.append(t)
    return out


def _names_position(text: str) -> bool:
    """Whether a title segment starts like a position ("PHÓ TRƯỞNG BAN …"), not like stamp debris."""
    folded = regex.sub(r"[^a-z ]", "", fold(text)).strip()
    return any(folded.startswith(fold(p)) for p in load("header")["positions"]) or \
        folded.startswith(("pho ", "truong ", "chanh ", "tong "))


def _title_and_authority(titles: list[str]) -> tuple[str | None, str | None]:
    """(title, quyền hạn); a deputy's title under no prefix OCR could read signs KT. (Phụ lục I, II.7).

    >>> _title_and_authority(["PHÓ GIÁM ĐỌC"]), _title_and_authority(["TRƯỞNG KHOA"])
    (('Phó Giám đốc', 'KT.'), ('Trưởng khoa', None))
    """
    title, authority = _title_and_prefix(titles)
    if authority is None and title and fold(title).startswith("pho "):
        authority = "KT."
    return title, authority


def _title_and_prefix(titles: list[str]) -> tuple[str | None, str | None]:
    segments = _segments(titles)
    authorities = [a for a in (_authority(s)[0] for s in segments) if a]
    outer = authorities[0] if authorities else None
    if not segments:
        return None, outer
    heads = [s for s in segments if _names_position(_authority(s)[1])]
    last_authority, last_rest = _authority(heads[-1] if heads else segments[-1])
    if last_authority:
        return (position(last_rest, last_authority) if last_rest else None), outer
    return position(heads[-1] if heads else segments[-1]), outer


def _name(line: str) -> str | None:
    """A signer's name, without a rank before it and OCR's stray quote, the surname spelled as it is
    written when OCR lost or swapped its mark (rules/header.yaml `surnames`).

    >>> _name("VướN tướng Nguyên Văn Long"), _name("“Tân Duy Đông"), _name("Nơi nhận"), _name("Hoàng Nam")
    ('Nguyễn Văn Long', 'Tân Duy Đông', None, 'Hoàng Nam')
    """
    text = _RANK.sub("", line.strip().lstrip("_“”\"'‘’ "))
    if not _PERSON_NAME.match(text) or is_upper(text):
        return None
    first, _, rest = text.partition(" ")
    same = [s for s in load("header")["surnames"] if fold(s) == fold(first)]
    return f"{same[0]} {rest}" if len(same) == 1 else text


def _block(lines: list[Line], start: int) -> tuple[list[str], str | None, int, int]:
    """(title lines, signer name, end of the title lines, index of the name) of the block at `start`.

    Stamp debris read as a name just before the real one gives way to it (the last of adjacent names).
    """
    titles: list[str] = []
    j = start
    while j < len(lines) and j < start + 8:
        t = lines[j].text.strip()
        if not is_upper(t) or t.startswith(("-", "–", "(")):
            break
        if len(t.split()) >= 2 or _authority(t)[0] or fold(t) in ("pho", "truong"):
            titles.append(t)
        j += 1
    for k in range(j, min(len(lines), j + 25)):   # the copy list may go on (a page later) before the name
        t = lines[k].text.strip()
        if titles and _starts_block(t) and not _authority(t)[0] and _names_position(t):
            titles.append(t)   # "PHÓ THỦ TƯỚNG" under the copy list, after "KT. THỦ TƯỚNG" above it
            continue
        name = _name(lines[k].text)
        if not name and k + 1 < len(lines) and regex.fullmatch(r"\p{Lu}\p{Ll}+", t):
            name = _name(t + " " + lines[k + 1].text.strip())   # "Nguyễn" / "Xuân Quang"
            k += 1 if name else 0
        if name:
            while k + 1 < len(lines) and _name(lines[k + 1].text):
                k += 1
                name = _name(lines[k].text)
            return titles, name, j, k
        if _starts_block(lines[k].text.strip()):
            break
    return titles, None, j, j


def _copy_list(block: list[str]) -> tuple[str, ...]:
    """'- A;' / '- B' lines (with wrapped continuations) → ('A', 'B')."""
    items: list[str] = []
    for text in block:
        piece = text.strip()
        if not piece:
            continue
        if piece[0] in "-–•+" or not items:
            items.append(piece.lstrip("-–•+ \t"))
        else:
            items[-1] += " " + piece
    return tuple(regex.sub(r"\s+", " ", i).strip(" ;,.") for i in items if i.strip(" ;,."))


def find(lines: list[Line]) -> tuple[tuple[str, ...], str | None, str | None, str | None]:
    """(Nơi nhận items, signer name, title, authority) of a document's lines."""
    nn = pattern("header", "noi_nhan")
    start = next((i for i, line in enumerate(lines) if nn.match(line.text)), None)
    copy_lines: list[str] = []
    candidates: list[int] = []
    if start is not None:
        rest = nn.match(lines[start].text).group("rest")
        copy_lines = [rest] if rest.strip() else []
        candidates = [i for i in range(start + 1, min(len(lines), start + 40)) if _starts_block(lines[i].text.strip())]
        candidates += [i for i in range(max(0, start - 12), start) if _starts_block(lines[i].text.strip())]
    prefixed = [i for i, line in enumerate(lines)
                if _authority(line.text.strip())[0] and _starts_block(line.text.strip())]
    candidates += [i for i in prefixed if i not in candidates]
    candidates += [i for i, line in enumerate(lines) if i not in candidates and _starts_block(line.text.strip())]
    for i in candidates:
        titles, name, end, at = _block(lines, i)
        if name and titles:
            if start is not None and i > start:
                copy_lines += [line.text for line in lines[start + 1:i]] + [line.text for line in lines[end:at]]
            title, authority = _title_and_authority(titles)
            return _copy_list(copy_lines), name, title, authority
    if start is None:
        return (), None, None, None
    near = [i for i in range(max(0, start - 12), min(len(lines), start + 40)) if i in prefixed]
    if not near:
        return _copy_list(copy_lines + [line.text for line in lines[start + 1:start + 30]]), None, None, None
    titles, _, end, _ = _block(lines, near[0])   # the name is illegible (a seal over it): the block
    title, authority = _title_and_authority(titles)   # still says who signs, and for whom
    copy_lines += [line.text for line in lines[start + 1:near[0]] + lines[end:start + 30]]
    return _copy_list(copy_lines), None, title, authority
