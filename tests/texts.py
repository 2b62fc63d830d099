"""Small builders the parser tests share: a one-page document from text, and OCR-like noise."""
from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from congvan.ingest.model import Document, Page

LETTERS = "aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"


def document(text: str) -> Document:
    """A one-page document whose text layer is `text`."""
    return Document("x", "x.pdf", (Page(1, text, "text"),))


def noise(length: int, seed: int = 20240607) -> str:
    """Random Vietnamese letters, digits and punctuation, as OCR of a stain reads."""
    rng = random.Random(seed)
    alphabet = LETTERS + LETTERS.upper() + "0123456789 .,;:/-()|_'\"\n"
    return "".join(rng.choice(alphabet) for _ in range(length))


CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


def corpus_case(number: str) -> tuple[Document, dict]:
    """Document NNN of ../shared/corpus as its typeset text, and its gold annotation (skips when absent)."""
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is absent")
    document_ = document((CORPUS / f"{number}.txt").read_text(encoding="utf-8"))
    return document_, json.loads((CORPUS / f"{number}.gold.json").read_text(encoding="utf-8"))
