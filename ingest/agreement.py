"""The document's own majority reading (đa số trong văn bản): a word OCR read with other marks than
the same word gets beside the same neighbour elsewhere in the document takes those marks.

The document is the best dictionary of itself. Real scans (dev-real-scans):
- "V/v chính sách thuê TNDN" in 2191/CT-CS, whose body says "thuế TNDN" again and again;
- "Chế độ … cấp bậc quân hầm" in 46/VBHN-BQP, whose body says "quân hàm" throughout.
"thuê" and "hầm" are syllables, so the page's post-correction (`ingest.correct`, one page and
the word lists) has no reason to touch them.

Guards, each a way this could go wrong:
- only words of OCR'd pages change; every page, text layer included, is evidence;
- the word and its variant are syllables with the same letters (only marks differ);
- the variant stands beside the same neighbour (nothing but spaces between) at least
  `MIN_SEEN` times and `RATIO` times as often as the word as read does;
- one variant only qualifies, from either neighbour;
- the variant has more marks than the word as read ("thuê" → "thuế"), or makes a word of the
  word list or a registry with the neighbour ("đụng" → "dụng" beside "sử"), or the neighbour
  is no syllable ("thuế TNDN"): an OCR misreading repeated on every page ("Tô Pháp chế" for
  "Tổ Pháp chế") is no evidence;
- the word as read makes a word with the neighbour ("tổng cộng" beside many "Tổng công ty")
  or with its other neighbour ("tiền thuê đất" in a letter that says "thuế đất" often): it stays;
- the frequent words of `rules/ocr_lexicon.yaml` `keep:` ("có", "do", "thì", "từ") stay: "có
  quan hệ" is not "cơ quan hệ";
- a lower-case word before a capitalised one stays ("bản đồ cơ bản do Ủy ban").
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

import regex

from congvan.ingest.correct import cased, changed_words
from congvan.ingest.lexicon import Lexicon, gains_marks, lexicon, marks, tone_key
from congvan.ingest.model import Page

MIN_SEEN = 3
RATIO = 3
PASSES = 3   # the second pass mended 8 more lines of the real scans, all rightly ("BỌ" → "BỘ CÔNG AN")
_WORD = regex.compile(r"\p{L}+")


def agree(pages: Sequence[Page], lex: Lexicon | None = None) -> list[Page]:
    """`pages` with the words of OCR'd pages that the rest of the document reads otherwise corrected.

    >>> body = Page(2, "ưu đãi thuế TNDN\\nLuật Thuế TNDN 2008\\nmiễn thuế TNDN 4 năm; tiền thuê đất", "text")
    >>> subject = Page(1, "V/v chính sách thuê TNDN\\ntiền thuê đất", "ocr")
    >>> agree([subject, body])[0].text
    'V/v chính sách thuế TNDN\\ntiền thuê đất'
    """
    if not any(p.source == "ocr" for p in pages):
        return list(pages)
    lex = lex or lexicon()
    done = list(pages)
    for _ in range(PASSES):   # a word mended beside one neighbour is evidence beside the other
        again = _agree_once(done, lex)
        if again == done:
            break
        done = again
    return done


def _agree_once(pages: list[Page], lex: Lexicon) -> list[Page]:
    seen = Counter(pair for page in pages for line in _lines(page) for pair in _pairs(line))
    out = []
    for page in pages:
        if page.source != "ocr":
            out.append(page)
            continue
        text = "\n".join(_agreed(line, seen, lex) for line in page.text.split("\n"))
        if text == page.text:
            out.append(page)
            continue
        changes = changed_words(page.text, text)
        words = tuple(replace(w, text=changes.get(w.text, w.text)) for w in page.words)
        tables = tuple(tuple(tuple(_agreed(c, seen, lex) if c else c for c in row) for row in table)
                       for table in page.tables)
        out.append(replace(page, text=text, words=words, tables=tables))
    return out


def _lines(page: Page) -> list[str]:
    return page.text.split("\n") if page.text else []


def _tokens(line: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m[0]) for m in _WORD.finditer(line, timeout=1)]


def _pairs(line: str):
    """Adjacent words of a line (nothing but spaces between), lower case."""
    tokens = _tokens(line)
    for (_, end, a), (start, _, b) in zip(tokens, tokens[1:]):
        if not line[end:start].strip():
            yield a.lower(), b.lower()


def _agreed(line: str, seen: Counter, lex: Lexicon) -> str:
    tokens = _tokens(line)
    if len(tokens) < 2:
        return line
    joined = [i > 0 and not line[tokens[i - 1][1]:tokens[i][0]].strip() for i in range(len(tokens))]
    out, last = [], 0
    for i, (start, end, word) in enumerate(tokens):
        after = tokens[i + 1][2] if i + 1 < len(tokens) and joined[i + 1] else None
        if word.islower() and after and after.istitle():
            continue   # before a name ("cơ bản do Ủy ban", not "bản đồ Ủy ban"): as read
        left = tokens[i - 1][2].lower() if joined[i] else None
        right = after.lower() if after else None
        better = _variant(word.lower(), left, right, seen, lex)
        if better:
            out += [line[last:start], cased(better, word)]
            last = end
    return "".join(out) + line[last:] if out else line


def _variant(word: str, left: str | None, right: str | None, seen: Counter, lex: Lexicon) -> str | None:
    """The one form of `word` (lower case) the document reads beside `left` or `right`, or None."""
    if (left is None and right is None) or len(word) < 2 or not lex.valid(word) or word in lex.keep:
        return None
    others = None   # the syllables of the same letters, looked up when a neighbour needs them
    found = set()
    for neighbour, other_side, neighbour_first in ((left, right, True), (right, left, False)):
        if neighbour is None:
            continue
        if _known(neighbour, word, neighbour_first, lex.pairs):
            continue   # read as it is, it makes a word with this neighbour ("tổng cộng" beside "Tổng công ty")
        as_read = seen[_pair(neighbour, word, neighbour_first)]
        if others is None:
            others = [c for c in lex.by_letters.get(marks(word)[0], ()) if c != word and tone_key(c) != tone_key(word)]
        for other in others:
            n = seen[_pair(neighbour, other, neighbour_first)]
            if n >= MIN_SEEN and n >= RATIO * as_read and (gains_marks(word, other) or not lex.valid(neighbour)
                                                          or _known(neighbour, other, neighbour_first, lex.pairs)):
                if other_side is not None and _known(other_side, word, not neighbour_first, lex.word_pairs):
                    return None   # read as it is, it makes a word with its other neighbour
                found.add(other)
    return found.pop() if len(found) == 1 else None


def _pair(neighbour: str, word: str, neighbour_first: bool) -> tuple[str, str]:
    return (neighbour, word) if neighbour_first else (word, neighbour)


def _known(neighbour: str, word: str, neighbour_first: bool, pairs: frozenset) -> bool:
    """The two make a word of `pairs` (the word list's, or with the registries' phrases)."""
    first, second = _pair(neighbour, word, neighbour_first)
    return (tone_key(first), tone_key(second)) in pairs
