"""The quantitative appraisal's final score (issue 4, point 8) as pure functions over
plain data: the cycle's pages, the flag board, the bench and the `appraisal_score`
command all call these, so the formula is written once.

Source: seed 004 (“评价争优”平台): members are scored by 个人自评、党员互评、群众参评、组织考评,
ranked, and flagged on the 评比台 — 100–90 red, 89–80 yellow, 79–70 blue, 69 and below
grey. Issue 4 makes it exact:

- each source's score is the mean of its evaluators' totals; for peers and workers,
  with five or more evaluators the single highest and single lowest totals are dropped
  first (one of each, even when several evaluators gave the same extreme);
- the final score is the weighted mean of the source scores under the cycle's weights
  (default 10/30/20/40, which add up to exactly 100); a source with no evaluations is
  left out, the other weights are scaled up to 100 % and the result is incomplete;
- it is rounded half up to one decimal, and the flag is read from the rounded score:
  ≥ 90 red, ≥ 80 yellow, ≥ 70 blue, below 70 grey;
- rank by the rounded score, ties sharing a rank (1, 2, 2, 4).

Exactness (docs/decisions/0008): totals and weights are `Decimal`s with at most two
decimals; the means and the weighted sum are computed as `Fraction`s, so a mean of three
totals (…/3) is never cut off before it is weighted, and the only rounding is the final
half-up one — 89.95 is 90.0 and red, 89.9499… is 89.9 and yellow, whatever the path.

Nothing here names an evaluator: a source is a list of totals, and `explain()` says how
many there were, which extremes were dropped and the mean, never who gave what."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType
from typing import Any

SOURCES = ("self", "peer", "worker", "organization")
SOURCE_LABELS = MappingProxyType(
    {"self": "个人自评", "peer": "党员互评", "worker": "群众参评", "organization": "组织考评"}
)
DEFAULT_WEIGHTS: Mapping[str, Decimal] = MappingProxyType(
    {"self": Decimal(10), "peer": Decimal(30), "worker": Decimal(20), "organization": Decimal(40)}
)
# Peers and workers are many and anonymous to each other: one extreme each way is
# dropped once there are enough of them (issue 4); self and organisation never are.
TRIMMED_SOURCES = frozenset({"peer", "worker"})
TRIM_FROM = 5
# A total or a weight is written on paper as at most two decimals (88.5, 33.25); more is
# a conversion artefact (88.49999999 from a spreadsheet) that the branch should see.
MAX_PLACES = 2
SCORE_PLACES = 1

FLAGS = ("red", "yellow", "blue", "grey")
FLAG_LABELS = MappingProxyType({"red": "红旗", "yellow": "黄旗", "blue": "蓝旗", "grey": "灰旗"})
FLAG_RANGES = MappingProxyType(
    {"red": "90 分及以上", "yellow": "80–89.9 分", "blue": "70–79.9 分", "grey": "70 分以下"}
)
_FLAG_FLOORS = ((Decimal(90), "red"), (Decimal(80), "yellow"), (Decimal(70), "blue"))
_HUNDRED = Decimal(100)


class InvalidInput(ValueError):
    """The input cannot be scored; the message (Chinese) names the field and the member."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


# --- arithmetic ----------------------------------------------------------------------------


def round_half_up(value: Fraction | Decimal | int, places: int = SCORE_PLACES) -> Decimal:
    """`value` rounded half away from zero to `places` decimals, exactly (no float):
    89.95 → 90.0, 89.949 → 89.9, Fraction(2699, 30) (89.9666…) → 90.0."""
    # floor(|q|·10^places + ½) in integers: q = num/den, so (2·|num|·10^places + den) // (2·den).
    num, den = (value, 1) if isinstance(value, int) else value.as_integer_ratio()
    n = (2 * abs(num) * 10**places + den) // (2 * den)
    return Decimal(-n if num < 0 else n).scaleb(-places)


def flag_for(score: Decimal) -> str:
    """The flag for a (rounded) score: ≥ 90 red, ≥ 80 yellow, ≥ 70 blue, else grey."""
    for floor, flag in _FLAG_FLOORS:
        if score >= floor:
            return flag
    return "grey"


