"""The lexicon of Vietnamese post-correction (`ingest.correct`): the syllables and syllable pairs of
the word list (`rules/vi_words.txt`), of the registries (places, units, doc_types, header
positions, the phrases of `ocr_lexicon.yaml`) and of running text (`rules/vi_counts.txt`), read once;
and the marks of a syllable, split from its letters.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources

import regex

from congvan.rules.build_vi_words import is_syllable

TONES = {"\u0300": "f", "\u0301": "s", "\u0303": "x", "\u0309": "r", "\u0323": "j"}
_TONE_MARKS = frozenset(TONES.values())
_SHAPES = {"\u0302": "^", "\u0306": "(", "\u031b": "+"}  # â ê ô / ă / ơ ư


@lru_cache(maxsize=None)
def marks(syllable: str) -> tuple[str, tuple[frozenset[str], ...]]:
    """(letters without marks, the marks of each letter) of a lower-case syllable; đ is d with "-".

    >>> letters, found = marks("đường")
    >>> letters, [sorted(m) for m in found]
    ('duong', [['-'], ['+'], ['+', 'f'], [], []])
    """
    letters, found = [], []
    for ch in syllable:
        if ch == "đ":
            letters.append("d")
            found.append(frozenset("-"))
            continue
        parts = unicodedata.normalize("NFD", ch)
        letters.append(parts[0])
        found.append(frozenset(TONES.get(m) or _SHAPES.get(m, m) for m in parts[1:]))
    return "".join(letters), tuple(found)


@lru_cache(maxsize=1 << 16)
def gains_marks(word: str, candidate: str) -> bool:
    """`candidate` is `word` with marks added and none changed or removed (tone on any letter).

    >>> gains_marks("tô", "tổ"), gains_marks("tỉnh", "tình"), gains_marks("nguyên", "nguyễn"), gains_marks("hoa", "hòa")
    (True, False, True, True)
    """
    base, shapes, tone = _shapes_and_tone(word)
    other, want, want_tone = _shapes_and_tone(candidate)
    if base != other or word == candidate:
        return False
    return all(a <= b for a, b in zip(shapes, want)) and (not tone or tone == want_tone)


@lru_cache(maxsize=1 << 14)
def _shapes_and_tone(syllable: str) -> tuple[str, tuple[frozenset[str], ...], frozenset[str]]:
    """(letters, the shape marks of each letter, the tone marks of the syllable) of `marks(syllable)`."""
    base, found = marks(syllable)
    return base, tuple(a - _TONE_MARKS for a in found), frozenset(m for a in found for m in a) & _TONE_MARKS


@lru_cache(maxsize=None)
def tone_key(syllable: str) -> tuple[str, str]:
    """(letters with their shape marks, tone): spellings that differ only in where the tone sits
    ("hoà", "hòa") have the same key."""
    base, found = marks(syllable)
    tone = "".join(m for a in found for m in a if m in TONES.values())
    shaped = "".join(b + "".join(sorted(a - set(TONES.values()))) for b, a in zip(base, found))
    return shaped, tone


@dataclass(frozen=True)
class Lexicon:
    syllables: frozenset[str]  # lower case, as written in the sources (both tone placements)
    keys: frozenset[tuple[str, str]]  # `tone_key` of every syllable
    by_letters: Mapping[str, tuple[str, ...]]  # letters without marks → syllables
    pairs: frozenset[tuple[tuple[str, str], tuple[str, str]]]  # adjacent syllables of a word, as keys
    phrases: Mapping[tuple[str, ...], tuple[str, ...]]  # registry phrase without marks → the phrase
    registry_pairs: frozenset[tuple[tuple[str, str], tuple[str, str]]] = frozenset()  # pairs of registry phrases
    keep: frozenset[str] = frozenset()  # frequent words never changed when read as they are (ocr_lexicon.yaml)
    word_pairs: frozenset[tuple[tuple[str, str], tuple[str, str]]] = frozenset()  # pairs of the word list only
    counts: Mapping[tuple[str, str], int] = field(default_factory=dict)  # how often a syllable (key) occurs in running text
    text_pairs: Mapping[tuple[tuple[str, str], tuple[str, str]], int] = field(default_factory=dict)  # adjacent syllables of running text, how often
    memo: dict = field(default_factory=dict, compare=False, repr=False)  # word → the forms with more marks
    triples: frozenset[tuple[tuple[str, str], ...]] = frozenset()  # three adjacent syllables of a word of the list

    def gaining(self, word: str, *, shared: bool = False) -> tuple[str, ...]:
        """The syllables that are `word` with marks added. `shared`: worked out for processes forked
        later (`fill_forms`), without going through `gains_marks`' cache."""
        found = self.memo.get(word)
        if found is None:
            gains = gains_marks.__wrapped__ if shared else gains_marks
            found = self.memo[word] = tuple(c for c in self.by_letters.get(marks(word)[0], ()) if gains(word, c))
        return found

    @cached_property
    def phrase_shape(self) -> tuple[int, frozenset[str]]:
        """The most words a registry phrase has, and the letters its phrases start with."""
        return max((len(k) for k in self.phrases), default=0), frozenset(k[0] for k in self.phrases)

    def valid(self, syllable: str) -> bool:
        return tone_key(syllable) in self.keys

    def count(self, syllable: str) -> int:
        return self.counts.get(tone_key(syllable), 0)

    def pair(self, left: str, right: str, registry: bool = False) -> bool:
        return (tone_key(left), tone_key(right)) in (self.registry_pairs if registry else self.pairs)

    def triple(self, first: str, second: str, third: str) -> bool:
        """The three syllables stand together in a word of the list ("nghệ thông tin" of "công nghệ thông tin")."""
        return (tone_key(first), tone_key(second), tone_key(third)) in self.triples


