"""Units (cơ quan, đơn vị): "Giao Giám đốc các Sở Nội vụ, Tư pháp và Chánh Văn phòng UBND tỉnh".

Finds the units named in a text and gives each its canonical name from
`rules/units.yaml`, in the context of the issuer: "Văn phòng" in a Sở's letter is
that Sở's Văn phòng, "phòng Nội vụ" in a city's plan is the city's. Enumerations
expand ("các Sở: Nội vụ, Tư pháp" → Sở Nội vụ, Sở Tư pháp); a title reduces to its
unit ("Giám đốc Sở Tài chính" → Sở Tài chính). Matching is case-insensitive and
also works on OCR text that lost its diacritics.

>>> [m.unit for m in find("Giao Giám đốc các Sở Nội vụ, Tư pháp và Chánh Văn phòng UBND tỉnh", "UBND tỉnh Đắk Lắk")]
['Sở Nội vụ', 'Sở Tư pháp', 'Văn phòng UBND tỉnh']
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import regex

from congvan.ingest.textnorm import fold
from congvan.rules import TIMEOUT as _TIMEOUT
from congvan.rules import alternation, load

SCOPES = ("any", "tỉnh", "sở", "huyện")
LOCAL = "{cấp}"        # in a name: the issuer's own level word (rules/units.yaml local_levels)
COMMUNE_WORDS: dict[str, str] = load("units")["local_levels"]   # level word → the communes under it
LOCAL_WORDS = tuple(COMMUNE_WORDS)
COMMUNES = "{cấp xã}"  # in a name: the communes under that issuer ("phường, xã" in a city, "xã, thị trấn" in a huyện)


def localised(text: str, word: str) -> str:
    """A name or alias with {cấp} and {cấp xã} read for an issuer of level `word`.

    >>> localised("UBND các {cấp xã}", "huyện"), localised("Văn phòng HĐND và UBND {cấp}", "quận")
    ('UBND các xã, thị trấn', 'Văn phòng HĐND và UBND quận')
    """
    return text.replace(LOCAL, word).replace(COMMUNES, COMMUNE_WORDS[word])


def is_templated(text: str) -> bool:
    return LOCAL in text or COMMUNES in text


def local_word(issuer: str | None) -> str:
    """The level word of a district-level issuer: "UBND thành phố Buôn Ma Thuột" → "thành phố".

    >>> local_word("UBND huyện Mộ Đức"), local_word(None)
    ('huyện', 'huyện')
    """
    f = fold(issuer or "")
    for word in LOCAL_WORDS:
        if regex.search(rf"\b{fold(word)}\b", f):
            return word
    return "huyện"


def _expand(name: str) -> list[str]:
    if LOCAL in name:
        return [name.replace(LOCAL, w) for w in LOCAL_WORDS]
    if COMMUNES in name:
        return list(dict.fromkeys(name.replace(COMMUNES, w) for w in COMMUNE_WORDS.values()))
    return [name]


def _localise(name: str, issuer: str | None) -> str:
    """The issuer's own words in a name: {cấp}, {cấp xã}, and "thành phố" for a city run by the centre.

    >>> _localise("Văn phòng UBND tỉnh", "UBND thành phố Cần Thơ"), _localise("Văn phòng UBND tỉnh", "UBND tỉnh Gia Lai")
    ('Văn phòng UBND thành phố', 'Văn phòng UBND tỉnh')

    An office of a department-level issuer that is no Sở is the issuer's own ("Văn phòng Sở" in a Cục's letter):

    >>> _localise("Văn phòng Sở", "Cục Thuế"), _localise("Thanh tra Sở", "Sở Tư pháp"), _localise("Văn phòng Sở", "Chi cục Thủy lợi")
    ('Văn phòng Cục', 'Thanh tra Sở', 'Văn phòng Chi cục')
    """
    word = local_word(issuer)
    name = localised(name, word)
    if name.endswith(" tỉnh") and _central_city(issuer):
        name = name[: -len("tỉnh")] + "thành phố"
    kind = _department_kind(fold(issuer or "")) if name.endswith(" Sở") else None
    if kind and kind.group() != "so":
        name = name[: -len("Sở")] + issuer[:kind.end()]   # fold keeps offsets: the kind word as written
    return name


def _department_kind(folded_issuer: str) -> regex.Match | None:
    """The kind word a department-level issuer's name opens with (units.yaml `department_kinds`), folded."""
    return regex.match(rf"(?:{_folded('department_kinds')})\b", folded_issuer, timeout=_TIMEOUT)


@lru_cache(maxsize=1)
def _ministries() -> frozenset[str]:
    """The registry's ministries, folded: an issuer that is one reads scope `bộ`."""
    return frozenset(fold(u.name) for u in registry() if u.level == "bộ")


