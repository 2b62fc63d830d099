"""Which units a sentence names, grouped into the lists a task is given to (extract.obligations): the registry's
and the forms' names (extract.units), the short names a document defines (extract.unit_aliases), and units the
registry does not know, named by a kind word as a clause's subject or after an assignment verb.

>>> [[m.unit for m in group] for group in unit_lists("Giao Sở Nội vụ, Sở Tư pháp và Chánh Văn phòng UBND tỉnh rà soát", "UBND tỉnh Nghệ An")]
[['Sở Nội vụ', 'Sở Tư pháp', 'Văn phòng UBND tỉnh']]
>>> units_only("3. Các sở, ban, ngành; UBND các xã, phường"[3:], "UBND tỉnh Hà Tĩnh")
True
"""
from __future__ import annotations

import regex

from congvan.extract import unit_aliases, units
from congvan.extract.verb_rules import rules as verb_rules
from congvan.ingest.textnorm import fold
from congvan.rules import TIMEOUT as _T
from congvan.rules import alternation, load


def strip_titles(pre_folded: str) -> str:
    """The words before a unit without the titles that stand for it, two titles joined included: "đề nghị đồng chí
    Bí thư và" (before "Chủ tịch Ủy ban nhân dân các tỉnh …", 1225/CĐ-TTg) → "đề nghị".

    >>> strip_titles("de nghi dong chi bi thu va "), strip_titles("phoi hop voi giam doc"), strip_titles("so y te va ")
    ('de nghi', 'phoi hop voi', 'so y te va ')
    """
    rules = verb_rules()
    previous = None
    while previous != pre_folded:
        previous = pre_folded
        pre_folded = regex.sub(r"\s*cac\s*$", "", pre_folded)
        joined = regex.search(r"\s*(?:,|\bva)\s*$", pre_folded)
        if joined and rules["title"].search(pre_folded[:joined.start()]):
            pre_folded = pre_folded[:joined.start()]      # "Bí thư và" before "Chủ tịch Ủy ban nhân dân …"
        m = rules["title"].search(pre_folded)
        if m:
            pre_folded = pre_folded[: m.start()]
    return pre_folded


def _unknown_units(text: str, issuer: str | None, known: list[units.UnitMention]) -> list[units.UnitMention]:
    """Units the registry does not know, as the subject of a clause: "Nhóm đánh giá …, Tổ kiểm tra … nghiên cứu"."""
    rules = verb_rules()
    if not (rules["kinds"].match(regex.sub(r"^Các\s+", "", text)) or any(m.start == 0 for m in known)):
        return []                       # "Các Viện Vệ sinh dịch tễ, Viện Pasteur hỗ trợ …": a collective opens it too
    spans = {(m.start, m.end) for m in known}   # a piece the registry knows is one of the list, given already
    folded = fold(text)                          # same offsets as `text`
    placed = _placed_subject_end(text[:200])
    for m in regex.finditer(r"\s", text[:200]):
        if not rules["verb"].match(folded[m.start():]) or folded[:m.start()].endswith("ban") \
                or m.start() < placed or any(a < m.start() < b for a, b in spans):
            continue                    # "Ban Chỉ đạo …", a known name: a name, not a kind word + a verb
        if rules["not_in_names"].search(folded[:m.start()]):
            return []                   # "Ban quản lý dự án không được thành lập …": a clause, not a name
        if ";" in text[:m.start()]:
            return []                   # a subject never runs across ";": "Ban Lễ tang; Ban Tổ chức Lễ tang; đứng tên …"
        pieces = [(p, text.find(p)) for p in _JOINED.split(text[:m.start()], timeout=_T)]
        # each subject piece is a unit name: a kind word, at least two words, not itself a verb ("Tổ chức")
        if all((i, i + len(p)) in spans or p and _kind_named(p, rules) and len(p.split()) >= 2
               and not rules["verb"].match(fold(p)) and not any(a == i for a, _ in spans)
               and not (fold(p).startswith("cac ") and any(a < i + len(p) and i < b for a, b in spans))
               for p, i in pieces):             # a known name and more is a clause ("UBND tỉnh yêu cầu Sở …"),
            # and "Các Sở Y tế" is the Sở Y tế the registry knows
            return [units.UnitMention(units.canonical(_capitalised(p), issuer), p, i, i + len(p)) for p, i in pieces
                    if (i, i + len(p)) not in spans]
    return []


