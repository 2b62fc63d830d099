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
  word with its other neighbour does not count: "hành chính qua" stays, "chính quả" aside);
- a run of capitalised words (a name: "Thái Doãn Thanh") is left alone unless it is a
  registry phrase without some of its marks ("Quang Ngai" → "Quảng Ngãi");
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
"""
from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources

import regex

from congvan.ingest.model import OcrResult
from congvan.rules.build_vi_words import is_syllable

_TONES = {"\u0300": "f", "\u0301": "s", "\u0303": "x", "\u0309": "r", "\u0323": "j"}
_TONE_MARKS = frozenset(_TONES.values())
_SHAPES = {"\u0302": "^", "\u0306": "(", "\u031b": "+"}  # â ê ô / ă / ơ ư
_TOKEN = regex.compile(r"(\s+)")
_CORE = regex.compile(r"^(\W*)(\p{L}+)(\W*)$")


@lru_cache(maxsize=None)
def marks(syllable: str) -> tuple[str, tuple[frozenset[str], ...]]:
    """(letters without marks, the marks of each letter) of a lower-case syllable; đ is d with "-".

    >>> marks("đường")
    ('duong', (frozenset({'-'}), frozenset({'+'}), frozenset({'+', 'f'}), frozenset(), frozenset()))
    """
    letters, found = [], []
    for ch in syllable:
        if ch == "đ":
            letters.append("d")
            found.append(frozenset("-"))
            continue
        parts = unicodedata.normalize("NFD", ch)
        letters.append(parts[0])
        found.append(frozenset(_TONES.get(m) or _SHAPES.get(m, m) for m in parts[1:]))
    return "".join(letters), tuple(found)


@lru_cache(maxsize=1 << 16)
def gains_marks(word: str, candidate: str) -> bool:
    """`candidate` is `word` with marks added and none changed or removed (tone on any letter).

    >>> gains_marks("tô", "tổ"), gains_marks("tỉnh", "tình"), gains_marks("nguyên", "nguyễn"), gains_marks("hoa", "hòa")
    (True, False, True, True)
    """
    base, have = marks(word)
    other, want = marks(candidate)
    if base != other or word == candidate:
        return False
    shapes_ok = all((a - _TONE_MARKS) <= (b - _TONE_MARKS) for a, b in zip(have, want))
    tone = {m for a in have for m in a} & _TONE_MARKS
    tone_ok = not tone or tone == ({m for b in want for m in b} & _TONE_MARKS)
    return shapes_ok and tone_ok


@lru_cache(maxsize=None)
def _tone_key(syllable: str) -> tuple[str, str]:
    """(letters with their shape marks, tone): spellings that differ only in where the tone sits
    ("hoà", "hòa") have the same key."""
    base, found = marks(syllable)
    tone = "".join(m for a in found for m in a if m in _TONES.values())
    shaped = "".join(b + "".join(sorted(a - set(_TONES.values()))) for b, a in zip(base, found))
    return shaped, tone


@dataclass(frozen=True)
class Lexicon:
    syllables: frozenset[str]  # lower case, as written in the sources (both tone placements)
    keys: frozenset[tuple[str, str]]  # `_tone_key` of every syllable
    by_letters: Mapping[str, tuple[str, ...]]  # letters without marks → syllables
    pairs: frozenset[tuple[tuple[str, str], tuple[str, str]]]  # adjacent syllables of a word, as keys
    phrases: Mapping[tuple[str, ...], tuple[str, ...]]  # registry phrase without marks → the phrase
    registry_pairs: frozenset[tuple[tuple[str, str], tuple[str, str]]] = frozenset()  # pairs of registry phrases
    keep: frozenset[str] = frozenset()  # frequent words never changed when read as they are (ocr_lexicon.yaml)
    word_pairs: frozenset[tuple[tuple[str, str], tuple[str, str]]] = frozenset()  # pairs of the word list only
    memo: dict = field(default_factory=dict, compare=False, repr=False)  # word → the forms with more marks

    def gaining(self, word: str) -> tuple[str, ...]:
        """The syllables that are `word` with marks added."""
        found = self.memo.get(word)
        if found is None:
            found = self.memo[word] = tuple(c for c in self.by_letters.get(marks(word)[0], ()) if gains_marks(word, c))
        return found

    def valid(self, syllable: str) -> bool:
        return _tone_key(syllable) in self.keys

    def pair(self, left: str, right: str, registry: bool = False) -> bool:
        return (_tone_key(left), _tone_key(right)) in (self.registry_pairs if registry else self.pairs)


def _registry_phrases() -> list[str]:
    from congvan.rules import load

    phrases = list(load("ocr_lexicon").get("phrases", []))
    phrases += load("places").get("provinces", [])
    phrases += load("header").get("positions", [])
    phrases += [t["name"] for t in load("doc_types").get("types", [])]
    for unit in load("units").get("units", []):
        phrases += [unit["name"], *unit.get("aliases", [])]
    return [p for p in phrases if isinstance(p, str)]


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The syllables and pairs of `rules/vi_words.txt` and of the registries, read once."""
    from congvan.rules import load

    text = resources.files("congvan.rules").joinpath("vi_words.txt").read_text(encoding="utf-8")
    words = [line.split() for line in text.splitlines() if line and not line.startswith("#")]
    registry = _registry_phrases()
    registry_words = [[s.lower() for s in regex.findall(r"\p{L}+", phrase, timeout=1)] for phrase in registry]
    registry_words = [w for w in registry_words if w and all(is_syllable(s) for s in w)]  # not "ĐT" of "GD&ĐT"

    def pairs_of(lists: list[list[str]]) -> frozenset:
        return frozenset((_tone_key(a), _tone_key(b)) for a, b in {p for w in lists for p in zip(w, w[1:])})

    word_pairs, registry_pairs = pairs_of(words), pairs_of(registry_words)
    syllables = {s for w in words + registry_words for s in w}
    syllables = {s for s in syllables if s.islower() and (len(s) > 1 or s in "aàáảãạăâeèéêiìíỉĩịoòóỏõọôơuùúủũụưyỳýỷỹỵ")}
    by_letters: dict[str, list[str]] = {}
    for s in sorted(syllables):
        by_letters.setdefault(marks(s)[0], []).append(s)
    phrases: dict[tuple[str, ...], tuple[str, ...] | None] = {}
    for phrase in registry:
        parts = tuple(regex.findall(r"\p{L}+", phrase, timeout=1))
        if len(parts) >= 2:
            key = tuple(marks(p.lower())[0] for p in parts)
            phrases[key] = parts if phrases.get(key, parts) == parts else None  # two phrases: ambiguous
    return Lexicon(frozenset(syllables), frozenset(_tone_key(s) for s in syllables),
                   {k: tuple(v) for k, v in by_letters.items()}, word_pairs | registry_pairs,
                   {k: v for k, v in phrases.items() if v is not None}, registry_pairs,
                   frozenset(load("ocr_lexicon").get("keep", [])), word_pairs)