@dataclass(frozen=True, slots=True)
class Unit:
    name: str
    aliases: tuple[str, ...]
    level: str
    scope: str
    parent: str | None = None


@dataclass(frozen=True, slots=True)
class UnitMention:
    """A unit found in a text: canonical `unit`, `mention` as written, and its span."""

    unit: str
    mention: str
    start: int
    end: int


def scope_of(issuer: str | None) -> str:
    """Which registry scope applies inside a document of this issuer.

    >>> scope_of("Sở Công Thương"), scope_of("UBND thành phố Buôn Ma Thuột"), scope_of("UBND tỉnh Đắk Lắk")
    ('sở', 'huyện', 'tỉnh')
    >>> scope_of("UBND thành phố Hà Nội"), scope_of("Văn phòng UBND tỉnh Nghệ An"), scope_of("Bộ Nội vụ")
    ('tỉnh', 'tỉnh', 'bộ')
    >>> scope_of("HĐND tỉnh Nghệ An"), scope_of("HĐND thành phố Hà Nội")
    ('tỉnh', 'tỉnh')
    """
    if not issuer:
        return "any"
    f = fold(issuer)
    rules = load("units")
    if _department_kind(f):
        return "sở"
    if f in _ministries():
        return "bộ"   # a ministry: "Văn phòng", "Thanh tra" are the ministry's own
    # the Văn phòng of an UBND speaks for it (its thông báo kết luận give the UBND's tasks); an HĐND's resolutions
    # task the UBND of its own level ("Giao Ủy ban nhân dân tỉnh tổ chức thực hiện Nghị quyết")
    m = regex.match(rf"(?:van phong\s+|thuong truc\s+)?(?:ubnd|uy ban nhan dan|hdnd|hoi dong nhan dan)\s+"
                    rf"({_folded('level_words')})\b\s*(.*)", f, timeout=_TIMEOUT)
    if m:
        level, place = m.groups()
        level = regex.sub(r"\s+", " ", level)
        if level == "tinh":
            return "tỉnh"
        if level == "thanh pho" and place.strip() in {fold(c) for c in rules.get("provincial_cities", [])}:
            return "tỉnh"
        return "huyện"
    return "any"


@lru_cache(maxsize=None)
def _folded(key: str) -> str:
    """A regex alternation of one word list of rules/units.yaml, folded (no marks, lower case), longest first."""
    return "|".join(regex.escape(w).replace(r"\ ", r"\s+")
                    for w in sorted({fold(w) for w in load("units")[key]}, key=len, reverse=True))


@lru_cache(maxsize=1)
def registry() -> tuple[Unit, ...]:
    data = load("units")
    return tuple(
        Unit(u["name"], tuple(u.get("aliases") or ()), u.get("level", ""), u.get("scope", "any"), u.get("parent"))
        for u in data["units"]
    )


def units_for_scope(scope: str) -> list[Unit]:
    return [u for u in registry() if u.scope in ("any", scope)]


@lru_cache(maxsize=1)
def _matcher():
    """spaCy PhraseMatcher on syllable tokens, one label per (scope, canonical name)."""
    import spacy
    from spacy.matcher import PhraseMatcher

    nlp = spacy.blank("xx")
    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    for unit in registry():
        label = f"{unit.scope}|{unit.name}"
        names = {x for n in (unit.name, *unit.aliases) for x in _expand(n)}
        patterns = [nlp.make_doc(n) for n in names] + [nlp.make_doc(fold(n)) for n in names]
        matcher.add(label, patterns)
        city = {n[: -len("tỉnh")] + "thành phố" for n in names if n.endswith(" tỉnh")}
        if unit.scope in ("any", "tỉnh") and city:   # "Văn phòng UBND Thành phố" of a city run by the centre
            matcher.add(f"{CITY}|{unit.name}", [nlp.make_doc(n) for n in city] + [nlp.make_doc(fold(n)) for n in city])
    return nlp, matcher


CITY = "thành phố trực thuộc trung ương"   # the matcher's scope of a province-level name written for such a city


def _central_city(issuer: str | None) -> bool:
    """A city run by the centre issues it (Hà Nội, Cần Thơ …): its offices are "… thành phố", not "… tỉnh".

    >>> _central_city("UBND thành phố Hà Nội"), _central_city("UBND thành phố Buôn Ma Thuột"), _central_city("UBND tỉnh Gia Lai")
    (True, False, False)
    """
    return scope_of(issuer) == "tỉnh" and fold(issuer or "").startswith(("ubnd thanh pho", "uy ban nhan dan thanh pho"))


