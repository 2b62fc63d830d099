"""Vietnamese text at the boundary: NFC, extractor artefacts, and diacritic folding.

Every string that enters congvan goes through `clean()`; search and fuzzy matching
compare `fold()`ed strings. Folding keeps the length of NFC Vietnamese text, so an
offset found in the folded text is the same offset in the original.
"""
from __future__ import annotations

import unicodedata

# pypdfium2 writes U+FFFE where a word was hyphenated at a line end ("QĐ-" / "UBND").
_ARTEFACTS = {"\ufffe": "-", "\u00ad": "", "\r\n": "\n", "\r": "\n", "\u00a0": " ", "\x00": "",
              "\u2044": "/", "\u2215": "/"}   # OCR reads the slash of a date as a fraction slash


def nfc(text: str) -> str:
    """Compose combining marks: 'Nội vụ' typed as 'Nô\u0323i vu\u0323' becomes the usual code points.

    >>> len(nfc("vu\u0323")), nfc("vu\u0323") == "vụ"
    (2, True)
    """
    return unicodedata.normalize("NFC", text)


def clean(text: str) -> str:
    r"""NFC plus the repair of extractor artefacts (line-break hyphen U+FFFE, CRLF, NBSP).

    >>> clean("2450/QĐ\ufffeUBND\r\nngày")
    '2450/QĐ-UBND\nngày'
    """
    for bad, good in _ARTEFACTS.items():
        if bad in text:
            text = text.replace(bad, good)
    return nfc(text)


def _fold_char(c: str) -> str:
    if c in "đĐ":
        return "d"
    base = unicodedata.normalize("NFD", c)[0]
    folded = base.lower()
    return folded if len(folded) == 1 else c.lower() if len(c.lower()) == 1 else c


# Latin letters with marks (Latin-1, Extended-A/B, Extended Additional: all of Vietnamese) and ASCII capitals
_FOLD_TABLE = {cp: _fold_char(chr(cp)) for r in (range(0x41, 0x5B), range(0xC0, 0x250), range(0x1E00, 0x1F00))
               for cp in r}


def _mark_free(cp: int) -> str:
    c = chr(cp)
    if c in "đĐ":
        return "d" if c == "đ" else "D"
    base = unicodedata.normalize("NFD", c)[0]
    return base if len(base) == 1 else c


_STRIP_TABLE = {cp: _mark_free(cp) for r in (range(0xC0, 0x250), range(0x1E00, 0x1F00)) for cp in r}


def strip_marks(text: str) -> str:
    """Diacritics removed but case kept ("Đắk Lắk,ngày" → "Dak Lak,ngay"), same length as the input.

    >>> strip_marks("Đắk Lắk, ngày tháng nắm 2021")
    'Dak Lak, ngay thang nam 2021'
    """
    return text.translate(_STRIP_TABLE)


def fold(text: str) -> str:
    """Lower case without diacritics, đ → d, same length as the NFC input.

    >>> fold("Sở Nội vụ tỉnh Đắk Lắk")
    'so noi vu tinh dak lak'
    >>> len(fold("Quyết định")) == len("Quyết định")
    True
    """
    return text.translate(_FOLD_TABLE)
