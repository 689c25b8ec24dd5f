"""Personal-data rules as pure functions over plain values. The form, the API, the
Excel import and the services all call `check_person`, so a rule is written once.

Sources: GB 11643-1999 (公民身份号码: 6-digit address code, 8-digit birth date,
3-digit sequence — odd for men, even for women — and an ISO 7064 MOD 11-2 check digit);
《中国共产党发展党员工作细则》 art. 5 (at least 18 on applying), art. 31 (probation of
one year from the congress resolution)."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from pypinyin import lazy_pinyin

from vanguard.core.errors import Problem
from vanguard.core.text import normalize

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CODES = "10X98765432"
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")
_NAME = re.compile(r"^[\u3400-\u9fff\u00b7·]{2,20}$|^[A-Za-z][A-Za-z .·-]{1,39}$")


# --- ID numbers -----------------------------------------------------------------------
def id_check_digit(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CODES[total % 11]


def normalize_id_number(value: str) -> str:
    """Half-width, no spaces, upper-case X."""
    return normalize(value).replace(" ", "").upper()


def id_number_problems(value: str, field: str = "身份证号") -> list[Problem]:
    if not re.fullmatch(r"\d{17}[\dX]", value):
        return [
            Problem(
                field,
                f"{field}：应为 18 位，前 17 位为数字，末位为数字或 X（GB 11643）",
                "id_format",
            )
        ]
    if id_birth_date(value) is None:
        return [Problem(field, f"{field}：第 7–14 位不是有效的出生日期（GB 11643）", "id_birth")]
    expected = id_check_digit(value[:17])
    if value[17] != expected:
        return [
            Problem(
                field,
                f"{field}：校验码错误，按 GB 11643 末位应为 {expected}，实为 {value[17]}",
                "id_checksum",
            )
        ]
    return []


def id_birth_date(value: str) -> date | None:
    try:
        return date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None


def id_gender(value: str) -> str:
    """'male' or 'female', from the 17th digit (odd: male)."""
    return "male" if int(value[16]) % 2 else "female"


# --- phones and names --------------------------------------------------------------------
def normalize_phone(value: str) -> str:
    return normalize(value).replace(" ", "").replace("+86", "")


def phone_problems(value: str, field: str = "联系电话") -> list[Problem]:
    if value and not (_MOBILE.match(value) or _LANDLINE.match(value)):
        return [
            Problem(
                field,
                f"{field}：应为 11 位手机号（1 开头）或带区号的固定电话，实为“{value}”",
                "phone",
            )
        ]
    return []


def normalize_name(value: str) -> str:
    text = normalize(value)
    # Chinese names carry no spaces; rosters often pad two-character names (张　三).
    if re.search(r"[\u3400-\u9fff]", text):
        text = text.replace(" ", "")
    return text


def name_problems(value: str, field: str = "姓名") -> list[Problem]:
    if not value:
        return [Problem(field, f"{field}：不能为空", "required")]
    if not _NAME.match(value):
        return [Problem(field, f"{field}：应为 2–20 个汉字（少数民族姓名可含“·”），实为“{value}”", "name")]
    return []


# Surnames read differently from the character's common reading (单 is dan, but the
# surname is Shan). Search keys must follow how people say the name.
SURNAME_READINGS = {
    "单": "shan",
    "曾": "zeng",
    "解": "xie",
    "乐": "yue",
    "朴": "piao",
    "查": "zha",
    "仇": "qiu",
    "区": "ou",
    "盖": "ge",
    "缪": "miao",
    "翟": "zhai",
    "覃": "qin",
    "繁": "po",
    "种": "chong",
    "员": "yun",
    "秘": "bi",
    "尉": "yu",
    "长": "chang",
    "柏": "bai",
    "薄": "bo",
    "卜": "bu",
    "召": "shao",
    "折": "she",
    "沈": "shen",
    "重": "chong",
    "阚": "kan",
    "藏": "zang",
    "万": "wan",
}


@lru_cache(maxsize=20000)
def _syllable(char: str) -> str:
    return "".join(lazy_pinyin(char, errors="ignore")).lower()


def search_keys(name: str) -> tuple[str, str]:
    """(full pinyin, initials) for search: 张三 → ('zhangsan', 'zs'); 单田芳 → ('shantianfang', 'stf').
    Character by character (cached: the import computes this for every row), with the
    surname reading for the first character."""
    syllables = []
    for i, char in enumerate(name):
        syllable = SURNAME_READINGS.get(char) if i == 0 else None
        syllable = syllable or _syllable(char)
        if syllable:
            syllables.append(syllable)
    return "".join(syllables)[:120], "".join(s[0] for s in syllables)[:30]


# --- masking ------------------------------------------------------------------------------
def mask_id_number(value: str | None) -> str:
    """Keep the region (6) and the last 4: 140105********123X."""
    if not value:
        return ""
    return value[:6] + "*" * (len(value) - 10) + value[-4:] if len(value) > 10 else "*" * len(value)


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    if len(value) == 11 and value.isdigit():
        return value[:3] + "****" + value[-4:]
    return (
        value[:-4].rstrip("-")[: max(len(value) - 8, 0)] + "****" + value[-4:] if len(value) > 4 else "****"
    )


# --- the whole record --------------------------------------------------------------------
@dataclass
class PersonFacts:
    """The values the rules look at, already parsed."""

    name: str
    gender: str | None
    birth_date: date | None
    id_number: str | None
    phone: str
    political_status: str
    application_date: date | None
    join_date: date | None
    full_member_date: date | None


def add_years(d: date, years: int) -> date:
    """Same month and day `years` later; 29 February becomes 28 February."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