def _cased(word: str, like: str) -> str:
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

    @property
    def lower(self) -> str:
        return self.core.lower()


def correct_text(text: str, confident: frozenset[str] = frozenset(), lex: Lexicon | None = None) -> str:
    """`text` with its OCR words corrected (see the module); `confident`: words tesseract was sure of."""
    lex = lex or lexicon()
    pieces = _TOKEN.split(unicodedata.normalize("NFC", text))
    tokens: list[_Token | None] = []
    for piece in pieces[::2]:
        found = _CORE.match(piece, timeout=1)
        tokens.append(_Token(found[1], found[2], found[3], _case(found[2]), piece in confident) if found else None)
    _registry_runs(tokens, lex)
    names = _name_runs(tokens)
    for _ in range(2):  # a second pass sees the neighbours the first one corrected
        for i, token in enumerate(tokens):
            if token is None or i in names or token.case == "mixed" or len(token.core) < 2:
                continue
            left = _neighbour(tokens, i - 1, token.prefix)
            right = _neighbour(tokens, i + 1, token.suffix, after=True)
            if lex.valid(token.lower):  # a neighbour that makes a word with its other neighbour is taken
                far_left = _neighbour(tokens, i - 2, tokens[i - 1].prefix) if left else None
                far_right = _neighbour(tokens, i + 2, tokens[i + 1].suffix, after=True) if right else None
                left = None if left and far_left and _taken(far_left, left, lex) else left
                right = None if right and far_right and _taken(right, far_right, lex) else right
            better = _better(token, left, right, lex)
            if better:
                token.core = _cased(better, token.core)
    out = list(pieces)
    for n, token in enumerate(tokens):
        if token is not None:
            out[2 * n] = token.prefix + token.core + token.suffix
    return "".join(out)


