"""Small builders the parser tests share: a one-page document from text, and OCR-like noise."""
from __future__ import annotations

import random

from ingest.model import Document, Page

LETTERS = "aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"


def document(text: str) -> Document:
    """A one-page document whose text layer is `text`."""
    return Document("x", "x.pdf", (Page(1, text, "text"),))


def noise(length: int, seed: int = 20240607) -> str:
    """Random Vietnamese letters, digits and punctuation, as OCR of a stain reads."""
    rng = random.Random(seed)
    alphabet = LETTERS + LETTERS.upper() + "0123456789 .,;:/-()|_'\"\n"
    return "".join(rng.choice(alphabet) for _ in range(length))
