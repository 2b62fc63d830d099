"""Vietnamese post-correction of OCR text: words that are no Vietnamese syllable, or whose
neighbours show a mark was lost, become the one valid syllable the evidence allows.

Vietnamese syllables are a closed set (`rules/vi_words.txt`, ~7,000 syllables in ~31,000
words, from pyvi's word list) and so are the pairs of syllables that make words ("tổ
chức", "chủ nghĩa"). The registries add their own (`rules/places.yaml`, `units.yaml`,
`doc_types.yaml`, `header.yaml`, the motto and header phrases of `ocr_lexicon.yaml`).

A word is changed only where that is unambiguous:
- a word that is no syllable ("chuân", "nghia", "họi") becomes the single syllable that
  has its letters and more marks, or, when several do, the single one of them that makes a
  known pair with a neighbour;
- a valid syllable may only gain marks, never change them ("tô chức" → "tổ chức"; "tỉnh"
  never becomes "tình", "Nguyễn" never "Nguyên"), and only when it makes no known pair
  with either neighbour and exactly one of its marked forms does (a neighbour that makes a
  word with its other neighbour does not count: "hành chính qua" stays, "chính quả" aside;
  unless the three stand in one word: "nghệ" takes "thông" from "công nghệ thông tin", not from "tin");
- a run of capitalised words (a name: "Thái Doãn Thanh") is left alone unless it is a
  registry phrase without some of its marks ("Quang Ngai" → "Quảng Ngãi");
- the word before a comma is the last evidence ("phòng, chông" → "phòng, chống": a compound
  written as two coordinated verbs), unless it makes a word with the word before it;
- a word that is no syllable and can gain no mark ("chỗng") may change its tone, where a
  pair decides;
- a valid syllable that running text all but never uses (`rules/vi_counts.txt`, from
  underthesea's VLSP 2013 sentences: "ve", "vê", "sô") becomes its one form with more marks
  that running text puts beside a neighbour at least PAIRED times ("phạm về", "định số");
  "thuê", "thẻ", "hưu" stay, having no such pair;
- a valid syllable that makes no pair as read, in the word list or in running text, may
  change its tone to the one form that makes a word with a free neighbour which running
  text also sees PAIRED times ("hồ trợ" → "hỗ trợ", "bỗ sung" → "bổ sung"; "cả nước" stays),
  never before a capitalised word ("có tỉnh Điện Biên" stays);
- a word tesseract was sure of (`confident`), or one of the frequent words of
  `ocr_lexicon.yaml` `keep:` ("có", "của", "hai": "có ý kiến" is not "cố ý"), is kept
  when it is a valid syllable.

Case is kept (CHU → CHỦ, Chu → Chủ). The raw text stays beside the corrected one
(`OcrResult.raw_text`).

>>> correct_text("CỘNG HÒA XÃ HỌI CHU NGHIA VIỆT NAM")
'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM'
>>> correct_text("Sở Công Thương tỉnh Quang Ngai tô chức")
'Sở Công Thương tỉnh Quảng Ngãi tổ chức'
>>> correct_text("ông Nguyên Văn Tình, tỉnh Bình Định")
'ông Nguyên Văn Tình, tỉnh Bình Định'
>>> correct_text("ngành công nghệ thông tin\\nviên thông")   # was "thông tín" (of "thông tín viên")
'ngành công nghệ thông tin\\nviễn thông'
"""
from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import regex

from congvan.ingest.lexicon import TONES, Lexicon, gains_marks, lexicon, marks, tone_key  # noqa: F401 (gains_marks, lexicon re-exported)
from congvan.ingest.model import OcrResult

_TOKEN = regex.compile(r"(\s+)")
# each whitespace-free piece of a text that is letters between punctuation, `^(\W*)(\p{L}+)(\W*)$`, found in
# one search of the whole text (one call: a regex call with a timeout costs ~7 µs, a text has hundreds of pieces)
_CORES = regex.compile(r"(?<!\S)([^\w\s]*)(\p{L}+)([^\w\s]*)(?!\S)")


