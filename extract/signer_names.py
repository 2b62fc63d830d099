"""A registry of signers, to restore a name OCR damaged: "ức Phớc" → Hồ Đức Phớc, "Nguyen Hoa Binh" → Nguyễn Hòa Bình.

Its names come from three places: the national officeholders of `rules/signers.yaml` (dated,
a clerk extends them), the names in personal signing certificates of the signed files in the
database, and the names digital documents print under their signing blocks (the pipeline reads
both from the database: `db.stored.known_signers`). An OCR'd name is matched to it without
diacritics, and changed only when exactly one registry name fits:

- a whole name (as many words as the registry's) within one edit of it once both are folded;
  a word may always gain the marks OCR lost ("Nguyen" → Nguyễn), but a changed mark or letter
  ("Tâm" → Tam, "Tân" → Trần) is a different valid name unless the block's title is the one the
  registry gives that person — then the two agree on who signs;
- the readable tail of a name a seal or the page edge cut ("ức Phớc", "hị Thanh Trà"): at
  least two words, the first one cut, the block's title agreeing with the registry's.

A name that is no registry name's within those bounds is left as OCR read it; a block with no
readable name gets none from here (`extract.signer` may take the file's own certificate).

>>> known = Registry.from_rules()
>>> known.restore("ức Phớc", "Phó Thủ tướng"), known.restore("Nguyen Hoa Binh", None)
('Hồ Đức Phớc', 'Nguyễn Hòa Bình')
>>> known.restore("Nguyễn Văn Hưng", None) is None   # valid marks are not changed on the name alone
True
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import regex

from congvan.ingest.textnorm import fold
from congvan.rules import TIMEOUT as _T
from congvan.rules import load

# a person's name as blocks, certificates and digital documents print it: 2–5 capitalised words ("Trịnh Tuấn Thành")
_NAME = regex.compile(r"^\p{Lu}\p{Ll}*(?:\s+\p{Lu}\p{Ll}*){1,4}$")
# a military or police rank before the name, also with its first word OCR-damaged ("VướN tướng Nguyễn Văn Long")
_RANK = regex.compile(r"^(?:Thượng|Trung|Thiếu|Đại|\S{2,8})\s+(?:tướng|tá)\s+(?=\p{Lu})")
# the readable end of a name a seal cut: a word without its first letters, then capitalised words ("ức Phớc")
_TAIL = regex.compile(r"(?:^|\s)(\p{Ll}+(?:\s+\p{Lu}\p{Ll}*){1,3})\s*$")


def _is_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def read_name(line: str) -> str | None:
    """A signer's name, without a rank before it and OCR's stray quote, the surname spelled as it is
    written when OCR lost or swapped its mark or its first letter (rules/header.yaml `surnames`: a
    surname only one of them folds to, or ends with).

    >>> read_name("VướN tướng Nguyên Văn Long"), read_name("“Tân Duy Đông"), read_name("Nơi nhận")
    ('Nguyễn Văn Long', 'Tân Duy Đông', None)
    >>> read_name("Hoàng Nam"), read_name("guyền Hoài Nam"), read_name("ương Văn An")
    ('Hoàng Nam', 'Nguyễn Hoài Nam', None)
    """
    text = _RANK.sub("", line.strip().lstrip("_“”\"'‘’ "), timeout=_T)
    first, _, rest = text.partition(" ")
    surnames = load("header")["surnames"]
    if first[:1].islower() and len(fold(first)) >= 3 and _NAME.match(rest, timeout=_T) and not _is_upper(rest):
        cut = [s for s in surnames if fold(s).endswith(fold(first)) and fold(s) != fold(first)]
        return f"{cut[0]} {rest}" if len(cut) == 1 else None   # "guyền Hoài Nam": the N lost
    if not _NAME.match(text, timeout=_T) or _is_upper(text):
        return None
    same = [s for s in surnames if fold(s) == fold(first)]
    return f"{same[0]} {rest}" if len(same) == 1 else text


def name_tail(line: str) -> str | None:
    """The readable end of a name a seal or the page cut ("ức Phớc" of Hồ Đức Phớc), for the registry only.

    >>> name_tail("wT ồng Hà"), name_tail("hị Thanh Trà"), name_tail("- Lưu: VT, NN"), name_tail("Hà")
    ('ồng Hà', 'hị Thanh Trà', None, None)
    """
    text = line.strip()
    if text.startswith(("-", "–", "+")):
        return None
    m = _TAIL.search(text, timeout=_T)
    return m.group(1) if m else None


@dataclass(frozen=True, slots=True)
class Known:
    name: str            # as the registry spells it, NFC
    title: str | None    # the position it was seen with ("Phó Thủ tướng"), if any
    issuer: str | None = None   # the body of the document it was seen in (the database's names)

    def agrees(self, title: str | None, issuer: str | None) -> bool:
        """Whether a block with this title, in a document of this issuer, may be this person's: the same
        title, and the same issuer where both are known (two offices may each have a Nguyễn Văn Hùng)."""
        return _same_title(title, self.title) and not (
            self.issuer and issuer and _distance(fold(self.issuer), fold(issuer), 3) > 3)   # OCR may damage an issuer


def is_person_name(text: str | None) -> bool:
    """Whether a certificate's CN or a printed name is a person's ("Trịnh Tuấn Thành"), not an office's:
    2–5 capitalised words, the first a surname (rules/signers.yaml `person_surnames`).

    >>> is_person_name("Trịnh Tuấn Thành"), is_person_name("Sở Y tế"), is_person_name("VĂN PHÒNG CHÍNH PHỦ")
    (True, False, False)
    >>> is_person_name("Văn Phòng Chính Phủ"), is_person_name("Bộ Công An"), is_person_name("Nguyễn Văn Thành")
    (False, False, True)
    """
    if not text or not _NAME.match(text.strip(), timeout=_T):
        return False
    return fold(text.split()[0]) in {fold(s) for s in load("signers")["person_surnames"]}


def _distance(a: str, b: str, bound: int) -> int:
    """Levenshtein distance of two short strings, or bound + 1 once it is over the bound."""
    if abs(len(a) - len(b)) > bound:
        return bound + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > bound:
            return bound + 1
        previous = current
    return previous[-1]


def _gains_marks_only(read: str, known: str) -> bool:
    """Every word OCR read either as the registry writes it or without any mark ("Nguyen" for Nguyễn)."""
    return all(r == k or (r.lower() == fold(r) and fold(r) == fold(k)) for r, k in zip(read.split(), known.split()))


def _same_title(a: str | None, b: str | None) -> bool:
    return bool(a and b) and fold(a).strip() == fold(b).strip()


def _disagree(a: str | None, b: str | None) -> bool:
    return bool(a and b) and not _same_title(a, b)


@lru_cache(maxsize=1)
def officeholders() -> Registry:
    """The registry of rules/signers.yaml alone (what extraction uses when the pipeline passes none)."""
    return Registry.from_rules()


@dataclass(frozen=True, slots=True)
class Registry:
    names: tuple[Known, ...] = ()

    @classmethod
    def from_rules(cls, extra: Iterable[tuple[str, str | None, str | None]] = ()) -> Registry:
        """The officeholders of rules/signers.yaml, plus (name, title, issuer) seen elsewhere (the database)."""
        seen = [(o["name"], o.get("title"), None) for o in load("signers")["officeholders"]] + list(extra)
        return cls(tuple(dict.fromkeys(Known(n.strip(), t, i) for n, t, i in seen if is_person_name(n))))

    def restore(self, read: str, title: str | None, issuer: str | None = None) -> str | None:
        """The registry's spelling of the name OCR read as `read` (whole or its tail), or None.

        >>> known = Registry.from_rules()
        >>> known.restore("hị Thanh Trà", "Phó Thủ tướng"), known.restore("hị Thanh Trà", None)
        ('Phạm Thị Thanh Trà', None)
        >>> known.restore("Lương Tâm Quang", "Bộ trưởng"), known.restore("Lương Tâm Quang", None)
        ('Lương Tam Quang', None)
        """
        read = regex.sub(r"\s+", " ", read).strip()
        words = read.split()
        if len(words) < 2:
            return None
        if read[0].islower():
            return self._tail(read, title, issuer)
        if any(k.name == read for k in self.names):
            return read
        fits = {k.name for k in self.names if len(k.name.split()) == len(words) and not _disagree(k.title, title)
                and _distance(fold(read), fold(k.name), 1) <= 1
                and (_gains_marks_only(read, k.name) or any(x.agrees(title, issuer)
                                                          for x in self.names if x.name == k.name))}
        return fits.pop() if len(fits) == 1 else None

    def _tail(self, read: str, title: str | None, issuer: str | None) -> str | None:
        """A name whose last words are `read`'s, the first of them cut ("ức" of Đức), the titles agreeing."""
        first, rest = fold(read).split(" ", 1)
        if len(regex.sub(r"[^a-z]", "", fold(read))) < 5 or not title:
            return None
        fits = set()
        for k in self.names:
            if not k.agrees(title, issuer):
                continue
            known = fold(k.name).split()
            cut = len(known) - len(rest.split()) - 1
            if cut >= 0 and " ".join(known[cut + 1:]) == rest and known[cut].endswith(first) and known[cut] != first:
                fits.add(k.name)
        return fits.pop() if len(fits) == 1 else None
