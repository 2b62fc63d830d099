"""Signing block and copy list (chữ ký, nơi nhận): "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC / Nguyễn Hữu Hưng".

The block is the run of upper-case title lines after "Nơi nhận:" (or, when a document has
none, the last run of such lines followed by a person's name), then the signer's name,
which may come a page later after the copy list went on. Stacked blocks ("TL. CỤC
TRƯỞNG / KT. TRƯỞNG BAN … / PHÓ TRƯỞNG BAN") give the outermost quyền hạn (H2) and the
innermost title: the line under the last prefix, or, when the block ends on a prefixed
line ("KT. GIÁM ĐỐC"), the deputy of that head. Lines a narrow column wrapped ("TL. CỤC"
/ "TRƯỞNG", "TRƯỞNG BAN BAN CHÍNH SÁCH," / "THUẾ QUỐC TẾ") are joined first.

On real scans a seal lies over the block. A prefix OCR misread by one letter ("XT.") is the
prefix it is one letter from; TL. and KT. blocks with the copy list read between them stack;
two damaged title lines that end like the same head ("&c U TƯỞNG" / "NN TƯỜNG") are a deputy's
block (KT. THỦ TƯỚNG / PHÓ THỦ TƯỚNG: only a deputy's block repeats its head). The name is read
as it stands, its surname mended (`signer_names.read_name`), or restored from the registry of
signers; the tail a seal left of it ("ức Phớc") is used only through the registry.

Joint documents (thông tư liên tịch, chương trình phối hợp) put their issuers' blocks side by
side; OCR reads them one column after another (each opens with a prefixed title line a few lines
after the previous name), a text layer row by row (both title rows, then both names): either
gives one signer per issuer, in page order.

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

from dataclasses import dataclass

import regex

from congvan.extract.signer_names import Known, Registry, is_person_name, name_tail, officeholders, read_name
from congvan.extract.signer_titles import closest_position, deputy, head_of, is_upper, names_position, position, split_prefix
from congvan.extract.text import Line
from congvan.ingest.textnorm import fold
from congvan.rules import TIMEOUT as _T
from congvan.rules import pattern


def _starts_block(text: str) -> bool:
    """An authority line ("KT. GIÁM ĐỐC") or a line that reads as a signer's position ("CHỦ TỊCH")."""
    if text.startswith(("-", "–", "+", "(")) or not is_upper(text):
        return False
    if split_prefix(text)[0]:
        return True
    return closest_position(text)[1] >= 0.8


def _incomplete(text: str) -> bool:
    """A title line a narrow column cut: it ends with a comma, a bare prefix, "PHÓ" or a lone head word."""
    rest = split_prefix(text)[1]
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
        authority, rest = split_prefix(t)
        m = regex.search(r"\s(PHÓ\s+\S.*)$", rest) if authority else None
        if m and m.start() > 0:
            out += [t[: len(t) - len(m.group(1))].strip(), m.group(1)]
        else:
            out.append(t)
    return out


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
    authorities = [a for a in (split_prefix(s)[0] for s in segments) if a]
    outer = authorities[0] if authorities else None
    if not segments:
        return None, outer
    heads = [s for s in segments if names_position(split_prefix(s)[1])]
    last_authority, last_rest = split_prefix(heads[-1] if heads else segments[-1])
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
    names: tuple[str, ...] = ()   # the names on adjacent lines up to `name` (a row of blocks gives one each)


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
        if len(t.split()) >= 2 or split_prefix(t)[0] or fold(t) in ("pho", "truong"):
            titles.append(t)
        j += 1
    tail = None
    for k in range(j, min(len(lines), j + 30)):   # the copy list may go on (a page later) before the name
        t = lines[k].text.strip()
        if titles and _starts_block(t) and not split_prefix(t)[0] and names_position(t):
            titles.append(t)   # "PHÓ THỦ TƯỚNG" under the copy list, after "KT. THỦ TƯỚNG" above it
            continue
        name = read_name(lines[k].text) if k < j + 25 else None
        if not name and k + 1 < len(lines) and regex.fullmatch(r"\p{Lu}\p{Ll}+", t, timeout=_T):
            name = read_name(t + " " + lines[k + 1].text.strip())   # "Nguyễn" / "Xuân Quang"
            k += 1 if name else 0
        if name:
            names = [name]
            while k + 1 < len(lines) and read_name(lines[k + 1].text):
                k += 1
                names.append(read_name(lines[k].text))
            return Block(tuple(titles), names[-1], None, j, k, tuple(names))
        tail = tail or name_tail(t)
        if _starts_block(t):
            break
    return Block(tuple(titles), None, tail, j, j)


def _opens_column(text: str) -> bool:
    """A prefixed title line ("KT. VIỆN TRƯỞNG"): where one issuer's block starts in a row of blocks."""
    authority, rest = split_prefix(text.strip())
    return bool(authority) and is_upper(text) and names_position(rest)


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
        if nxt is None or not last.name or any(_ends_columns(x.text) for x in lines[k:nxt]):
            break
        column = _block(lines, nxt)
        if not (column.name or column.tail or len(column.titles) >= 2):
            break   # a lone prefixed line ("TL. GIÁM ĐỐC" of a copy's block) is no issuer's column
        found.append((nxt, column))
    return found


