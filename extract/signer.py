"""Signing block and copy list (chữ ký, nơi nhận): "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC / Nguyễn Hữu Hưng".

The block is the run of upper-case title lines after "Nơi nhận:" (or, when a document has
none, the last run of such lines followed by a person's name), then the signer's name,
which may come a page later after the copy list went on. Stacked blocks ("TL. CỤC
TRƯỞNG / KT. TRƯỞNG BAN … / PHÓ TRƯỞNG BAN") give the outermost quyền hạn (H2) and the
innermost title: the line under the last prefix, or, when the block ends on a prefixed
line ("KT. GIÁM ĐỐC"), the deputy of that head. Lines a narrow column wrapped ("TL. CỤC"
/ "TRƯỞNG", "TRƯỞNG BAN BAN CHÍNH SÁCH," / "THUẾ QUỐC TẾ") are joined first.

>>> from extract.text import Line
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

from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

import regex

from extract.signer_names import Known, Registry, is_person_name, name_tail, officeholders, read_name
from extract.text import Line
from ingest.textnorm import fold
from rules import TIMEOUT as _T
from rules import load, pattern



def is_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


@lru_cache(maxsize=1)
def positions() -> tuple[str, ...]:
    """The positions a signing block names: rules/header.yaml's, then rules/signers.yaml's."""
    return tuple(dict.fromkeys(load("header")["positions"] + load("signers")["positions"]))


def _deputy(head: str) -> str:
    """The deputy who signs KT. for a head: Bộ trưởng → Thứ trưởng (header.yaml `deputies`), else Phó + head.

    >>> _deputy("Chánh án"), _deputy("Bộ trưởng"), _deputy("Phó Giám đốc")
    ('Phó Chánh án', 'Thứ trưởng', 'Phó Giám đốc')
    """
    deputies = load("header")["deputies"]
    if head in deputies:
        return deputies[head]
    if head in positions() and not fold(head).startswith(("pho ", "thu truong")):
        return "Phó " + head
    return head


def closest_position(line: str) -> tuple[str | None, float]:
    """The known position (rules/header.yaml, signers.yaml) a title line reads most like, and how closely (0–1)."""
    letters = regex.sub(r"[^a-z ]", "", fold(line)).strip()
    best, score = None, 0.0
    for p in positions():
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
    >>> position("TRƯỞNG BAN BẠN CHÍNH SÁCH, THUẾ QUỐC TẾ", "KT."), position("CHÁNH ÁN", "KT.")
    ('Phó Trưởng ban', 'Phó Chánh án')
    """
    best, score = closest_position(title)
    name = best if best and score >= 0.8 else _title_case(title)
    if authority == "KT." and name not in positions():
        name = _leading_position(title) or name   # "KT. TRƯỞNG BAN BAN CHÍNH SÁCH, …": the deputy of its head
    return _deputy(name) if authority == "KT." else name


def _leading_position(title: str) -> str | None:
    """The longest known position a title line starts with ("TRƯỞNG BAN BẠN CHÍNH SÁCH" → Trưởng ban)."""
    folded = regex.sub(r"[^a-z ]", "", fold(title)).strip() + " "
    starts = [p for p in positions() if folded.startswith(fold(p) + " ")]
    return max(starts, key=len) if starts else None


def _authority(text: str) -> tuple[str | None, str]:
    """("KT.", "GIÁM ĐỐC") from "KT. GIÁM ĐỐC"; a bare "KT." gives ("KT.", ""); a prefix one letter off
    before a position ("XT. VIỆN TRƯỞNG") is the one prefix it is one letter from.

    >>> _authority("XT. VIỆN TRƯỞNG."), _authority("TT. VIỆN TRƯỞNG")
    (('KT.', 'VIỆN TRƯỞNG.'), (None, 'TT. VIỆN TRƯỞNG'))
    """
    text = text.lstrip("_“”\"'‘’ ")   # OCR's stray underscore or quote before "TM,"
    m = pattern("header", "authority").match(text, timeout=_T)
    if m:
        return m.group("authority") + ".", m.group("rest").strip()
    m = regex.match(r"^\s*(TM|KT|TL|TUQ|Q)\s*[.,]?\s*$", text, timeout=_T)
    if m:
        return m.group(1) + ".", ""
    m = regex.match(r"^\s*(\p{Lu}{2})\s*[.,]\s*(\p{Lu}.*)$", text, timeout=_T)   # "XT. VIỆN TRƯỞNG": KT. OCR misread
    near = [a for a in ("TM", "KT", "TL") if m and sum(x != y for x, y in zip(fold(m.group(1)), fold(a))) == 1]
    if len(near) == 1 and _names_position(m.group(2)):
        return near[0] + ".", m.group(2).strip()
    return None, text


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
    return any(folded.startswith(fold(p)) for p in positions()) or \
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