def rank(scores: Sequence[Decimal | None]) -> list[int | None]:
    """Competition ranking, highest first, ties sharing a rank: 95, 90, 90, 85 → 1, 2, 2, 4.
    Pass the rounded scores (`Appraisal.score`): 89.96 and 90.04 are both 90.0 and tie.
    A member without a score (None) has no rank and does not push anyone down."""
    ordered = sorted((s for s in scores if s is not None), reverse=True)
    first: dict[Decimal, int] = {}
    for position, score in enumerate(ordered, start=1):
        first.setdefault(score, position)
    return [None if s is None else first[s] for s in scores]


# --- the result ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceScore:
    """One source of one member: how many evaluated, the extremes dropped (highest,
    lowest) or None, and the exact mean of the totals kept (None when nobody evaluated)."""

    source: str
    mean: Fraction | None
    evaluators: int
    dropped: tuple[Decimal, Decimal] | None
    weight: Decimal

    @property
    def kept(self) -> int:
        return self.evaluators - (2 if self.dropped else 0)

    @property
    def counted(self) -> bool:
        """Does this source enter the weighted sum? (evaluated, and weighted above 0)"""
        return self.evaluators > 0 and self.weight > 0

    @property
    def missing(self) -> bool:
        """Weighted but nobody evaluated: left out, and the result is incomplete."""
        return self.evaluators == 0 and self.weight > 0

    @property
    def label(self) -> str:
        return SOURCE_LABELS[self.source]


@dataclass(frozen=True)
class Appraisal:
    """One member's result. `score` is the rounded final score (None when no weighted
    source has any evaluation), `exact` the unrounded weighted mean, `weights_used` the
    share (in %, adding up to 100) each counted source had after scaling."""

    score: Decimal | None
    flag: str | None
    incomplete: bool
    sources: tuple[SourceScore, ...]
    weights_used: Mapping[str, Fraction]
    exact: Fraction | None

    def explain(self) -> list[str]:
        """How the score was computed, in Chinese, one line per source and then the sum,
        the rounding and the flag. Counts, dropped extremes and means only: never who."""
        lines = []
        for s in self.sources:
            weight = _percent(s.weight)
            if s.evaluators == 0:
                if s.weight == 0:
                    lines.append(f"{s.label}：无评价，权重 0%，不计入")
                else:
                    lines.append(f"{s.label}：无人评价，不计入（原权重 {weight}）")
                continue
            text = f"{s.label}：{s.evaluators} 人评价，"
            if s.dropped:
                high, low = s.dropped
                text += f"去掉一个最高分 {_plain(high)}、一个最低分 {_plain(low)} 后 {s.kept} 人"
            text += f"平均 {_decimals(s.mean)}"
            if s.weight == 0:
                text += "，权重 0%，不计入"
            elif self.weights_used[s.source] != Fraction(s.weight):
                text += f"，权重 {weight}，按比例放大为 {_percent(self.weights_used[s.source])}"
            else:
                text += f"，权重 {weight}"
            lines.append(text)
        if self.score is None:
            lines.append("没有任何计入的评价，无法计算得分")
            return lines
        counted = [s for s in self.sources if s.counted]
        terms = " + ".join(f"{_decimals(s.mean)}×{_plain(s.weight)}" for s in counted)
        total = sum(s.weight for s in counted)
        lines.append(
            f"得分 =（{terms}）÷ {_plain(total)} = {_exact(self.exact)}，四舍五入保留一位小数为 {self.score}"
        )
        lines.append(f"{self.score} 分，挂{FLAG_LABELS[self.flag]}（{FLAG_RANGES[self.flag]}）")
        if self.incomplete:
            missing = "、".join(s.label for s in self.sources if s.missing)
            lines.append(f"评价不完整：{missing}无人评价，其余来源的权重已按比例放大到合计 100%")
        return lines


def score_member(totals: Mapping[str, Iterable[Any]], weights: Mapping[str, Any] | None = None) -> Appraisal:
    """One member's appraisal from their totals per source (`{"peer": [90, 85], …}`; a
    source absent or empty had no evaluations) under the cycle's weights (default
    `DEFAULT_WEIGHTS`). Raises InvalidInput for totals or weights that cannot be scored."""
    weights = parse_weights(DEFAULT_WEIGHTS if weights is None else weights)
    totals = parse_totals(totals)
    return _score(totals, weights)