def _row(block: Block) -> list[Block]:
    """A block whose title lines hold several issuers' blocks read row by row (the layout reads the
    title rows of two columns, then their name rows): a prefixed line after a title line without a
    prefix opens the next column ("… PHÓ CHỦ TỊCH / TM. ỦY BAN NHÂN DÂN / …"), and the last names
    read, one per column, go to the columns in order. A stacked block (TM. / KT. / PHÓ …) has one."""
    groups: list[list[str]] = [[]]
    for t in block.titles:
        if groups[-1] and split_prefix(t)[0] and not split_prefix(groups[-1][-1])[0] and names_position(groups[-1][-1]):
            groups.append([])
        groups[-1].append(t)
    if len(groups) == 1 or len(block.names) < len(groups):
        return [block]
    names = block.names[-len(groups):]
    return [Block(tuple(g), n, None, block.end, block.at, (n,)) for g, n in zip(groups, names)]


def _ends_columns(text: str) -> bool:
    """A line after which no issuer's column follows: the copy list, or a copy's own block ("SAO Y BẢN CHÍNH")."""
    folded = fold(text).strip()
    return folded.startswith(("-", "noi nhan", "sao y", "sao luc", "trich sao", "ban sao"))


def _repeated_head(lines: list[Line], near: range) -> tuple[int, str] | None:
    """(the line after them, head) of two title lines a seal damaged that name the same head:
    "KT. THỦ TƯỚNG / PHÓ THỦ TƯỚNG" read as "&c U TƯỞNG / NN TƯỜNG" — only a deputy's block repeats its head."""
    for i in near:
        head = head_of(lines[i].text) if not lines[i].text.lstrip().startswith(("-", "–", "+")) else None
        if head and i + 1 < len(lines) and head_of(lines[i + 1].text) == head:
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


def _copy_lines_after(lines: list[Line], start: int) -> list[str]:
    """The copy list's lines after "Nơi nhận:" up to the next upper-case line (an annex's title) or block."""
    out = []
    for line in lines[start + 1:start + 30]:
        if is_upper(line.text) or _starts_block(line.text.strip()):
            break
        out.append(line.text)
    return out


_SIGNED_MARK = regex.compile(r"(?i)^\(\s*(?:đã\s+ký|ký|đã\s+ký\s+và\s+đóng\s+dấu|ký\s+tên,?\s*đóng\s+dấu)\s*\)$")


def _copy_list(block: list[str]) -> tuple[str, ...]:
    """'- A;' / '- B' lines (with wrapped continuations) → ('A', 'B'); a published copy's "(Đã ký)" where
    the signature stood is no item.

    >>> _copy_list(["- Như trên;", "- Lưu: VT.", "(Đã ký)"])
    ('Như trên', 'Lưu: VT')
    """
    items: list[str] = []
    for text in block:
        piece = text.strip()
        if not piece or _SIGNED_MARK.match(piece, timeout=_T):
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
                if split_prefix(line.text.strip())[0] and _starts_block(line.text.strip())]
    candidates += [i for i in prefixed if i not in candidates]
    candidates += [i for i, line in enumerate(lines) if i not in candidates and _starts_block(line.text.strip())]
    for i in candidates:
        block = _block(lines, i)
        if block.name and block.titles:
            if start is not None and i > start:
                copy_lines += [line.text for line in lines[start + 1:i]] + [line.text for line in lines[block.end:block.at]]
            elif start is not None:   # the block read before the copy list beside it
                copy_lines += _copy_lines_after(lines, start)
            return _copy_list(copy_lines), tuple(_signer(b) for _, c in _columns(lines, i, block) for b in _row(c))
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
    return _copy_list(copy_lines), (Signer(None, tail, deputy(head), "KT."),)


def find(lines: list[Line], known: Registry | None = None, certificates: tuple[str | None, ...] = (),
         issuer: str | None = None) -> tuple[tuple[str, ...], str | None, str | None, str | None]:
    """(Nơi nhận items, signer name, title, authority) of a document's lines; the issuers of a joint
    document signing side by side give their names and titles joined by "; " in the order they stand,
    and the outermost prefix of the first.

    A name OCR damaged is restored from the registry of signers (`extract.signer_names`) and from
    the file's own personal signing certificates (`certificates`, their CNs), only where exactly one
    name fits (a name the database saw under another `issuer` does not change a valid one). When no name is readable under a single block whose title was read, and the file
    carries exactly one personal certificate, that certificate's holder is the signer: a personal
    certificate signs as the person it names (an office's certificate, "Văn phòng Chính phủ",
    names no person and is never taken), and the title line read says a person signs here. A copy
    ("SAO Y BẢN CHÍNH") is signed by whoever made it, so there the certificate names no block's signer.
    """
    copy_to, signers = read(lines)
    if not signers:
        return copy_to, None, None, None
    people = tuple(dict.fromkeys(c.strip() for c in certificates if is_person_name(c)))
    names = [_restored(s, officeholders() if known is None else known, people, issuer) for s in signers]
    copy = any(fold(line.text).lstrip().startswith(("sao y", "sao luc", "trich sao")) for line in lines)
    if len(signers) == 1 and names[0] is None and signers[0].title and len(people) == 1 and not copy:
        names[0] = people[0]   # not on a copy (SAO Y): its maker's certificate may sign it, not the block's signer
    if len(signers) == 1:
        return copy_to, names[0], signers[0].title, signers[0].authority
    joined = "; ".join(n for n in names if n) or None
    return copy_to, joined, "; ".join(s.title or "" for s in signers), signers[0].authority


def _restored(signer: Signer, known: Registry, people: tuple[str, ...], issuer: str | None) -> str | None:
    """The signer's name as the registry or the file's own certificate spells it, else as read."""
    registry = Registry(known.names + tuple(Known(p, signer.title) for p in people))
    if signer.name:
        return registry.restore(signer.name, signer.title, issuer) or signer.name
    return registry.restore(signer.tail, signer.title, issuer) if signer.tail else None