def fill_forms(lex: Lexicon, seen: int = 3) -> None:
    """Works out ahead (`Lexicon.gaining`) the forms with more marks of the syllables running text uses
    at least `seen` times: ~1,100 syllables in ~20 ms, 85 % of the distinct words post-correction
    looks up on the 22 corpus scan pages. `ingest.reader` calls it before OCR workers fork, each of
    which would otherwise work them out again (~0.08 CPU-s for those 22 pages, 8 workers).

    `gains_marks` uncached here: a cache filled here is shared with the workers, and every hit on it
    moves an entry, a write to shared memory (measured: ~9,000 more page faults and ~0.05 CPU-s more
    in the reading process, whose document agreement asks gains_marks too)."""
    for syllable in lex.syllables:
        if lex.count(syllable) >= seen:
            lex.gaining(syllable, shared=True)


def _registry_phrases() -> list[str]:
    from congvan.rules import load

    phrases = list(load("ocr_lexicon").get("phrases", [])) + list(load("ocr_lexicon").get("terms", []))
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
        return frozenset((tone_key(a), tone_key(b)) for a, b in {p for w in lists for p in zip(w, w[1:])})

    word_pairs, registry_pairs = pairs_of(words), pairs_of(registry_words)
    syllables = {s for w in words + registry_words for s in w}
    syllables = {s for s in syllables if s.islower() and (len(s) > 1 or s in "aàáảãạăâeèéêiìíỉĩịoòóỏõọôơuùúủũụưyỳýỷỹỵ")}
    by_letters: dict[str, list[str]] = {}
    for s in sorted(syllables):
        by_letters.setdefault(marks(s)[0], []).append(s)
        _shapes_and_tone(s)   # split here, once: OCR workers forked after this find it done (~40 ms)
    phrases: dict[tuple[str, ...], tuple[str, ...] | None] = {}
    for phrase in registry:
        parts = tuple(regex.findall(r"\p{L}+", phrase, timeout=1))
        if len(parts) >= 2:
            key = tuple(marks(p.lower())[0] for p in parts)
            phrases[key] = parts if phrases.get(key, parts) == parts else None  # two phrases: ambiguous
    return Lexicon(frozenset(syllables), frozenset(tone_key(s) for s in syllables),
                   {k: tuple(v) for k, v in by_letters.items()}, word_pairs | registry_pairs,
                   {k: v for k, v in phrases.items() if v is not None}, registry_pairs,
                   frozenset(load("ocr_lexicon").get("keep", [])), word_pairs, *_counts(),
                   triples=frozenset(tuple(tone_key(s) for s in w[i:i + 3]) for w in words for i in range(len(w) - 2)))


def _counts() -> tuple[dict[tuple[str, str], int], dict]:
    """(syllable → how often it occurs, the pairs of adjacent syllables) of `rules/vi_counts.txt`'s running text."""
    text = resources.files("congvan.rules").joinpath("vi_counts.txt").read_text(encoding="utf-8")
    counts: dict[tuple[str, str], int] = {}
    pairs: dict = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        words, n = line.split("\t")
        if " " in words:
            a, b = words.split(" ")
            pairs[tone_key(a), tone_key(b)] = pairs.get((tone_key(a), tone_key(b)), 0) + int(n)
        else:
            counts[tone_key(words)] = counts.get(tone_key(words), 0) + int(n)
    return counts, pairs
