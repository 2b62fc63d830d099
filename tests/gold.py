"""Values compared with a gold annotation (../shared/corpus/GOLD.md) much as ../shared/tools/score.py
compares them, for the tests that read a document and check it against its gold."""
from __future__ import annotations

import re
import unicodedata


def norm(value: object, *, em_dash: bool) -> str | None:
    """`value` folded as score.py's `norm` folds it, in part: NFC, case-folded, "ủy ban nhân dân" as
    "ubnd", runs of space as one, a hyphen or en dash (an em dash too when `em_dash`) with the space
    around it as "-", trailing " .;:," stripped; None for None or nothing left.

    >>> norm(" Ủy ban nhân dân  tỉnh Hà Nam – Sở Y tế. ", em_dash=False)
    'ubnd tỉnh hà nam-sở y tế'
    >>> norm("Cục Thuế — Thuế cơ sở 1", em_dash=False), norm("Cục Thuế — Thuế cơ sở 1", em_dash=True)
    ('cục thuế — thuế cơ sở 1', 'cục thuế-thuế cơ sở 1')
    >>> norm(None, em_dash=True), norm(" ;", em_dash=True)
    (None, None)
    """
    if value is None:
        return None
    value = unicodedata.normalize("NFC", str(value)).casefold().replace("ủy ban nhân dân", "ubnd")
    dashes = "-–—" if em_dash else "-–"
    return re.sub(rf"\s*[{dashes}]\s*", "-", re.sub(r"\s+", " ", value)).strip(" .;:,") or None