@dataclass(frozen=True, slots=True)
class Block:
    """One signer's block as the lines give it: its title lines, the name under them, where it lies."""

    titles: tuple[str, ...]
    name: str | None
    tail: str | None   # the readable end of a name a seal cut ("ức Phớc"), for the registry only
    end: int           # the line after the title lines
    at: int            # the name's line (`end` when there is none)


def _block(lines: list[Line], start: int) -> Block:
    """The block whose title lines start at `start`.

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
    tail = None
    for k in range(j, min(len(lines), j + 30)):   # the copy list may go on (a page later) before the name
        t = lines[k].text.strip()
        if titles and _starts_block(t) and not _authority(t)[0] and _names_position(t):
            titles.append(t)   # "PHÓ THỦ TƯỚNG" under the copy list, after "KT. THỦ TƯỚNG" above it
            continue
        name = read_name(lines[k].text) if k < j + 25 else None
        if not name and k + 1 < len(lines) and regex.fullmatch(r"\p{Lu}\p{Ll}+", t, timeout=_T):
            name = read_name(t + " " + lines[k + 1].text.strip())   # "Nguyễn" / "Xuân Quang"
            k += 1 if name else 0
        if name:
            while k + 1 < len(lines) and read_name(lines[k + 1].text):
                k += 1
                name = read_name(lines[k].text)
            return Block(tuple(titles), name, None, j, k)
        tail = tail or name_tail(t)
        if _starts_block(t):
            break
    return Block(tuple(titles), None, tail, j, j)


def _opens_column(text: str) -> bool:
    """A prefixed title line ("KT. VIỆN TRƯỞNG"): where one issuer's block starts in a row of blocks."""
    authority, rest = _authority(text.strip())
    return bool(authority) and is_upper(text) and _names_position(rest)


def _columns(lines: list[Line], first: int, block: Block) -> list[tuple[int, Block]]:
    """The blocks of a joint document's issuers, signed side by side and read one column after another:
    each column opens with a prefixed title line within a few lines of the name before it."""
    found = [(first, block)]
    while True:   # a column before the one found first
        i = found[0][0]
        before = [(p, _block(lines, p)) for p in range(max(0, i - 14), i) if _opens_column(lines[p].text)]
        before = [(p, b) for p, b in before if b.name and i - 4 <= b.at < i]
        if not before:
            break
        found.insert(0, before[-1])
    while True:   # the columns after it
        last = found[-1][1]
        k = (last.at if last.name else last.end) + 1
        nxt = next((q for q in range(k, min(len(lines), k + 4)) if _opens_column(lines[q].text)), None)
        if nxt is None or not last.name:
            break
        found.append((nxt, _block(lines, nxt)))
    return found


def _head_of(text: str) -> str | None:
    """The head a damaged title line still names by its end ("xxx HỦ TƯỜNG", "NN TƯỜNG" → Thủ tướng).

    >>> _head_of("&c U TƯỞNG"), _head_of("RƯỞNG BAN"), _head_of("c§- TƯỜNG"), _head_of("TRƯỞNG")
    ('Thủ tướng', 'Trưởng ban', 'Thủ tướng', None)
    """
    words = text.split()
    while words and not is_upper(words[0]) and not (len(words[0]) == 1 and words[0].isupper()):
        words = words[1:]   # stamp debris before the upper-case words
    heads = [p for p in positions() if not fold(p).startswith(("pho ", "thu truong"))]
    folded = [regex.sub(r"[^a-z]", "", fold(w)) for w in words]
    for i in range(len(folded)):
        piece = " ".join(w for w in folded[i:] if w)
        fits = [p for p in heads if fold(p).endswith(piece)] if len(piece.replace(" ", "")) >= 5 else []
        if len(fits) == 1:
            return fits[0]
    return None


def _repeated_head(lines: list[Line], near: range) -> tuple[int, str] | None:
    """(the line after them, head) of two title lines a seal damaged that name the same head:
    "KT. THỦ TƯỚNG / PHÓ THỦ TƯỚNG" read as "&c U TƯỞNG / NN TƯỜNG" — only a deputy's block repeats its head."""
    for i in near:
        head = _head_of(lines[i].text) if not lines[i].text.lstrip().startswith(("-", "–", "+")) else None
        if head and i + 1 < len(lines) and _head_of(lines[i + 1].text) == head:
            return i + 2, head
    return None


@dataclass(frozen=True, slots=True)
class Signer:
    name: str | None
    tail: str | None
    title: str | None
    authority: str | None


