"""Items of a document (điều, khoản, điểm, gạch đầu dòng) and their sentences.

A paragraph opens with its marker: "Điều 3.", "II.", "2.", "3.1.", "a)", "(1)", "(i)", "-", "+";
a deeper marker is an item under the one before ("b) … cụ thể: (1) …"). A paragraph that
starts in lower case, or follows a ';', continues the item before it.

>>> [(p.kind, p.level, p.marker) for p in map(part, [Paragraph("3.1. Hoàn thiện Kế hoạch.", ((0, 1, 0),)),
...                                                  Paragraph("(ii) Rà soát.", ((0, 1, 0),))])]
[('arabic', 3, '3.1'), ('paren', 4, 'ii')]
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import regex

from congvan.extract.text import Paragraph
from congvan.ingest.textnorm import fold
from congvan.rules import load

MARKER = regex.compile(
    r"""(?x)^\s*(?:
        (?P<roman>[IVXLC]{1,5})[.)]\s
      | (?P<arabic>\d{1,3}(?:\.\d{1,3}){0,3})[.)]\s
      | \((?P<paren>\d{1,3}|[ivx]{1,4})\)\s?
      | (?P<letter>[a-zđ])[.)]\s
      | (?P<dash>[-–•])\s*
      | (?P<plus>\+)\s*
      | (?P<dieu>Điều\s+\d+)(?:[.:]?\s|[.:]?$)
    )"""
)
LEVEL = {"roman": 1, "dieu": 2, "arabic": 2, "letter": 4, "paren": 4, "dash": 5, "plus": 6}
_SENTENCE = regex.compile(r"(?<=[.;!?])\s+(?=[\p{Lu}\d(\-+])")
_ARTICLE_SENTENCE = regex.compile(r"(?<=[.!?])\s+(?=[\p{Lu}\d(\-+])")


@dataclass(frozen=True, slots=True)
class Part:
    paragraph: Paragraph
    kind: str | None      # marker kind or None for plain text
    marker: str | None
    level: int            # 0 plain, 1 roman … 6 "+"
    body_start: int       # where the text after the marker starts in paragraph.text

    @property
    def body(self) -> str:
        return self.paragraph.text[self.body_start:]


def part(paragraph: Paragraph) -> Part:
    m = MARKER.match(paragraph.text)
    if not m:
        return Part(paragraph, None, None, 0, 0)
    kind = m.lastgroup
    level = LEVEL[kind] + (kind == "arabic" and "." in m.group(kind))   # "3.1." sits under "3."
    return Part(paragraph, kind, m.group(kind), level, m.end())


def joined(paras: list[Paragraph]) -> list[Paragraph]:
    """A paragraph that starts in lower case, or follows a ';', continues the one before (one item, one article);
    so does a line whose dash is the hyphen of a unit's name wrapped there ("Giám đốc các Sở: Lao động" /
    "- Thương binh và Xã hội, Nội vụ, …": `_wrapped_hyphen`)."""
    out: list[Paragraph] = []
    for p in paras:
        if out and (_wrapped_hyphen(out[-1].text, p.text) or not MARKER.match(p.text)
                    and (p.text[:1].islower() or out[-1].text.rstrip().endswith((";", ",")))):
            prev = out[-1]
            shift = len(prev.text) + 1
            out[-1] = Paragraph(prev.text + " " + p.text, prev.pieces + tuple((o + shift, pg, po) for o, pg, po in p.pieces))
        else:
            out.append(p)
    return out


def child_of(heading: Part, part: Part) -> bool:
    """Whether `part` is among the items under `heading` (deeper numbering, or bullets of a plain heading)."""
    if heading.kind in ("lead", "list"):   # "… yêu cầu các cơ quan, đơn vị:" over every numbered item; a
        return part.kind is not None and part.level > heading.level   # "list" over those from its first one's level
    if heading.kind is None:
        return part.kind in ("dash", "plus", "paren", "letter")
    if heading.kind == "letter" and part.kind == "paren":    # "b) … cụ thể: (1) …"
        return True
    return part.kind is not None and part.level > heading.level


def clause(stack: dict[int, str]) -> str | None:
    parts = [stack[k] for k in sorted(stack) if k <= 4]
    return ".".join(parts) if parts else None


def sentences(body: str, keep_semicolons: bool = False) -> list[tuple[str, int]]:
    """Sentences of a paragraph; an article (Điều N) lists its addressees across ';', so it splits on '.' only."""
    out, pos = [], 0
    for piece in (_ARTICLE_SENTENCE if keep_semicolons else _SENTENCE).split(body):
        start = body.find(piece, pos)
        out.append((piece, start))
        pos = start + len(piece)
    return out


def _wrapped_hyphen(before: str, line: str) -> bool:
    """Whether `line` opens with the second half of a registry name whose " - " the line break fell on.

    >>> _wrapped_hyphen("Giám đốc các Sở: Lao động", "- Thương binh và Xã hội, Nội vụ"), _wrapped_hyphen("1. Sở Nội vụ", "- Chủ trì")
    (True, False)
    """
    m = regex.match(r"[-–]\s*(\S+)", line)
    words = before.split()
    return bool(m and words) and (fold(words[-1]), fold(m.group(1)).strip(",;.")) in _hyphen_joints()


@lru_cache(maxsize=1)
def _hyphen_joints() -> frozenset[tuple[str, str]]:
    """(word before, word after) each " - " inside the names and aliases of rules/units.yaml ("lao dong", "thuong")."""
    joints = set()
    for unit in load("units")["units"]:
        for name in (unit["name"], *(unit.get("aliases") or ())):
            for m in regex.finditer(r"(\S+)\s+[-–]\s+(\S+)", name):
                joints.add((fold(m.group(1)), fold(m.group(2))))
    return frozenset(joints)
