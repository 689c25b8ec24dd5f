"""Normalising what people type and what spreadsheets hold."""

import unicodedata


def normalize(value: str) -> str:
    """Full-width digits, letters and spaces to half-width (NFKC), inner runs of spaces
    collapsed, ends stripped. 张　三 → 张 三; １３８ → 138."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value)).replace("\u00a0", " ")
    return " ".join(text.split())