def cased(word: str, like: str) -> str:
    if like.isupper() and len(like) > 1:
        return word.upper()
    if like[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def _case(core: str) -> str:
    """"lower", "title", "upper" or "mixed"."""
    if core.islower():
        return "lower"
    if core.isupper():
        return "upper" if len(core) > 1 else "title"
    return "title" if core[:1].isupper() and core[1:].islower() else "mixed"


@dataclass
class _Token:
    prefix: str
    core: str
    suffix: str
    case: str
    confident: bool
    before_name: bool = False   # lower case before a capitalised word: "tỉnh Điện Biên", a level word before a name

    @property
    def lower(self) -> str:
        return self.core.lower()


def correct_text(text: str, confident: frozenset[str] = frozenset(), lex: Lexicon | None = None) -> str:
    """`text` with its OCR words corrected (see the module); `confident`: words tesseract was sure of."""
    lex = lex or lexicon()
    text = letters_for_lookalikes(unicodedata.normalize("NFC", text))
    pieces = _TOKEN.split(text, timeout=1)
    cores = {m.start(): m for m in _CORES.finditer(text, timeout=1)}   # by where their piece starts
    tokens: list[_Token | None] = []
    start = 0
    for n, piece in enumerate(pieces):
        found = cores.get(start) if n % 2 == 0 and piece else None
        if n % 2 == 0:
            tokens.append(_Token(found[1], found[2], found[3], _case(found[2]), piece in confident) if found else None)
        start += len(piece)
    _registry_runs(tokens, lex)
    names = _name_runs(tokens)
    changed: set[int] | None = None   # the words the first pass changed
    for _ in range(2):  # a second pass sees the neighbours the first one corrected
        first, changed = changed, set()
        for i, token in enumerate(tokens):
            if token is None or i in names or token.case == "mixed" or len(token.core) < 2:
                continue
            if first is not None and first.isdisjoint(range(i - 2, i + 3)) and changed.isdisjoint(range(i - 2, i)):
                continue   # what it depends on (itself, two words either side) is as in the first pass: so is the answer
            left = _neighbour(tokens, i - 1, token.prefix)
            right = _neighbour(tokens, i + 1, token.suffix, after=True)
            beside = (left, right)   # as read, taken or not: running text pairs words too ("phạm về")
            if lex.valid(token.lower):  # a neighbour that makes a word with its other neighbour is taken
                far_left = _neighbour(tokens, i - 2, tokens[i - 1].prefix) if left else None
                far_right = _neighbour(tokens, i + 2, tokens[i + 1].suffix, after=True) if right else None
                left = None if left and far_left and _taken(far_left, left, lex) \
                    and not lex.triple(far_left, left, token.lower) else left   # "công nghệ thông tin": not taken
                right = None if right and far_right and _taken(right, far_right, lex) \
                    and not lex.triple(token.lower, right, far_right) else right
            comma = _neighbour(tokens, i - 1, token.prefix, comma=True) if i and tokens[i - 1] is not None \
                and tokens[i - 1].suffix == "," else None
            before = _neighbour(tokens, i - 2, tokens[i - 1].prefix) if comma else None
            comma = None if comma and before and _taken(before, comma, lex) else comma   # "cây xanh, hoa": taken
            token.before_name = token.case == "lower" and beside[1] is not None and tokens[i + 1].core[:1].isupper()
            better = _better(token, left, right, lex, comma, beside)
            if better and cased(better, token.core) != token.core:
                token.core = cased(better, token.core)
                changed.add(i)
    out = list(pieces)
    for n, token in enumerate(tokens):
        if token is not None:
            out[2 * n] = token.prefix + token.core + token.suffix
    return "".join(out)


def letters_for_lookalikes(text: str) -> str:
    """Symbols OCR reads for a letter (`rules/ocr_lexicon.yaml` `lookalikes:`) made that letter
    where a letter follows, in that letter's case.

    >>> letters_for_lookalikes("Đầu †ư; †HÔNG BÁO; ghi chú †")
    'Đầu tư; THÔNG BÁO; ghi chú †'
    """
    table, pattern = _lookalikes()
    if pattern is None or not any(symbol in text for symbol in table):
        return text
    return pattern.sub(lambda m: table[m[1]].upper() if m[2].isupper() else table[m[1]], text, timeout=1)


@lru_cache(maxsize=1)
def _lookalikes() -> tuple[dict[str, str], regex.Pattern | None]:
    """The table, and a pattern matching one of its symbols with the letter after it."""
    from congvan.rules import load

    table = {str(k): str(v) for k, v in (load("ocr_lexicon").get("lookalikes") or {}).items()}
    if not table:
        return table, None
    return table, regex.compile("([" + "".join(regex.escape(k) for k in table) + r"])(?=(\p{L}))")


def _taken(a: str, b: str, lex: Lexicon) -> bool:
    """`a b` is a word of the word list (a phrase of a registry binds nothing: "hòa xã" of the motto)."""
    return (tone_key(a), tone_key(b)) in lex.word_pairs


def _neighbour(tokens: list, index: int, between: str, after: bool = False, comma: bool = False) -> str | None:
    """The lower-case neighbour word, when no punctuation stands between (a pair is inside a phrase);
    `comma`: the word before a comma ("phòng, chống": a compound written as two coordinated verbs)."""
    if between or not 0 <= index < len(tokens) or tokens[index] is None:
        return None
    token = tokens[index]
    if (token.prefix if after else token.suffix) != ("," if comma else ""):
        return None
    return token.lower


def _forms(word: str | None, lex: Lexicon) -> tuple[str, ...]:
    """A neighbour as it is and with the marks it may gain (it may be corrected itself)."""
    if word is None:
        return ()
    return (word, *lex.gaining(word))


def _better(token: _Token, left: str | None, right: str | None, lex: Lexicon, comma: str | None = None,
            beside: tuple[str | None, str | None] = (None, None)) -> str | None:
    word = token.lower
    supported = [n for n in (left, right) if n]
    lefts, rights = _forms(left, lex), _forms(right, lex)

    def paired(candidate: str, registry: bool = False) -> bool:
        return (any(lex.pair(n, candidate, registry) for n in lefts)
                or any(lex.pair(candidate, n, registry) for n in rights))

    def pick(options: list[str]) -> str | None:  # a pair of a registry phrase decides first
        return _one([c for c in options if paired(c, True)]) or _one([c for c in options if paired(c)])

    def after_comma(options: list[str]) -> str | None:  # the last evidence: a word with the word before a comma
        return _one([c for c in options if comma and _taken(comma, c, lex)]) if comma and lex.valid(comma) else None

    if lex.valid(word):
        if token.confident or word in lex.keep or paired(word) or (comma and _taken(comma, word, lex)):
            return None
        if not supported:
            return after_comma(list(lex.gaining(word))) or _in_text(word, *beside, lex)
        return (pick(list(lex.gaining(word))) or after_comma(list(lex.gaining(word))) or _in_text(word, *beside, lex)
                or (None if token.before_name else _retoned(word, left, right, beside, lex)))
    options = list(lex.gaining(word))
    if len(_distinct(options)) == 1:
        return options[0]
    if not options:   # no syllable with more marks: the tone misread ("chỗng"), decided by a pair only
        shape = tone_key(word)[0]
        options = [c for c in lex.by_letters.get(marks(word)[0], ()) if tone_key(c)[0] == shape]
    return pick(options) or after_comma(options)


RARE, PAIRED = 1, 3   # measured on dev-real-scans, dev-real and the corpus scans


def _in_text(word: str, left: str | None, right: str | None, lex: Lexicon) -> str | None:
    """A syllable running text all but never uses ("ve": at most RARE times) becomes its one form with more
    marks that running text puts beside a neighbour as read ("phạm ve" → "phạm về")."""
    if lex.count(word) > RARE:
        return None
    return _one([c for c in lex.gaining(word)
                 if (left and lex.text_pairs.get((tone_key(left), tone_key(c)), 0) >= PAIRED)
                 or (right and lex.text_pairs.get((tone_key(c), tone_key(right)), 0) >= PAIRED)])


def _seen(left: str | None, right: str | None, lex: Lexicon) -> bool:
    return bool(left and right) and lex.text_pairs.get((tone_key(left), tone_key(right)), 0) >= PAIRED


def _retoned(word: str, left: str | None, right: str | None, beside: tuple[str | None, str | None],
             lex: Lexicon) -> str | None:
    """A valid syllable that makes no pair with a neighbour as read (`beside`), in the word list or in running
    text, becomes the one syllable of its letters and shape marks with another tone that makes a word with a
    free neighbour (`left`, `right`: one not taken by its other side), a pair running text sees PAIRED times
    too ("hồ trợ" → "hỗ trợ"; "cả nước" stays, running text has it; "Tư pháp nhận" stays, pháp is taken)."""
    if _seen(beside[0], word, lex) or _seen(word, beside[1], lex):
        return None
    shape = tone_key(word)[0]
    return _one([c for c in lex.by_letters.get(marks(word)[0], ()) if tone_key(c)[0] == shape
                 and tone_key(c) != tone_key(word)
                 and (bool(left) and _taken(left, c, lex) and _seen(left, c, lex)
                      or bool(right) and _taken(c, right, lex) and _seen(c, right, lex))])


def _distinct(options: Sequence[str]) -> set[tuple[str, str]]:
    return {tone_key(c) for c in options}


def _one(options: Sequence[str]) -> str | None:
    """The single candidate (spellings differing only in where the tone sits count as one)."""
    if len(_distinct(options)) != 1:
        return None
    return sorted(options, key=lambda c: (not _old_style(c), c))[0]


def _old_style(syllable: str) -> bool:
    """The tone on the first vowel of an open "oa", "oe", "uy" ("hòa", "thủy"), as official documents write."""
    base, found = marks(syllable)
    for pair in ("oa", "oe", "uy"):
        if base.endswith(pair) and not base.endswith("q" + pair[0] + pair[1]):
            return bool(found[-2] & set(TONES.values())) or not (found[-1] & set(TONES.values()))
    return True


def _name_runs(tokens: list) -> set[int]:
    """Indexes of the words in runs of two or more capitalised (title-case) words: names."""
    names, run = set(), []
    for i, token in enumerate(tokens + [None]):
        if token is not None and token.case == "title" and not (run and tokens[run[-1]].suffix):
            run.append(i)
            continue
        if len(run) >= 2:
            names.update(run)
        run = [i] if token is not None and token.case == "title" else []
    return names


def _registry_runs(tokens: list, lex: Lexicon) -> None:
    """Runs of words that are a registry phrase without some of its marks take the phrase's marks
    (capitalised runs are changed by this alone)."""
    longest, firsts = lex.phrase_shape
    letters = [marks(t.lower)[0] if t is not None else None for t in tokens]
    i = 0
    while i < len(tokens):
        done = False
        for size in range(min(longest, len(tokens) - i), 1, -1) if letters[i] in firsts else ():
            phrase = lex.phrases.get(tuple(letters[i:i + size]))
            if phrase is None:
                continue
            window = tokens[i:i + size]
            if any(t.suffix for t in window[:-1]) or any(t.prefix for t in window[1:]):
                continue
            if all(t.lower == p.lower() or gains_marks(t.lower, p.lower()) for t, p in zip(window, phrase)):
                for t, p in zip(window, phrase):
                    t.core = cased(p.lower(), t.core) if t.case in ("upper", "lower", "title") else p
                    t.case = "done"
                i, done = i + size, True
                break
        if not done:
            i += 1


def correct_result(result: OcrResult, confident_at: float = 101.0) -> OcrResult:
    """`result` with its text, words and table cells corrected; its raw text kept in `raw_text`.

    A word read with at least `confident_at` confidence is kept when it is a valid syllable.
    """
    if not result.text:
        return replace(result, raw_text=result.text)
    confident = frozenset(w.text for w in result.words if (w.conf or 0) >= confident_at)
    lex = lexicon()
    text = correct_text(result.text, confident, lex)
    changes = changed_words(result.text, text)
    words = tuple(replace(w, text=changes[w.text]) if w.text in changes else w for w in result.words)
    tables = tuple(tuple(tuple(correct_text(c, confident, lex) if c else c for c in row) for row in table)
                   for table in result.tables)
    return replace(result, text=text, words=words, tables=tables, raw_text=result.text)


def changed_words(before: str, after: str) -> dict[str, str]:
    """Word → corrected word, for the words corrected the same way wherever they stand."""
    seen: dict[str, set[str]] = {}
    for a, b in zip(before.split(), after.split()):
        seen.setdefault(a, set()).add(b)
    return {a: next(iter(b)) for a, b in seen.items() if len(b) == 1 and a not in b}