def _score(totals: Mapping[str, tuple[Decimal, ...]], weights: Mapping[str, Decimal]) -> Appraisal:
    sources = []
    for source in SOURCES:
        given = totals.get(source, ())
        kept = sorted(given)
        dropped = None
        if source in TRIMMED_SOURCES and len(kept) >= TRIM_FROM:
            dropped = (kept[-1], kept[0])
            kept = kept[1:-1]
        mean = Fraction(sum(kept)) / len(kept) if kept else None
        sources.append(SourceScore(source, mean, len(given), dropped, weights[source]))
    return _combine(tuple(sources))


def _combine(sources: tuple[SourceScore, ...]) -> Appraisal:
    """The weighted mean of the sources' exact means, rounded once, and its flag."""
    incomplete = any(s.missing for s in sources)
    counted = [s for s in sources if s.counted]
    if not counted:
        return Appraisal(None, None, True, tuple(sources), MappingProxyType({}), None)
    total = Fraction(sum(s.weight for s in counted))
    exact = sum(Fraction(s.weight) * s.mean for s in counted) / total
    used = MappingProxyType({s.source: Fraction(s.weight) * 100 / total for s in counted})
    score = round_half_up(exact)
    return Appraisal(score, flag_for(score), incomplete, tuple(sources), used, exact)


def stored(appraisal: Appraisal) -> dict[str, Any]:
    """What an appraisal is rebuilt from (`restore`): per source the number of
    evaluations, the extremes dropped, the exact mean as a fraction and the weight. A few
    hundred bytes to keep on every result, from which the explanation is written again
    exactly when a page shows it. No evaluator appears: there is none in an Appraisal."""
    return {
        "sources": [
            {
                "s": s.source,
                "n": s.evaluators,
                "mean": None if s.mean is None else f"{s.mean.numerator}/{s.mean.denominator}",
                "drop": None if not s.dropped else [str(s.dropped[0]), str(s.dropped[1])],
                "w": str(s.weight),
            }
            for s in appraisal.sources
        ]
    }


def restore(data: Mapping[str, Any]) -> Appraisal:
    """The appraisal `stored` kept: the same score, flag, weights used and explanation."""
    return _combine(
        tuple(
            SourceScore(
                d["s"],
                None if d["mean"] is None else Fraction(d["mean"]),
                d["n"],
                None if d["drop"] is None else (Decimal(d["drop"][0]), Decimal(d["drop"][1])),
                Decimal(d["w"]),
            )
            for d in data["sources"]
        )
    )


# --- a set of members (the `appraisal_score` contract) ------------------------------------


@dataclass(frozen=True)
class MemberTotals:
    id: str | int
    totals: Mapping[str, tuple[Decimal, ...]]


@dataclass(frozen=True)
class AppraisalInput:
    weights: Mapping[str, Decimal]
    members: tuple[MemberTotals, ...]


@dataclass(frozen=True)
class MemberResult:
    id: str | int
    appraisal: Appraisal
    rank: int | None

    def as_dict(self) -> dict[str, Any]:
        """The contract's row: id, score (Decimal, one decimal), flag, rank, incomplete."""
        a = self.appraisal
        return {
            "id": self.id,
            "score": a.score,
            "flag": a.flag,
            "rank": self.rank,
            "incomplete": a.incomplete,
        }


def score_members(
    members: Iterable[MemberTotals], weights: Mapping[str, Any] | None = None
) -> list[MemberResult]:
    """Every member's appraisal under the same weights, ranked among themselves (pass one
    branch to rank in the branch), in the order given."""
    weights = parse_weights(DEFAULT_WEIGHTS if weights is None else weights)
    members = list(members)
    appraisals = [_score(m.totals, weights) for m in members]
    ranks = rank([a.score for a in appraisals])
    return [MemberResult(m.id, a, r) for m, a, r in zip(members, appraisals, ranks, strict=True)]


