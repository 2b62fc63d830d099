"""The compiled rules of `rules/verbs.yaml` the obligation parsers share (extract.obligations, extract.unit_lists):
assignment verbs, the task verbs after a unit, titles, unit kinds, closings, labels. Read once.

>>> bool(rules()["verb"].match(" chu tri, phoi hop")), bool(rules()["verb"].match(" cua so noi vu"))
(True, False)
"""
from __future__ import annotations

from functools import lru_cache

import regex

from congvan.extract import units
from congvan.ingest.textnorm import fold
from congvan.rules import load


@lru_cache(maxsize=1)
def rules() -> dict:
    data = load("verbs")
    words = units.verb_words
    return {
        "assign": regex.compile(r"(?:^|\s)(" + words("assign_before") + r")\s*:?\s*$"),
        "assign_start_only": {fold(w) for w in data["assign_before_clause_start_only"]},
        "object": regex.compile(r"(?:^|\s)(?:" + words("object_before") + r")\s*$"),
        "verb": regex.compile(r"^\s*(?:\([^)]{0,80}\)\s*)?(?:[-–]\s+[^,;:.()]{0,80}?\s)?,?\s*"
                              r"(?:(?:" + words("subject_fillers") + r")\s*,?\s*)*(?:" + data["subject_time"] + r")?(?:"
                              + words("responsible_after") + r")\b"),
        "qualified": regex.compile(r"^\s*(?:" + data["collective_qualifier"] + r")\s+(?:\S+\s+){0,6}?(?:"
                                   + words("responsible_after") + r")\b"),
        "negation": regex.compile(r"^\s*(?:" + words("negation_after") + r")\b"),
        "owing": regex.compile(data["owing_after"]),
        "cooperate_only": regex.compile(data["cooperate_only"]),
        "accountable": regex.compile(data["accountable_after"]),
        # a heading's units and its colon, fillers between: "4. Các Sở: Xây dựng, Công Thương theo chức năng, nhiệm vụ:"
        "heading_tail": regex.compile(r"^\s*(?:\([^)]*\))?\s*,?\s*(?:(?:" + words("subject_fillers") + r")\s*,?\s*)*(?::|$)"),
        "title": regex.compile(r"(?:^|\s)(?:" + words("titles") + r")(?:\s+các)?\s*$"),
        "title_prefix": regex.compile(r"(?:(?:" + words("titles") + r")\s+)?"),
        "kinds": regex.compile(r"^(?!" + "|".join(regex.escape(k) for k in data["not_unit_starts"]) + r")(?:"
                               + "|".join(regex.escape(k) for k in sorted(data["unit_kinds"] + data["written_kinds"],
                                                                          key=len, reverse=True))
                               + r")\b"),
        "closing": regex.compile(data["closing"]),
        "lead_label": regex.compile(data["lead_label"]),
        "leader_speakers": regex.compile(data["leader_speakers"]),
        "restates": regex.compile(data["restates"]),
        "restates_unless": regex.compile(data["restates_unless"]),
        "annex": regex.compile(data["annex"]),
        "procedure_annex": regex.compile(data["procedure_annex"]),
        "generic_task": regex.compile(data["generic_task"]),
        "conditional": regex.compile(r"^\s*(?:[-–+•]\s*)?(?:" + words("conditional_openers") + r")\b"),
        "heading_lead": regex.compile(r"^(?:" + words("heading_lead") + r")$"),
        "never": set(data["never_assignees"]),
        "recounted": regex.compile(data["recounted"]),
        "recounted_lead": regex.compile(data["recounted_lead"]),
        "recounted_after": regex.compile(data["recounted_after"]),
        "not_in_names": regex.compile(r"(?:^|\s)(?:" + words("not_in_names") + r")(?=\s|$)"),
        "comma_pair": regex.compile(r"(?:" + words("comma_pairs") + r")\b"),
        "name_final": regex.compile(r"^(?:" + words("name_final_verbs") + r")(?=(?:\s*[,;.]|\s+va\s+(?:"
                                    + words("titles") + r")\b|\s+(?:" + words("responsible_after") + r")\b|\s*$))"),
        "intro": regex.compile(r"^(?:" + words("intro_phrases") + r")\b[^,]*$"),
    }

