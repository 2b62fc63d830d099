"""Short names a document gives a unit (tên gọi tắt): "… của Công Ty TNHH Khuôn Mẫu Yong Hong (gọi tắt
là Công ty) …", after which "Đề nghị Công ty căn cứ …" tasks that company (GOLD.md O1; a Cục Thuế reply
to a taxpayer, 3257/TNI-QLDN1). The defining brackets (`rules/units.yaml` `alias_definition`) follow a
unit the registry knows, or a run of capitalised words that opens with a unit kind (`verbs.yaml`
`unit_kinds`, `units.yaml` `alias_kinds`).

>>> text = "Trả lời văn bản số 01/CV-01 của Công Ty TNHH Khuôn Mẫu Yong Hong (gọi tắt là Công ty) về việc thuế."
>>> found = defined(text, "Thuế tỉnh Tây Ninh")
>>> found
[('Công ty', 'Công Ty TNHH Khuôn Mẫu Yong Hong')]
>>> [(m.unit, m.mention) for m in mentions("Đề nghị Công ty căn cứ vào tình hình thực tế.", found, [])]
[('Công Ty TNHH Khuôn Mẫu Yong Hong', 'Công ty')]
>>> mentions("Công ty Cổ phần Sông Đà thực hiện.", found, []), defined("Quy chế này (sau đây gọi tắt là Quy chế)", None)
([], [])
"""
from __future__ import annotations

from functools import lru_cache

import regex

from congvan.extract import units
from congvan.ingest.textnorm import fold
from congvan.rules import TIMEOUT as _T
from congvan.rules import load


@lru_cache(maxsize=1)
def _rules() -> tuple[regex.Pattern, tuple[str, ...]]:
    data = load("units")
    kinds = [*load("verbs")["unit_kinds"], *data["alias_kinds"]]
    return regex.compile(data["alias_definition"]), tuple(sorted({fold(k) for k in kinds}, key=len, reverse=True))


def defined(text: str, issuer: str | None) -> list[tuple[str, str]]:
    """(short name, the unit's name) for each unit `text` gives a short name."""
    pattern, kinds = _rules()
    out = []
    for m in list(pattern.finditer(text, timeout=_T)):   # (the time-out runs while the loop does)
        alias = " ".join(m["alias"].split())
        name = _name_before(text[max(0, m.start() - 300):m.start()].rstrip(), issuer, kinds)
        if name and alias[:1].isupper() and fold(alias) != fold(name):
            out.append((alias, name))
    return list(dict.fromkeys(out))


_BEFORE_NAMES = {"cua", "cho", "ve", "voi", "tai", "tu", "den", "gui", "la", "giua", "boi", "do"}   # words a name follows


def _name_before(before: str, issuer: str | None, kinds: tuple[str, ...]) -> str | None:
    """The unit whose name ends `before`: one the registry knows, or the words from a capitalised kind word on
    (after "của", "cho" …: "của Công ty TNHH Thương mại và Dịch vụ Hoàng Long (sau đây gọi là Công ty)").

    >>> _name_before("Trả lời công văn số 25/CV-HL của Công ty TNHH Thương mại và Dịch vụ Hoàng Long", None, _rules()[1])
    'Công ty TNHH Thương mại và Dịch vụ Hoàng Long'
    """
    known = [m for m in units.find(before, issuer) if m.end >= len(before) - 1]
    if known:
        return known[-1].unit
    words = list(regex.finditer(r"\S+", before, timeout=_T))
    start = len(words)
    while start and len(words) - start < 15 and not regex.search(r"[,.;:()]$|\d", words[start - 1].group()) \
            and fold(words[start - 1].group()) not in _BEFORE_NAMES:
        start -= 1                       # back to the word that opens the name: "của Công ty TNHH Thương mại và Dịch vụ …"
    for i in range(start, len(words) - 1):
        if not words[i].group()[:1].isupper():
            continue
        name = " ".join(w.group() for w in words[i:])
        if any(fold(name).startswith(k + " ") for k in kinds):
            return name
    return None


def addressed(text: str, units_addressed: list[units.UnitMention]) -> list[tuple[str, str]]:
    """(honorific, unit) for each way `text` calls its addressees (`units.yaml` `honorific`): "Đề nghị Quý cơ
    quan cho ý kiến …" in a letter to Sở Tư pháp tasks Sở Tư pháp; in a letter to several units, each of them.

    >>> addressed("Đề nghị Quý Sở cho ý kiến.", [units.UnitMention("Sở Tư pháp", "Sở Tư pháp", 0, 10)])
    [('Quý Sở', 'Sở Tư pháp')]
    """
    if not units_addressed:
        return []
    said = dict.fromkeys([m.group() for m in _honorific().finditer(text, timeout=_T)]
                         + [m["group"] for m in _group().finditer(text, timeout=_T)])
    return [(h, u) for h in said for u in dict.fromkeys(m.unit for m in units_addressed)]


@lru_cache(maxsize=1)
def _honorific() -> regex.Pattern:
    return regex.compile(load("units")["honorific"])


@lru_cache(maxsize=1)
def _group() -> regex.Pattern:
    """`units.yaml` `addressed_group`: "đề nghị các cơ quan, đơn vị gửi …" calls the addressees by group words."""
    return regex.compile(load("units")["addressed_group"])


def _asked(text: str, alias: str, start: int) -> bool:
    """Whether group words at `start` are the ones a request calls the addressees by (the group words elsewhere,
    "phối hợp với các cơ quan, đơn vị", are anyone); an honorific ("Quý Sở") or a short name the document defines
    ("Công ty") means its unit wherever it stands."""
    return not alias.startswith("các") or any(
        m.start("group") == start for m in _group().finditer(text, max(0, start - 20), start + len(alias) + 60,
                                                             timeout=_T))


def mentions(text: str, aliases: list[tuple[str, str]], known: list[units.UnitMention]) -> list[units.UnitMention]:
    """Where `text` names a unit by its short name (not inside a longer name: "Công ty Cổ phần …",
    nor in the brackets that define it); an honorific naming several addressees gives one mention of each."""
    out = []
    for alias, name in aliases:
        for m in list(regex.finditer(rf"(?<!\w){regex.escape(alias)}(?!\w)", text, timeout=_T)):
            after = text[m.end():].lstrip()
            if after[:1].isupper() or regex.search(r"là\s*[:\"“]?\s*$", text[:m.start()], timeout=_T) \
                    or not _asked(text, alias, m.start()):
                continue
            if any(k.start < m.end() and m.start() < k.end and not (m.start() <= k.start and k.end <= m.end())
                   for k in known):
                continue                 # inside a longer name; a known name inside it ("Quý đơn vị") gives way
            if any(o.start < m.end() and m.start() < o.end and o.mention != alias for o in out):
                continue
            out.append(units.UnitMention(name, alias, m.start(), m.end()))
    return out
