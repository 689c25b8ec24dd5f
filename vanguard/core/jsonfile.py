"""Reading the JSON file a contract command is given (admission_check, appraisal_score):
every way a file can be unreadable becomes one Chinese sentence, never a traceback."""

from __future__ import annotations

import json


class UnreadableJson(Exception):
    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


def _no_constant(name: str):
    raise ValueError(name)


def read_json_file(path: str, *, parse_float=None):
    """The parsed JSON of the file at `path`. A UTF-8 byte-order mark (Windows Notepad)
    is allowed; NaN/Infinity, 4,300-digit numbers and deep nesting are refused."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise UnreadableJson(f"找不到文件：{path}") from None
    except IsADirectoryError:
        raise UnreadableJson(f"{path} 是目录，不是文件") from None
    except OSError as exc:
        raise UnreadableJson(f"无法读取文件 {path}：{exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableJson(
            f"文件不是 UTF-8 编码的文本（第 {exc.start + 1} 个字节无法解码），请另存为 UTF-8"
        ) from None
    try:
        return json.loads(text, parse_float=parse_float, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise UnreadableJson(f"不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列，{exc.msg}") from None
    except (ValueError, RecursionError):
        raise UnreadableJson("不是有效的 JSON：含有 NaN/Infinity、过长的数字或过深的嵌套") from None