def _kind_named(piece: str, rules: dict) -> bool:
    """A unit's name by its kind word: "Trung tâm Y tế các huyện", or a collective "các bệnh viện tuyến tỉnh"; a kind
    word alone names nothing ("Hội đồng" of "Hội đồng thẩm định ban hành …": "thẩm định" names it)."""
    if piece[:1].isupper():
        kind = rules["kinds"].match(regex.sub(r"^Các\s+(?=\p{Lu})", "", piece))
        return bool(kind) and bool(piece[kind.end():].strip())
    rest = regex.sub(r"^các\s+", "", piece)
    return rest != piece and bool(rules["kinds"].match(_capitalised(rest)))


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _placed_subject_end(text: str) -> int:
    """Where a subject that ends with its place ends, when a task verb follows the place: "Ban Quản lý dự án
    đầu tư xây dựng các công trình giao thông tỉnh | đẩy nhanh …" ("xây dựng" inside the name is no verb);
    0 when no place word is followed by a verb."""
    for level in _LEVEL_AT.finditer(text, timeout=_T):
        end = level.end() + regex.match(r"(?:\s+\p{Lu}\p{Ll}*){0,3}", text[level.end():], timeout=_T).end()
        if verb_rules()["verb"].match(fold(text[end:])):
            return end
    return 0


_ASSIGN_AT = regex.compile(rf"(?i)(?:^|[\s,;:])({alternation('verbs', 'assign_before_unknown')})\s+")
# a person's title before a unit's name: "Vụ trưởng Vụ Tổ chức cán bộ", "Cục trưởng Cục Ứng dụng và Phát triển công nghệ"
_TITLED_AT = regex.compile(rf"(?:^|[\s,;:])({alternation('verbs', 'titles')})\s+(?=\p{{Lu}})")
_KIND_TITLES = {fold(title): kind for title, kind in load("verbs")["kind_titles"].items()}
_KIND_TITLE_AT = regex.compile(r"(?:^|[\s,;:])(" + "|".join(regex.escape(t).replace(r"\ ", r"\s+") for t in sorted(
    load("verbs")["kind_titles"], key=len, reverse=True)) + r")\s+(?=\p{Lu})", flags=regex.I)
# "và" between two units, not inside one name ("Cục Ứng dụng và Phát triển công nghệ"): a name or a title follows
_JOINED = regex.compile(rf",\s*|\s+và\s+(?=(?:{alternation('units', 'name_starts')}|{alternation('verbs', 'titles')}"
                        rf"|{alternation('verbs', 'unit_kinds')}|{alternation('verbs', 'written_kinds')})\b)")


_LEVEL_AT = regex.compile(rf"(?i)\s(?:{alternation('units', 'level_words')})(?=[\s,.;:]|$)(?!\s+hội\b)")   # not "xã hội"


def _unknown_after_verbs(text: str, issuer: str | None, known: list[units.UnitMention]) -> list[units.UnitMention]:
    """A unit the registry does not know, right after an assignment verb ("Yêu cầu Ban Quản lý dự án … tổ chức"),
    after a known one and a ';', or after a person's title ("Vụ trưởng Vụ Tổ chức cán bộ, Cục trưởng Cục Ứng dụng
    và Phát triển công nghệ chịu trách nhiệm thi hành")."""
    rules = verb_rules()
    out = []
    folded = fold(text)                          # same offsets as `text` (and as its kind words capitalised)
    starts = [rules["title_prefix"].match(folded, m.end()).end() for m in _ASSIGN_AT.finditer(text[:20_000], timeout=_T)]
    starts += [m.end() for m in _TITLED_AT.finditer(text[:20_000], timeout=_T)]
    # … and the next of a list across ';' after a known unit: "Giao các sở, ngành tỉnh; UBND các huyện, thành
    # phố; Các Ban QLDA chuyên ngành tỉnh báo cáo …"
    ends = {k.end for k in known}
    starts += [m.end() for m in regex.finditer(r";\s*", text[:20_000], timeout=_T) if m.start() in ends]
    written = {}   # a title holding its unit's kind word: "Trưởng phòng Quản lý xây dựng" → Phòng Quản lý xây dựng
    for m in _KIND_TITLE_AT.finditer(text[:20_000], timeout=_T):
        kind = _KIND_TITLES[regex.sub(r"\s+", " ", fold(m.group(1)))]
        at = m.end(1) - len(kind)                     # the title's last word is the kind word, same length
        written[at] = text[:at] + kind + text[at + len(kind):]
        starts.append(at)
    for start in sorted(set(starts)):
        if any(k.start <= start < k.end or abs(k.start - start) <= 1 for k in known + out):
            continue
        seen = written.get(start, text)
        plural = regex.match(r"[Cc]ác\s+(?=\p{L})", seen[start:start + 10])   # "Giám đốc các bệnh viện": a collective
        if plural:
            at = start + plural.end()
            seen = seen[:at] + seen[at].upper() + seen[at + 1:]
            if not rules["kinds"].match(seen[at:]):
                continue
            end = _name_end(seen, folded, at, rules)
            listed = _listed_after(text, folded, end, rules)
            if listed:                           # "yêu cầu các hội: Hiệp hội Vận tải ô tô, Hội Nghề cá và …"
                out += [units.UnitMention(units.canonical(text[a:b], issuer), text[a:b], a, b) for a, b in listed]
                continue
            name = "Các " + text[at:end]
        else:
            if not rules["kinds"].match(seen[start:]) or not seen[start:start + 1].isupper():
                continue
            end = _name_end(seen, folded, start, rules)
            name = seen[start:end]
        if len(name.split()) >= 2:
            out.append(units.UnitMention(units.canonical(name, issuer), text[start:end], start, end))
    return out