def results_json(results: Iterable[MemberResult]) -> str:
    """The contract's output: a JSON array, one member per line, keys id, score, flag,
    rank, incomplete. The score is written from the Decimal (90.0, never 90 or
    89.99999), Chinese ids as Chinese."""
    rows = []
    for r in results:
        d = r.as_dict()
        score = "null" if d["score"] is None else str(d["score"])
        rows.append(
            "  {"
            + ", ".join(
                [
                    f'"id": {_json(d["id"])}',
                    f'"score": {score}',
                    f'"flag": {_json(d["flag"])}',
                    f'"rank": {_json(d["rank"])}',
                    f'"incomplete": {_json(d["incomplete"])}',
                ]
            )
            + "}"
        )
    return "[\n" + ",\n".join(rows) + "\n]" if rows else "[]"


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


# --- reading the input ---------------------------------------------------------------------

_TOP_KEYS = ("weights", "members")
_JSON_KINDS = {dict: "对象", list: "数组", tuple: "数组", str: "字符串", bool: "布尔值"}


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return "数字"
    for kind, name in _JSON_KINDS.items():
        if isinstance(value, kind):
            return name
    return type(value).__name__


def _shown(value: Any) -> str:
    text = format(value, "f") if isinstance(value, Decimal) and value.is_finite() else str(value)
    return text if len(text) <= 24 else text[:20] + "…"