def _phrase_matches(text: str, scope: str, issuer: str | None) -> list[UnitMention]:
    nlp, matcher = _matcher()
    found: list[tuple[int, int, str]] = []
    for doc in (nlp.make_doc(text), nlp.make_doc(fold(text))):
        for label_id, s, e in matcher(doc):
            unit_scope, name = nlp.vocab.strings[label_id].split("|", 1)
            if unit_scope in ("any", scope) or unit_scope == CITY and _central_city(issuer):
                span = doc[s:e]
                # a scoped reading ("Văn phòng" = Văn phòng Sở) outranks a generic one of the same span
                rank = 1 if unit_scope == scope else 0
                found.append((span.start_char, span.end_char, name, rank))
    found.sort(key=lambda m: (m[0], -(m[1] - m[0]), -m[3]))
    out: list[UnitMention] = []
    for s, e, name, _ in found:
        if out and s < out[-1].end:
            continue
        out.append(UnitMention(_localise(name, issuer), text[s:e], s, e))
    return out


@lru_cache(maxsize=8)
def _shorts(scope: str) -> dict[str, list[tuple[str, str]]]:
    """kind word → [(folded short name, canonical)], longest first, for enumerations; a kind word may stand for
    the registry's ("các ngành: Xây dựng, Y tế" lists Sở)."""
    kinds = load("units").get("kinds", {})
    out: dict[str, list[tuple[str, str]]] = {k: [] for k in kinds}
    for unit in units_for_scope(scope):
        for n in (unit.name, *unit.aliases):
            for kind, registry_kind in kinds.items():
                if n.startswith(registry_kind + " "):
                    out[kind].append((fold(n[len(registry_kind) + 1:]), unit.name))
    for kind in out:
        out[kind].sort(key=lambda x: -len(x[0]))
    return out


def _fuzzy_short(folded: str, pos: int, shorts: list[tuple[str, str]]) -> tuple[str, str, int] | None:
    """A long listed name with one letter garbled by OCR ("ke hoach va dau †u"): (short, canonical, length)."""
    for short, name in shorts:
        if len(short) >= 10:
            m = regex.compile(rf"(?:{regex.escape(short)}){{e<=1}}(?!\w)").match(folded, pos, timeout=_TIMEOUT)
            if m:
                return short, name, m.end() - pos
    return None


_ENUM_START = regex.compile(rf"(?i)\b(?:các\s+)?({alternation('units', 'kinds')})(?:\s*,\s*(?:cơ\s+quan|ngành))?\b\s*:?\s*")
_ENUM_SEP = regex.compile(r"\s*(?:,|;)?\s*(?:và\s+)?")


def _enumerations(text: str, scope: str) -> list[list[UnitMention]]:
    """`các Sở: Nội vụ, Tư pháp và Tài chính` → one mention per listed unit."""
    shorts = _shorts(scope)
    folded = fold(text)
    groups = []
    for m in _ENUM_START.finditer(text, timeout=_TIMEOUT):
        kind = next((k for k in shorts if k.lower() == m.group(1).lower()), None)
        if kind is None:
            continue
        pos, items = m.end(), []
        while pos < len(text):
            hit = next(((s, c, len(s)) for s, c in shorts[kind] if folded.startswith(s, pos)
                        and (pos + len(s) == len(text) or not text[pos + len(s)].isalnum())), None)
            if hit is None:
                hit = _fuzzy_short(folded, pos, shorts[kind])
            if hit is None:
                break
            start = pos if items else m.start()
            items.append(UnitMention(hit[1], text[start:pos + hit[2]], start, pos + hit[2]))
            pos += hit[2]
            sep = _ENUM_SEP.match(text, pos)
            if sep is None or sep.end() == pos:
                break
            pos = sep.end()
        if len(items) >= 2:
            groups.append(items)
    return groups


_LONGER_NAME = regex.compile(r"\s+(?:và|-|–)\s+(\p{Lu}\p{Ll}*(?:\s+\p{Ll}+){0,3})(?=[\s,.;:()]|$)")


@lru_cache(maxsize=None)
def verb_words(key: str) -> str:
    """A regex alternation of the folded words of one list of rules/verbs.yaml, longest first; a comma inside a
    phrase may be left out, as writers and OCR do ("theo chức năng nhiệm vụ")."""
    return "|".join(regex.escape(w).replace(",\\ ", ",?\\ ")
                    for w in sorted((fold(w) for w in load("verbs")[key]), key=len, reverse=True))


@lru_cache(maxsize=1)
def title_pattern() -> regex.Pattern:
    """A person's title before a unit (rules/verbs.yaml `titles`), on folded text: "giam doc", "chu tich"."""
    return regex.compile(r"(?:" + verb_words("titles") + r")\b")


@lru_cache(maxsize=1)
def _task_verbs() -> regex.Pattern:
    return regex.compile(r"\s(?:" + verb_words("responsible_after") + r")\b")