def _listed_after(text: str, folded: str, at: int, rules: dict) -> list[tuple[int, int]]:
    """The names a plural collective lists after its colon ("các hội: Hiệp hội Vận tải ô tô, Hội Nghề cá và Hội Tin
    học hoàn thành …"), each opening with a kind word: their spans; none when no colon follows or a piece is no name."""
    colon = regex.match(r"\s*:\s*", text[at:at + 5])
    if not colon:
        return []
    spans, start = [], at + colon.end()
    while start < len(text) and rules["kinds"].match(text[start:]) and text[start:start + 1].isupper():
        end = _name_end(text, folded, start, rules)
        if len(text[start:end].split()) < 2:
            return []
        spans.append((start, end))
        joint = _JOINED.match(text, end)
        if not joint:
            break
        start = joint.end()
    return spans


def _name_end(text: str, folded: str, start: int, rules: dict) -> int:
    """Where the name of a unit the registry does not know, starting at `start`, ends: at its place word, before
    its verb, at punctuation, or before "và" that joins another unit or title (`folded`: `text` folded)."""
    end = start
    window = text[start:start + 120]
    pairs = [(start + m.start(), start + m.end()) for m in rules["comma_pair"].finditer(folded[start:start + 120])]
    cut = next((m.start() for m in regex.finditer(r"[,.;:(]", window)   # a place word after the first mark (not
                if not any(b <= start + m.start() < e for b, e in pairs)), len(window))   # a pair's) is another unit's
    level = _LEVEL_AT.search(window[:cut], timeout=_T)
    kind = rules["kinds"].match(window)
    first = len(window) - len(window[kind.end():].lstrip()) if kind else 0   # the word after the kind word names
    paired = 0                                                              # the end of a comma pair read whole
    for w in regex.finditer(r"\S+", window):                                # it: "Vụ Tổ chức cán bộ"
        if start + w.start() < paired:
            word = w.group().rstrip(",.;:(")
            end = start + w.start() + len(word)
            if word != w.group() and end >= paired:
                break                        # "… chữa bệnh, Chánh Thanh tra Bộ": the mark after the pair ends it
            continue
        if level and w.start() <= level.start():
            end = start + w.end()            # a name ends with its place: "… xây dựng tỉnh"
            continue
        joined = w.group() in "-–" and regex.match(r"\s+\p{Lu}", window[w.end():])   # "Vụ Kế hoạch - Tài chính"
        at = start + w.start()
        if rules["verb"].match(folded[at:]) and w.start() > 0 and w.start() != first \
                and not joined and not folded[start:at].rstrip().endswith("ban") \
                and not rules["name_final"].match(folded[at:]):   # "… Quản lý xây dựng chủ trì"
            break
        if w.group() == "và" and _JOINED.match(window, w.start() - 1) \
                or w.start() > 0 and rules["not_in_names"].match(folded[at - 1:start + len(window)]):
            break   # another unit or title after "và"; a word no name holds ("được", "không", "phân công")
        pair = next((e for b, e in pairs if b <= start + w.end() - 1 < e), None) if w.group().endswith(",") else None
        if pair:                             # "Cục Quản lý Khám, chữa bệnh": the pair goes on ("chữa" folds to "chưa")
            end, paired = start + w.end(), pair
            continue
        if regex.search(r"[,.;:(]", w.group()):
            end = start + w.start() + len(w.group().rstrip(",.;:("))
            break
        end = start + w.end()
    return end


_LEVEL = r"cấp\s+(?:tỉnh|huyện|xã|trung\s+ương|cơ\s+sở)"
_OTHER_LEVEL = regex.compile(rf"(?:\s*,\s*|\s+và\s+)({_LEVEL})(?!\w)", regex.IGNORECASE)
_OWN_LEVEL = regex.compile(rf"(?i)\b{_LEVEL}$")        # a name that ends at its level: "UBND cấp huyện"
_WRITTEN_LEVEL = regex.compile(rf"(?i){_LEVEL}$")


