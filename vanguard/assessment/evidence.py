"""Evidence files on score entries (issue 4 point 2: "evidence (text, photo or file)").

Which files are accepted is told by their content (the first bytes, and for the Office
formats the parts inside the zip), never by the name or by the content type the browser
sends: an .exe renamed .jpg is refused. Accepted: photos (JPEG, PNG, WebP — what a phone
camera produces through `<input type=file accept="image/*" capture>`), PDF, Word (.docx)
and Excel (.xlsx) without macros. Nothing here touches the database or the disk."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath
from typing import BinaryIO

MAX_BYTES = 10 * 1024 * 1024  # settings.ASSESSMENT_EVIDENCE_MAX_BYTES overrides it
ACCEPTED_TEXT = "照片（JPEG、PNG、WebP）、PDF、Word（.docx）或 Excel（.xlsx）文件"
# What the file picker offers; the server decides by the content anyway.
ACCEPT_ATTRIBUTE = "image/jpeg,image/png,image/webp,image/*,.pdf,.docx,.xlsx"


@dataclass(frozen=True)
class Kind:
    code: str
    extension: str
    content_type: str
    label: str
    is_image: bool


KINDS = {
    k.code: k
    for k in (
        Kind("jpeg", ".jpg", "image/jpeg", "照片", True),
        Kind("png", ".png", "image/png", "图片", True),
        Kind("webp", ".webp", "image/webp", "图片", True),
        Kind("pdf", ".pdf", "application/pdf", "PDF", False),
        Kind(
            "docx",
            ".docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "Word",
            False,
        ),
        Kind(
            "xlsx",
            ".xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "Excel",
            False,
        ),
    )
}
BY_CONTENT_TYPE = {k.content_type: k for k in KINDS.values()}


def identify(stream: BinaryIO) -> Kind | None:
    """The kind of the file by its content, or None when it is none of the accepted
    ones. Leaves the stream at its start."""
    stream.seek(0)
    head = stream.read(16)
    stream.seek(0)
    if head.startswith(b"\xff\xd8\xff"):
        return KINDS["jpeg"]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return KINDS["png"]
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return KINDS["webp"]
    if head.startswith(b"%PDF-"):
        return KINDS["pdf"]
    if head.startswith(b"PK\x03\x04"):
        return _office(stream)
    return None


def _office(stream: BinaryIO) -> Kind | None:
    """A zip is a .docx or .xlsx only with the parts of one (any other zip — a .jar, an
    .apk, a macro-enabled .docm/.xlsm — is refused). Only the directory is read."""
    try:
        with zipfile.ZipFile(stream) as z:
            names = set(z.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        stream.seek(0)
    if "[Content_Types].xml" not in names or any(n.lower().endswith("vbaproject.bin") for n in names):
        return None
    if "word/document.xml" in names:
        return KINDS["docx"]
    if "xl/workbook.xml" in names:
        return KINDS["xlsx"]
    return None


def megabytes(size: int) -> str:
    return f"{size / 2**20:.1f}".removesuffix(".0")


def problems(*, name: str, size: int, kind: Kind | None, max_bytes: int = MAX_BYTES) -> list[str]:
    """Why the file is refused (Chinese, naming the field and the rule); [] when it is
    accepted. `kind` is only looked at for a file within the size limit."""
    if size == 0:
        return [f"附件：“{name}”是空文件"]
    if size > max_bytes:
        return [f"附件：不能超过 {megabytes(max_bytes)} MB，“{name}”有 {megabytes(size)} MB"]
    if kind is None:
        return [f"附件：只接受{ACCEPTED_TEXT}（按文件内容判断，不看文件名），“{name}”不是"]
    return []


def base_name(name: str) -> str:
    """The uploader's file name without any folder part or control characters."""
    base = PureWindowsPath(PurePosixPath(name or "").name).name
    return "".join(ch for ch in base if ch.isprintable() and ch not in '"\\/').strip()


def display_name(name: str, kind: Kind) -> str:
    """The name shown and offered on download: the uploader's file name without any
    folder part or control characters, at most 100 characters, with the extension of
    what the file really is."""
    base = base_name(name)
    stem = base.rsplit(".", 1)[0].strip() if "." in base else base.strip()
    stem = stem[: 100 - len(kind.extension)] or "附件"
    return f"{stem}{kind.extension}"
