"""Build `rules/vi_words.txt`, the Vietnamese word list OCR post-correction uses (`ingest.correct`).

Source: `pyvi/models/words.txt` of the PyPI package pyvi 0.1.1 (MIT licence, © 2016
Viet-Trung Tran), a list of ~31,000 Vietnamese words of one to four syllables. Kept: the
words written only with Vietnamese letters, each syllable with at most one tone mark,
lower-cased and NFC, one a line, sorted. Run at build time when the list should change
(nothing is fetched at run time):

    .venv/bin/pip download --no-deps pyvi==0.1.1 -d /tmp/pyvi && unzip -o /tmp/pyvi/pyvi-*.whl -d /tmp/pyvi
    .venv/bin/python -m congvan.rules.build_vi_words /tmp/pyvi/pyvi/models/words.txt
"""
from __future__ import annotations

import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path

import regex

LETTERS = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # huyền, sắc, ngã, hỏi, nặng
HEADER = ("# Vietnamese words (one to four syllables, lower case, NFC), one a line; built by\n"
          "# rules/build_vi_words.py from pyvi 0.1.1 models/words.txt (MIT licence, (c) 2016 Viet-Trung Tran).\n")


def is_syllable(text: str) -> bool:
    """Written with Vietnamese letters only, at most one tone mark, a vowel.

    >>> is_syllable("tỉnh"), is_syllable("apxe"), is_syllable("ngườì"), is_syllable("zô")
    (True, True, False, False)
    """
    decomposed = unicodedata.normalize("NFD", text)
    tones = sum(1 for ch in decomposed if ch in TONES)
    base = "".join(ch for ch in decomposed if ch not in TONES)
    base = unicodedata.normalize("NFC", base)
    return (tones <= 1 and bool(base) and all(ch in LETTERS for ch in base)
            and bool(regex.search("[aăâeêioôơuưy]", base, timeout=1)))


def build(source: Path) -> list[str]:
    words = set()
    for line in source.read_text(encoding="utf-8").splitlines():
        word = " ".join(unicodedata.normalize("NFC", line).lower().split())
        if word and all(is_syllable(s) for s in word.split()):
            words.add(word)
    return sorted(words)


def main(argv: list[str]) -> int:
    return write_list(argv, __doc__, "vi_words.txt", HEADER, build, "words")


def write_list(argv: list[str], usage: str, name: str, header: str, build_from: Callable[[Path], list[str]],
               noun: str) -> int:
    """The command line of the two list builders: the source file as the one argument, `rules/<name>`
    written as `header` and one row a line."""
    if len(argv) != 1:
        print(usage, file=sys.stderr)
        return 2
    out = Path(__file__).with_name(name)
    rows = build_from(Path(argv[0]))
    out.write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    print(f"{out}: {len(rows)} {noun}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