def _taken(a: str, b: str, lex: Lexicon) -> bool:
    """`a b` is a word of the word list (a phrase of a registry binds nothing: "hòa xã" of the motto)."""
    return (_tone_key(a), _tone_key(b)) in lex.word_pairs


def _neighbour(tokens: list, index: int, between: str, after: bool = False) -> str | None:
    """The lower-case neighbour word, when no punctuation stands between (a pair is inside a phrase)."""
    if between or not 0 <= index < len(tokens) or tokens[index] is None:
        return None
    token = tokens[index]
    if (token.prefix if after else token.suffix):
        return None
    return token.lower


def _forms(word: str | None, lex: Lexicon) -> tuple[str, ...]:
    """A neighbour as it is and with the marks it may gain (it may be corrected itself)."""
    if word is None:
        return ()
    return (word, *lex.gaining(word))


def _better(token: _Token, left: str | None, right: str | None, lex: Lexicon) -> str | None:
    word = token.lower
    supported = [n for n in (left, right) if n]
    lefts, rights = _forms(left, lex), _forms(right, lex)

    def paired(candidate: str, registry: bool = False) -> bool:
        return (any(lex.pair(n, candidate, registry) for n in lefts)
                or any(lex.pair(candidate, n, registry) for n in rights))

    def pick(options: list[str]) -> str | None:  # a pair of a registry phrase decides first
        return _one([c for c in options if paired(c, True)]) or _one([c for c in options if paired(c)])

    if lex.valid(word):
        if token.confident or not supported or word in lex.keep or paired(word):
            return None
        return pick([c for c in lex.gaining(word)])
    options = list(lex.gaining(word))
    if len(_distinct(options)) == 1:
        return options[0]
    return pick(options)


def _distinct(options: Sequence[str]) -> set[tuple[str, str]]:
    return {_tone_key(c) for c in options}


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
            return bool(found[-2] & set(_TONES.values())) or not (found[-1] & set(_TONES.values()))
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
    longest = max((len(k) for k in lex.phrases), default=0)
    firsts = {k[0] for k in lex.phrases}
    letters = [marks(t.lower)[0] if t is not None else None for t in tokens]
    i = 0
    while i < len(tokens):
        done = False
        for size in range(min(longest, len(tokens) - i), 1, -1) if letters[i] in firsts else ():
            window = tokens[i:i + size]
            if any(t is None for t in window) or any(t.suffix for t in window[:-1]) or any(t.prefix for t in window[1:]):
                continue
            phrase = lex.phrases.get(tuple(letters[i:i + size]))
            if phrase is None:
                continue
            if all(t.lower == p.lower() or gains_marks(t.lower, p.lower()) for t, p in zip(window, phrase)):
                for t, p in zip(window, phrase):
                    t.core = _cased(p.lower(), t.core) if t.case in ("upper", "lower", "title") else p
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
    changes = _changes(result.text, text)
    words = tuple(replace(w, text=changes.get(w.text, w.text)) for w in result.words)
    tables = tuple(tuple(tuple(correct_text(c, confident, lex) if c else c for c in row) for row in table)
                   for table in result.tables)
    return replace(result, text=text, words=words, tables=tables, raw_text=result.text)


def _changes(before: str, after: str) -> dict[str, str]:
    """Word → corrected word, for the words corrected the same way wherever they stand."""
    seen: dict[str, set[str]] = {}
    for a, b in zip(before.split(), after.split()):
        seen.setdefault(a, set()).add(b)
    return {a: next(iter(b)) for a, b in seen.items() if len(b) == 1 and a not in b}
