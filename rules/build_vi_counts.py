"""Build `rules/vi_counts.txt`, how often Vietnamese syllables and syllable pairs occur in running
text, for OCR post-correction (`ingest.correct`): a word OCR read as a rare syllable ("thuê",
"ve") whose one form with more marks is frequent ("thuế", "về"), and pairs that span two words
("phạm về"), which a word list cannot give.

Source: the VLSP 2013 test sentences (law and politics articles, ~96,000 syllables) that ship as
`underthesea/pipeline/pos_tag/models/pos_crf_vlsp2013_20230303/test_output.txt` in the PyPI
package underthesea 9.5.0 (Apache-2.0). Kept: syllables written with Vietnamese letters only
(`build_vi_words.is_syllable`), lower case, NFC; every syllable's count, and the pairs of adjacent
syllables (no punctuation between) seen at least twice. Run at build time when the counts should
change (nothing is fetched at run time):

    .venv/bin/pip download --no-deps underthesea==9.5.0 -d /tmp/ut && unzip -o /tmp/ut/underthesea-*.whl -d /tmp/ut
    .venv/bin/python -m congvan.rules.build_vi_counts /tmp/ut/underthesea/pipeline/pos_tag/models/pos_crf_vlsp2013_20230303/test_output.txt
"""
from __future__ import annotations

import sys
import unicodedata
from collections import Counter
from pathlib import Path

from congvan.rules.build_vi_words import is_syllable, write_list

HEADER = ("# Syllable and syllable-pair counts (lower case, NFC; `word<TAB>count`, pairs seen twice or more), built by\n"
          "# rules/build_vi_counts.py from the VLSP 2013 test sentences in underthesea 9.5.0 (Apache-2.0).\n")
MIN_PAIR = 2


def sentences(source: Path) -> list[list[str]]:
    """The tagged file's sentences as lower-case tokens (a multi-syllable word split into its syllables)."""
    out: list[list[str]] = [[]]
    for line in source.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            out.append([])
            continue
        out[-1].extend(unicodedata.normalize("NFC", line.split("\t")[0]).lower().split())
    return [s for s in out if s]


def build(source: Path) -> list[str]:
    singles: Counter = Counter()
    pairs: Counter = Counter()
    for tokens in sentences(source):
        singles.update(t for t in tokens if is_syllable(t))
        pairs.update(f"{a} {b}" for a, b in zip(tokens, tokens[1:]) if is_syllable(a) and is_syllable(b))
    rows = [f"{w}\t{n}" for w, n in sorted(singles.items())]
    rows += [f"{p}\t{n}" for p, n in sorted(pairs.items()) if n >= MIN_PAIR]
    return rows


def main(argv: list[str]) -> int:
    return write_list(argv, __doc__, "vi_counts.txt", HEADER, build, "rows")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