def _other_levels(text: str, issuer: str | None, mentions: list[units.UnitMention]) -> list[units.UnitMention]:
    """The same body at the other levels a name lists after its own (GOLD.md O4): "Ban Chỉ huy PTDS cấp tỉnh, cấp
    xã" → … cấp tỉnh and … cấp xã; "UBND cấp huyện, cấp xã" → UBND cấp huyện and UBND cấp xã.

    >>> [m.unit for m in _other_levels("Giao UBND cấp huyện, cấp xã rà soát.", None, units.find("Giao UBND cấp huyện"))]
    ['UBND cấp xã']
    """
    out = []
    for m in mentions:
        own = _OWN_LEVEL.search(m.unit)
        if not own or not _WRITTEN_LEVEL.search(m.mention):
            continue
        at = m.end
        while (more := _OTHER_LEVEL.match(text, at, timeout=_T)) and not any(k.start == more.start(1) for k in mentions):
            name = units.canonical(m.unit[:own.start()] + " ".join(more.group(1).split()).lower(), issuer)
            out.append(units.UnitMention(name, more.group(1), more.start(1), more.end(1)))
            at = more.end()
    return out


def unit_lists(text: str, issuer: str | None, aliases: list[tuple[str, str]] = ()) -> list[list[units.UnitMention]]:
    """Unit mentions grouped into lists joined by commas, 'và' and titles ("Giám đốc các Sở A, B và Chánh VP");
    `aliases`: the short names the document gives units ("Công ty", extract.unit_aliases)."""
    mentions = units.find(text, issuer)
    named = unit_aliases.mentions(text, list(aliases), mentions)   # before a kind word reads "Công ty" as a name
    mentions = [m for m in mentions if not any(a.start <= m.start and m.end <= a.end for a in named)] + named
    mentions = _unknown_units(text, issuer, mentions) + mentions
    mentions = mentions + _unknown_after_verbs(text, issuer, mentions)
    mentions = mentions + _other_levels(text, issuer, mentions)
    mentions.sort(key=lambda m: m.start)
    lists: list[list[units.UnitMention]] = []
    for m in mentions:
        if lists:
            gap = fold(text[lists[-1][-1].end:m.start])
            gap = regex.sub(r"^\s*(?:co\s+)?lien\s+quan(?=\s*[,;]|\s+va\s)", "", gap)   # "các sở, ngành liên quan, …"
            gap = strip_titles(regex.sub(r"^[\s,;]*(?:va\s+)?", "", gap))
            if not gap.strip(" ,;"):
                lists[-1].append(m)
                continue
        lists.append([m])
    return lists


def units_only(text: str, issuer: str | None, aliases: list[tuple[str, str]] = ()) -> bool:
    """Whether `text` names units and nothing else (separators and a closing ':' aside)."""
    found = [m for lst in unit_lists(text, issuer, aliases) for m in lst]
    if not found:
        return False
    rest, at = [], 0
    for m in sorted(found, key=lambda m: m.start):
        rest.append(text[at:m.start])
        at = max(at, m.end)
    rest.append(text[at:])
    return regex.fullmatch(r"[\s,;:.]*(?:(?:và)[\s,;:.]*)*", "".join(rest), timeout=_T) is not None


def listed_across(pieces: list[tuple[str, int]], body: str, issuer: str | None,
                   aliases: list[tuple[str, str]] = ()) -> list[tuple[str, int]]:
    """Sentences split at a ';' that separates the units of one list joined again: "Chủ tịch UBND tỉnh yêu cầu
    Thủ trưởng các sở, ban, ngành; Chủ tịch UBND các xã, phường tập trung …" (a unit ends the piece before, a
    unit, after its title, opens the next); tasks split at ';' stay apart (GOLD.md O5)."""
    found = [m for lst in unit_lists(body, issuer, aliases) for m in lst]
    ends, starts = {m.end for m in found}, {m.start for m in found}
    out = [pieces[0]]
    for text, off in pieces[1:]:
        before, at = out[-1]
        lead = off + len(text) - len(text.lstrip())
        titled = lead + verb_rules()["title_prefix"].match(fold(body[lead:lead + 60])).end()
        if before.rstrip().endswith(";") and at + len(before.rstrip(" ;")) in ends and {lead, titled} & starts:
            out[-1] = (body[at:off + len(text)], at)
        else:
            out.append((text, off))
    return out