_UNIT_WORD = regex.compile(rf"(?i)^(?:{alternation('units', 'name_starts')})\b")


def _longer_names(text: str, mentions: list[UnitMention], issuer: str | None) -> list[UnitMention]:
    """ "Phòng Kinh tế và Hạ tầng": a known name that is only the start of a longer one is the longer one."""
    out = []
    for m in mentions:
        more = _LONGER_NAME.match(text, m.end)
        level = next((u.level for u in registry() if u.name == m.unit), None)
        if more and level not in ("nhóm", None) and not _UNIT_WORD.match(more.group(1)) \
                and not title_pattern().match(fold(more.group(1))) and m.unit == canonical(m.mention, issuer):
            verb = _task_verbs().search(fold(text[: more.end()]), more.start(1))
            end = verb.start() if verb else more.end()      # "… và Hạ tầng chủ trì": the name stops at the verb
            longer = text[m.start:end]
            out.append(UnitMention(canonical(longer, issuer), longer, m.start, end))
        else:
            out.append(m)
    return out


def find(text: str, issuer: str | None = None) -> list[UnitMention]:
    """Every unit named in `text`, in order, canonical in the context of `issuer`."""
    if not text or len(text) > 200_000:
        return []
    scope = scope_of(issuer)
    mentions = _longer_names(text, _phrase_matches(text, scope, issuer), issuer)
    for group in _enumerations(text, scope):
        group = _until_longer(group, mentions)
        if len(group) < 2:
            continue
        lo, hi = group[0].start, group[-1].end
        mentions = [m for m in mentions if m.end <= lo or m.start >= hi] + group
    mentions = _with_forms(text, mentions, issuer, scope)
    mentions.sort(key=lambda m: m.start)
    return mentions


def _until_longer(group: list[UnitMention], mentions: list[UnitMention]) -> list[UnitMention]:
    """An enumeration up to the item that only begins a longer name found there: "Bộ Chỉ huy Quân sự
    tỉnh, Công an tỉnh" lists no Bộ Công an, "Công an tỉnh" is a unit of its own."""
    for k, item in enumerate(group[1:], 1):
        if any(m.start == item.start and m.end > item.end for m in mentions):   # a later item starts at its short name
            return group[:k]
    return group


def _with_forms(text: str, mentions: list[UnitMention], issuer: str | None, scope: str) -> list[UnitMention]:
    """Units named by form (extract.unit_forms) replace the registry names they overlap.

    A registry name that starts earlier keeps its place when what precedes the form is not a
    title: "Văn phòng UBND tỉnh Đồng Nai" stays Văn phòng UBND tỉnh.
    """
    from congvan.extract import unit_forms

    forms = [UnitMention(f.unit, f.mention, f.start, f.end)
             for f in unit_forms.find(text, issuer, scope)]
    kept_forms = []
    for f in forms:
        heads = [m for m in mentions if m.start < f.start < m.end]
        if any(not title_pattern().match(fold(text[m.start:f.start]).strip()) for m in heads):
            continue
        kept_forms.append(f)
    spans = [(f.start, f.end) for f in kept_forms]
    rest = [m for m in mentions if all(m.end <= a or m.start >= b for a, b in spans)]
    return rest + kept_forms


def _lookup(key: str, scope: str, glued: bool) -> Unit | None:
    """The registry unit whose name or alias folds to `key` (scoped entries outrank `any`)."""
    best = None
    for unit in units_for_scope(scope):
        for n in (unit.name, *unit.aliases):
            if any((fold(x).replace(" ", "") if glued else fold(x)) == key for x in _expand(n)) \
                    and (best is None or unit.scope == scope):
                best = unit
    return best


def canonical(name: str, issuer: str | None = None, *, scopes: Sequence[str] | None = None) -> str:
    """The registry's name for a unit as written, or the text itself, tidied, when unknown.

    The name is looked up in the issuer's scope, or in each of `scopes` in turn.

    >>> canonical("KHTCTH", "Sở Công Thương"), canonical("SỞ CÔNG THƯƠNG"), canonical("SởNộivụ")
    ('Phòng Kế hoạch - Tài chính - Tổng hợp', 'Sở Công Thương', 'Sở Nội vụ')
    >>> canonical("PHÒNG NỘI VỤ", scopes=("any", "sở", "huyện"))
    'Phòng Nội vụ'
    """
    name = regex.sub(r"\s+", " ", name).strip(" -–;,.:")
    key = fold(name)
    glued = " " not in name and len(key) > 5          # OCR glued the syllables: "SởNộivụ"
    for scope in scopes or (scope_of(issuer),):
        best = _lookup(key, scope, False) or (_lookup(key, scope, True) if glued else None)
        if best:
            return _localise(best.name, issuer)
    return name