def _signer(block: Block) -> Signer:
    title, authority = _title_and_authority(list(block.titles))
    return Signer(block.name, block.tail, title, authority)


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


def read(lines: list[Line]) -> tuple[tuple[str, ...], tuple[Signer, ...]]:
    """(Nơi nhận items, the signers as their blocks read) of a document's lines: one signer, or the
    issuers of a joint document in the order their blocks stand."""
    nn = pattern("header", "noi_nhan")
    start = next((i for i, line in enumerate(lines) if nn.match(line.text, timeout=_T)), None)
    copy_lines: list[str] = []
    candidates: list[int] = []
    if start is not None:
        rest = nn.match(lines[start].text, timeout=_T).group("rest")
        copy_lines = [rest] if rest.strip() else []
        candidates = [i for i in range(start + 1, min(len(lines), start + 40)) if _starts_block(lines[i].text.strip())]
        candidates += [i for i in range(max(0, start - 12), start) if _starts_block(lines[i].text.strip())]
    prefixed = [i for i, line in enumerate(lines)
                if _authority(line.text.strip())[0] and _starts_block(line.text.strip())]
    candidates += [i for i in prefixed if i not in candidates]
    candidates += [i for i, line in enumerate(lines) if i not in candidates and _starts_block(line.text.strip())]
    for i in candidates:
        block = _block(lines, i)
        if block.name and block.titles:
            if start is not None and i > start:
                copy_lines += [line.text for line in lines[start + 1:i]] + [line.text for line in lines[block.end:block.at]]
            return _copy_list(copy_lines), tuple(_signer(b) for _, b in _columns(lines, i, block))
    if start is None:
        return (), ()
    window = range(max(0, start - 12), min(len(lines), start + 40))
    near = [i for i in window if i in prefixed]
    if near:   # the name is illegible (a seal over it): the block still says who signs, and for whom
        blocks = [_block(lines, i) for i in near]   # stacked "TL. CỤC TRƯỞNG" … copy list … "KT. TRƯỞNG BAN"
        titles = [t for b in blocks for t in b.titles]
        title, authority = _title_and_authority(titles)
        copy_lines += [line.text for line in lines[start + 1:near[0]] + lines[blocks[0].end:start + 30]
                       if not _opens_column(line.text)]
        return _copy_list(copy_lines), (Signer(None, blocks[-1].tail, title, authority),)
    copy_lines += [line.text for line in lines[start + 1:start + 30]]
    repeated = _repeated_head(lines, window)
    if repeated is None:
        return _copy_list(copy_lines), ()
    after, head = repeated
    tail = next((t for t in (name_tail(x.text) for x in lines[after:after + 12]) if t), None)
    return _copy_list(copy_lines), (Signer(None, tail, _deputy(head), "KT."),)


def find(lines: list[Line], known: Registry | None = None,
         certificates: tuple[str | None, ...] = ()) -> tuple[tuple[str, ...], str | None, str | None, str | None]:
    """(Nơi nhận items, signer name, title, authority) of a document's lines; the issuers of a joint
    document signing side by side give their names and titles joined by "; " in the order they stand,
    and the outermost prefix of the first.

    A name OCR damaged is restored from the registry of signers (`extract.signer_names`) and from
    the file's own personal signing certificates (`certificates`, their CNs), only where exactly one
    name fits. When no name is readable under a single block whose title was read, and the file
    carries exactly one personal certificate, that certificate's holder is the signer: a personal
    certificate signs as the person it names (an office's certificate, "Văn phòng Chính phủ",
    names no person and is never taken), and the title line read says a person signs here.
    """
    copy_to, signers = read(lines)
    if not signers:
        return copy_to, None, None, None
    people = tuple(dict.fromkeys(c.strip() for c in certificates if is_person_name(c)))
    names = [_restored(s, officeholders() if known is None else known, people) for s in signers]
    if len(signers) == 1 and names[0] is None and signers[0].title and len(people) == 1:
        names[0] = people[0]
    if len(signers) == 1:
        return copy_to, names[0], signers[0].title, signers[0].authority
    joined = "; ".join(n for n in names if n) or None
    return copy_to, joined, "; ".join(s.title or "" for s in signers), signers[0].authority


def _restored(signer: Signer, known: Registry, people: tuple[str, ...]) -> str | None:
    """The signer's name as the registry or the file's own certificate spells it, else as read."""
    registry = Registry(known.names + tuple(Known(p, signer.title) for p in people))
    if signer.name:
        return registry.restore(signer.name, signer.title) or signer.name
    return registry.restore(signer.tail, signer.title) if signer.tail else None