def _plain(value: Decimal | Fraction) -> str:
    """A number as written, without trailing zeros: 30, 12.5, 88.25."""
    d = value if isinstance(value, Decimal) else round_half_up(value, 6)
    text = format(d, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _decimals(value: Fraction, places: int = 2) -> str:
    """A mean with two decimals (86.40), marked ≈ when it has more (86.33 for 259/3)."""
    shown = round_half_up(value, places)
    return str(shown) if Fraction(shown) == value else f"≈{shown}"


def _exact(value: Fraction) -> str:
    """The unrounded score: exactly when it has at most six decimals, else ≈ six."""
    for places in range(2, 7):
        shown = round_half_up(value, places)
        if Fraction(shown) == value:
            return str(shown)
    return f"≈{round_half_up(value, 6)}"


def _percent(value: Decimal | Fraction) -> str:
    if isinstance(value, Fraction) and Fraction(round_half_up(value, 2)) != value:
        return f"≈{round_half_up(value, 2)}%"
    return f"{_plain(value)}%"


def _bad(path: str, text: str, label: str = "") -> InvalidInput:
    return InvalidInput(f"{label}（{path}）：{text}" if label else f"{path}：{text}")


def _number(value: Any, path: str, label: str) -> Decimal:
    """A JSON number from 0 to 100 with at most two decimals, as an exact Decimal. Floats
    (from json.loads without parse_float=Decimal) are read as their shortest repr."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise _bad(path, f"应为数字，实为{_kind(value)}", label)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _bad(path, f"应为数字，实为 {value}", label)
        value = Decimal(repr(value))
    elif isinstance(value, int):
        value = Decimal(value)
    elif not value.is_finite():
        raise _bad(path, f"应为数字，实为 {value}", label)
    if not 0 <= value <= _HUNDRED:
        raise _bad(path, f"应在 0 至 100 之间，实为 {_shown(value)}", label)
    if value != value.quantize(Decimal(1).scaleb(-MAX_PLACES)):
        raise _bad(path, f"最多两位小数，实为 {_shown(value)}", label)
    return value + 0  # -0 → 0


def _unknown_source(key: Any) -> str:
    return f"未知的评价来源“{_shown(key)}”，只能是 {'、'.join(SOURCES)}"


def parse_weights(obj: Any, path: str = "weights") -> dict[str, Decimal]:
    """The cycle's weights: all four sources, each 0–100 with at most two decimals,
    adding up to exactly 100. A weight of 0 takes the source out of the cycle (its
    absence does not make a result incomplete)."""
    label = "权重"
    if not isinstance(obj, Mapping):
        raise _bad(path, f"应为 JSON 对象，实为{_kind(obj)}", label)
    for key in obj:
        if key not in SOURCES:
            raise _bad(f"{path}.{_shown(key)}", _unknown_source(key), label)
    missing = [s for s in SOURCES if s not in obj]
    if missing:
        names = "、".join(f"{s}（{SOURCE_LABELS[s]}）" for s in missing)
        raise _bad(path, f"缺少 {names}；四项权重都要写明（{'、'.join(SOURCES)}），合计 100", label)
    weights = {s: _number(obj[s], f"{path}.{s}", label) for s in SOURCES}
    total = sum(weights.values())
    if total != _HUNDRED:
        parts = " + ".join(f"{s} {_plain(weights[s])}" for s in SOURCES)
        raise _bad(path, f"四项之和应为 100，实为 {_plain(total)}（{parts}）", label)
    return weights


def parse_totals(
    obj: Any, path: str = "totals", member: str | int | None = None
) -> dict[str, tuple[Decimal, ...]]:
    """One member's totals per source: arrays of numbers 0–100 (at most two decimals);
    a source absent, null or [] had no evaluations; self has at most one total."""
    whose = "" if member is None else f"成员“{_shown(member)}”的"
    if not isinstance(obj, Mapping):
        raise _bad(path, f"应为 JSON 对象，实为{_kind(obj)}", f"{whose}评价")
    for key in obj:
        if key not in SOURCES:
            raise _bad(f"{path}.{_shown(key)}", _unknown_source(key), f"{whose}评价")
    totals = {}
    for source in SOURCES:
        label = whose + SOURCE_LABELS[source]
        values = obj.get(source)
        if values is None:
            values = ()
        if not isinstance(values, list | tuple):
            raise _bad(f"{path}.{source}", f"应为数组（每位评价人的总分），实为{_kind(values)}", label)
        if source == "self" and len(values) > 1:
            raise _bad(f"{path}.{source}", f"本人只有一个自评总分，实为 {len(values)} 个", label)
        totals[source] = tuple(_number(v, f"{path}.{source}[{i}]", label) for i, v in enumerate(values))
    return totals


def _member_id(value: Any, path: str) -> str | int:
    if isinstance(value, str) and value.strip():
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    shown = "空字符串" if isinstance(value, str) else _kind(value)
    raise _bad(path, f"应为非空的字符串或整数，实为{shown}", "成员编号")


def parse_input(obj: Any) -> AppraisalInput:
    """The `appraisal_score` input (issue 4): {"weights": {…}, "members": [{"id",
    "totals"}]}. Without "weights" (or null) the default 10/30/20/40 applies; when given,
    all four are required. Other top-level keys are refused (a misspelt "weight" must not
    fall back to the default silently); other keys of a member (a name) are ignored.
    Ids are unique, compared as text ("7" and 7 are the same member)."""
    if not isinstance(obj, Mapping):
        raise InvalidInput(f"输入应为一个 JSON 对象（{{…}}），实为{_kind(obj)}")
    for key in obj:
        if key not in _TOP_KEYS:
            raise InvalidInput(f"未知的字段“{_shown(key)}”：输入只有 weights（权重）和 members（成员）")
    raw_weights = obj.get("weights")
    weights = parse_weights(DEFAULT_WEIGHTS if raw_weights is None else raw_weights)
    if "members" not in obj:
        raise _bad("members", "缺少此字段", "成员")
    raw_members = obj["members"]
    if not isinstance(raw_members, list | tuple):
        raise _bad("members", f"应为数组，实为{_kind(raw_members)}", "成员")
    members = []
    seen: dict[str, int] = {}
    for i, item in enumerate(raw_members):
        path = f"members[{i}]"
        if not isinstance(item, Mapping):
            raise _bad(path, f"应为 JSON 对象，实为{_kind(item)}", "成员")
        member_id = _member_id(item.get("id"), f"{path}.id")
        key = str(member_id)
        if key in seen:
            raise _bad(
                f"{path}.id", f"“{_shown(member_id)}”与 members[{seen[key]}] 重复，编号不能重复", "成员编号"
            )
        seen[key] = i
        if item.get("totals") is None:
            raise _bad(f"{path}.totals", "缺少此字段", f"成员“{_shown(member_id)}”的评价")
        members.append(MemberTotals(member_id, parse_totals(item["totals"], f"{path}.totals", member_id)))
    return AppraisalInput(weights=MappingProxyType(weights), members=tuple(members))