def check_person(f: PersonFacts, *, today: date) -> list[Problem]:
    """Every problem with a person's data, each naming the field and the rule."""
    problems = list(name_problems(f.name))
    if f.id_number:
        id_problems = id_number_problems(f.id_number)
        problems += id_problems
        if not id_problems:
            born = id_birth_date(f.id_number)
            if f.birth_date and born != f.birth_date:
                problems.append(
                    Problem(
                        "出生日期",
                        f"出生日期：{f.birth_date:%Y-%m-%d} 与身份证号中的 {born:%Y-%m-%d} 不一致",
                        "id_birth_mismatch",
                    )
                )
            if f.gender and id_gender(f.id_number) != f.gender:
                expected = "男" if id_gender(f.id_number) == "male" else "女"
                problems.append(
                    Problem(
                        "性别",
                        f"性别：与身份证号不一致（第 17 位表示{expected}性）",
                        "id_gender_mismatch",
                    )
                )
    if not f.gender:
        problems.append(Problem("性别", "性别：不能为空（男或女）", "required"))
    if not f.birth_date:
        problems.append(Problem("出生日期", "出生日期：不能为空", "required"))
    problems += phone_problems(f.phone)

    member = f.political_status in ("probationary", "full")
    if member and not f.join_date:
        problems.append(Problem("入党日期", "入党日期：党员必须填写入党日期", "required"))
    if f.political_status == "full" and not f.full_member_date:
        problems.append(Problem("转正日期", "转正日期：正式党员必须填写转正日期", "required"))
    if f.political_status == "probationary" and f.full_member_date:
        problems.append(Problem("转正日期", "转正日期：预备党员尚未转正，不应填写转正日期", "not_yet"))
    if not member and (f.join_date or f.full_member_date):
        problems.append(
            Problem(
                "政治面貌",
                "政治面貌：填写了入党日期或转正日期的人员应为预备党员或正式党员",
                "status_dates",
            )
        )

    ordered = [
        ("出生日期", f.birth_date),
        ("申请入党日期", f.application_date),
        ("入党日期", f.join_date),
        ("转正日期", f.full_member_date),
    ]
    present = [(label, d) for label, d in ordered if d]
    for (label_a, a), (label_b, b) in itertools.pairwise(present):
        if not a < b:
            problems.append(
                Problem(
                    label_b,
                    f"{label_b}：{b:%Y-%m-%d} 应晚于{label_a} {a:%Y-%m-%d}（出生<申请<入党<转正）",
                    "order",
                )
            )
    for label, d in present:
        if d > today:
            problems.append(Problem(label, f"{label}：{d:%Y-%m-%d} 不能晚于今天", "future"))
    if f.birth_date and f.application_date and f.application_date < add_years(f.birth_date, 18):
        problems.append(
            Problem(
                "申请入党日期",
                f"申请入党日期：{f.application_date:%Y-%m-%d} 时未满 18 岁（发展党员工作细则第五条）",
                "age",
            )
        )
    if f.join_date and f.full_member_date and f.full_member_date < add_years(f.join_date, 1):
        problems.append(
            Problem(
                "转正日期",
                f"转正日期：{f.full_member_date:%Y-%m-%d} 早于入党日期满一年（{add_years(f.join_date, 1):%Y-%m-%d}），预备期为一年",
                "probation",
            )
        )
    return problems


def compose_id_number(region: str, birth: date, sequence: int) -> str:
    """A well-formed ID number (for demo data and tests): region code, birth date, a
    3-digit sequence (odd for men) and its check digit."""
    first17 = f"{region[:6]:0>6}{birth:%Y%m%d}{sequence % 1000:03d}"
    return first17 + id_check_digit(first17)
