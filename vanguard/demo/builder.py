"""Plans a demo coal group and its people as plain data, without the database.

`plan_group` lays out the tree (mines → general branches → branches → groups, with the
work district and crews each covers); `PeopleFactory` makes people whose data obey
`vanguard.people.rules.check_person`. Everything is drawn from one `random.Random`,
so a seed and a date give the same group every time. `vanguard.demo.services` writes
the plan; the benchmark uses `PeopleFactory` to write rosters."""

from __future__ import annotations

import bisect
import itertools
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from vanguard.demo import catalog
from vanguard.people.rules import add_years, compose_id_number

# Shares of the register (N = everyone the register holds: members, the admission
# pipeline and the workers around them).
RETIRED_SHARE = 0.07
OFFICE_SHARE = 0.08
SERVICE_SHARE = 0.05
PEOPLE_PER_MINE = 4000
PEOPLE_PER_BRANCH = 30

# Party standing of people on the job (retirees in the retired branches are all full
# members). Overall this gives ≈ 70% full, 5% probationary, 10% in the pipeline, 15%
# workers.
STANDING: list[tuple[str, float]] = [
    ("full", 0.68),
    ("probationary", 0.055),
    ("applicant", 0.04),
    ("activist", 0.04),
    ("candidate", 0.025),
    ("worker", 0.16),
]


@dataclass
class GroupPlan:
    name: str
    crew: str | None  # the crew (班组) the group covers


@dataclass
class BranchPlan:
    name: str
    kind: str  # district | office | service | retired
    size: int
    district: str | None = None  # the work district's name (区队)
    district_kind: str | None = None  # key of catalog.DISTRICTS
    groups: list[GroupPlan] = field(default_factory=list)
    # Party posts held in this branch by members of a higher body (the mine's
    # secretary and organiser are members of an office branch).
    extra_posts: list[str] = field(default_factory=list)


@dataclass
class GeneralBranchPlan:
    name: str
    branches: list[BranchPlan]


@dataclass
class MinePlan:
    name: str
    branches: list[BranchPlan]
    general_branches: list[GeneralBranchPlan]

    def all_branches(self) -> list[BranchPlan]:
        return self.branches + [b for g in self.general_branches for b in g.branches]


@dataclass
class GroupTreePlan:
    name: str
    mines: list[MinePlan]

    def all_branches(self) -> list[BranchPlan]:
        return [b for m in self.mines for b in m.all_branches()]


def _split(total: int, parts: int, rng: random.Random, low: int = 15, high: int = 50) -> list[int]:
    """`total` split into `parts` sizes drawn around low..high, summing exactly."""
    if parts <= 0:
        return []
    weights = [rng.uniform(low, high) for _ in range(parts)]
    scale = total / sum(weights)
    sizes = [int(w * scale) for w in weights]
    for i in range(total - sum(sizes)):
        sizes[i % parts] += 1
    return sizes


def _groups(branch: BranchPlan) -> list[GroupPlan]:
    wanted = 2 if branch.size < 20 else 3 if branch.size <= 40 else 4
    if branch.district_kind:
        crews = catalog.DISTRICTS[branch.district_kind].crews
        return [GroupPlan(f"{crew}党小组", crew) for crew in crews[: max(2, min(wanted, len(crews)))]]
    return [GroupPlan(name, None) for name in catalog.OFFICE_SECTIONS[: min(wanted, 3)]]


def _district_kinds(count: int, rng: random.Random) -> list[str]:
    kinds = list(catalog.CORE_DISTRICTS[:count])
    pool, weights = zip(*catalog.MORE_DISTRICTS, strict=True)
    kinds += rng.choices(pool, weights=weights, k=max(0, count - len(kinds)))
    # Production teams first (综采一队 is the first branch of every mine), then the rest.
    order = {k: i for i, k in enumerate(catalog.DISTRICTS)}
    return sorted(kinds, key=lambda k: order[k])


def _branch_count(people: int) -> int:
    return max(1, round(people / PEOPLE_PER_BRANCH))


def plan_mine(name: str, people: int, rng: random.Random) -> MinePlan:
    retired = round(people * RETIRED_SHARE) if people >= 120 else 0
    service = round(people * SERVICE_SHARE) if people >= 360 else 0
    office = max(3, round(people * OFFICE_SHARE))
    district = people - retired - service - office

    district_sizes = _split(district, _branch_count(district), rng)
    kinds = _district_kinds(len(district_sizes), rng)
    counts = {k: kinds.count(k) for k in set(kinds)}
    seen: dict[str, int] = {}
    branches = []
    for kind, size in zip(kinds, district_sizes, strict=True):
        seen[kind] = seen.get(kind, 0) + 1
        unit = catalog.DISTRICTS[kind].unit_name(seen[kind], counts[kind])
        branches.append(BranchPlan(f"{unit}党支部", "district", size, unit, kind))

    def numbered(prefix: str, sizes: list[int], kind: str) -> list[BranchPlan]:
        if len(sizes) == 1:
            return [BranchPlan(f"{prefix}党支部", kind, sizes[0])]
        return [
            BranchPlan(f"{prefix}第{catalog.chinese_numeral(i)}党支部", kind, s)
            for i, s in enumerate(sizes, 1)
        ]

    general = [
        GeneralBranchPlan(
            "机关党总支",
            numbered("机关", _split(office, min(4, _branch_count(office)), rng), "office"),
        )
    ]
    if service:
        general.append(
            GeneralBranchPlan(
                "后勤党总支",
                numbered("后勤", _split(service, min(3, _branch_count(service)), rng), "service"),
            )
        )
    if retired:
        retired_branches = numbered("离退休", _split(retired, _branch_count(retired), rng), "retired")
        if len(retired_branches) > 1:
            general.append(GeneralBranchPlan("离退休党总支", retired_branches))
        else:
            branches += retired_branches
    mine = MinePlan(name, branches, general)
    for branch in mine.all_branches():
        branch.groups = _groups(branch)
    return mine


def plan_group(members: int, rng: random.Random) -> GroupTreePlan:
    """The whole tree for `members` people: about one mine per 4,000 people (at least
    two), about one branch per 30."""
    mines = max(2, round(members / PEOPLE_PER_MINE))
    shares = _split(members, mines, rng, low=0.8, high=1.2)
    plans = []
    for i, people in enumerate(shares, 1):
        name = (catalog.MINE_NAMES[i - 1] if i <= 10 else catalog.chinese_numeral(i)) + "矿党委"
        plans.append(plan_mine(name, people, rng))
    # The first mine's secretary and organiser belong to its first office branch.
    plans[0].general_branches[0].branches[0].extra_posts = ["党委书记", "党委组织委员"]
    return GroupTreePlan(catalog.GROUP_NAME, plans)


# --- people ----------------------------------------------------------------------------
@dataclass
class PersonDraft:
    """One person's fields, as `vanguard.people.models.Person` names them (without the
    branch, group, district and crew, which the writer attaches)."""

    name: str
    gender: str
    ethnicity: str
    birth_date: date
    id_number: str
    native_place: str
    education: str
    phone: str
    political_status: str
    application_date: date | None
    join_date: date | None
    full_member_date: date | None
    job_post: str
    job_type: str
    is_frontline: bool
    is_technician: bool
    is_backbone: bool
    employment: str
    is_in_difficulty: bool
    is_mobile: bool
    party_post: str = ""
    group_index: int | None = None  # index into the branch's groups


class _Weighted:
    def __init__(self, items):
        self.values = [v for v, _ in items]
        self.cum = list(itertools.accumulate(w for _, w in items))

    def pick(self, rng: random.Random):
        return self.values[bisect.bisect_right(self.cum, rng.random() * self.cum[-1])]


_SURNAMES = _Weighted(catalog.SURNAMES)
_MINORITIES = _Weighted(catalog.MINORITIES)
_STANDING = _Weighted(STANDING)
_EDU = {
    "underground": _Weighted(catalog.EDUCATION_UNDERGROUND),
    "office": _Weighted(catalog.EDUCATION_OFFICE),
    "older": _Weighted(catalog.EDUCATION_OLDER),
}


def _day_between(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, (end - start).days))


class PeopleFactory:
    """Makes valid people for a branch. Keeps the ID and phone numbers it has handed
    out so that they stay unique; `taken_ids` lets a caller exclude numbers already in
    the database."""

    def __init__(
        self,
        rng: random.Random,
        today: date,
        *,
        regions=catalog.REGIONS,
        taken_ids: set[str] | None = None,
        taken_phones: set[str] | None = None,
    ):
        self.rng, self.today = rng, today
        self.regions = _Weighted([((code, place), w) for code, place, w in regions])
        self.ids: set[str] = set(taken_ids or ())
        self.phones: set[str] = set(taken_phones or ())

    # --- identity -------------------------------------------------------------------
    def name(self, gender: str, ethnicity: str) -> str:
        rng = self.rng
        if ethnicity == "维吾尔族":
            first, last = rng.sample(catalog.UYGHUR_NAMES, 2)
            return f"{first}·{last}"
        chars = catalog.MALE_CHARS if gender == "male" else catalog.FEMALE_CHARS
        given = rng.choice(chars)
        if rng.random() < 0.62:
            given += rng.choice(chars if rng.random() < 0.85 else catalog.MALE_CHARS)
        return _SURNAMES.pick(rng) + given

    def id_number(self, birth: date, gender: str) -> tuple[str, str]:
        """A fresh GB 11643 number (odd sequence for men) and the native place of its region."""
        code, place = self.regions.pick(self.rng)
        seq = self.rng.randrange(1, 999)
        for _ in range(1000):
            if (seq % 2 == 1) != (gender == "male"):
                seq += 1
            number = compose_id_number(code, birth, seq % 1000)
            if number not in self.ids:
                self.ids.add(number)
                return number, place
            seq += 2
        raise RuntimeError(f"no free ID number left for {code} {birth}")  # pragma: no cover

    def phone(self, landline: bool = False) -> str:
        rng = self.rng
        while True:
            if landline:
                number = f"0351-{rng.randint(2000000, 8999999)}"
            else:
                number = f"1{rng.choice('35789')}{rng.randint(0, 9)}{rng.randint(0, 99999999):08d}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    # --- party standing ------------------------------------------------------------------
    def standing(self, status: str, birth: date) -> tuple[str, date | None, date | None, date | None]:
        """(status, applied, joined, full member) obeying birth < applied < joined < full,
        applied at 18 or later, full one year (or, extended, up to two) after joining,
        nothing after today. A person too young for the drawn status gets a lower one."""
        rng, today = self.rng, self.today
        earliest_app = add_years(birth, 18) + timedelta(days=1)
        year_ago = add_years(today, -1)
        if status == "full":
            latest_join = year_ago - timedelta(days=1)
            latest_app = latest_join - timedelta(days=400)
            if earliest_app <= latest_app:
                span = min((latest_app - earliest_app).days, 25 * 365)
                app = earliest_app + timedelta(days=int(rng.triangular(0, span, min(span, 5 * 365))))
                join = min(app + timedelta(days=rng.randint(400, 1500)), latest_join)
                full = add_years(join, 1)
                if rng.random() < 0.03:  # probation extended (6 to 12 months)
                    full = min(full + timedelta(days=rng.randint(183, 365)), today)
                return "full", app, join, full
            status = "probationary"
        if status == "probationary":
            join = _day_between(rng, year_ago + timedelta(days=1), today - timedelta(days=1))
            if earliest_app <= join - timedelta(days=400):
                app = _day_between(rng, earliest_app, join - timedelta(days=400))
                return "probationary", app, join, None
            status = "candidate"
        if status == "candidate":
            if earliest_app <= today - timedelta(days=400):
                latest = today - timedelta(days=400)
                return (
                    "candidate",
                    _day_between(rng, max(earliest_app, latest - timedelta(days=900)), latest),
                    None,
                    None,
                )
            status = "activist"
        if status == "activist":
            if earliest_app <= today - timedelta(days=60):
                latest = today - timedelta(days=60)
                return (
                    "activist",
                    _day_between(rng, max(earliest_app, latest - timedelta(days=700)), latest),
                    None,
                    None,
                )
            status = "applicant"
        if status == "applicant" and earliest_app <= today - timedelta(days=1):
            start = max(earliest_app, today - timedelta(days=300))
            return "applicant", _day_between(rng, start, today - timedelta(days=1)), None, None
        return "worker", None, None, None

    # --- one person ----------------------------------------------------------------------
    def person(self, branch: BranchPlan) -> PersonDraft:
        rng, today = self.rng, self.today
        district = catalog.DISTRICTS.get(branch.district_kind or "")
        retired = branch.kind == "retired"
        if district:
            female_share = district.female_share
        else:
            female_share = {"office": 0.4, "service": 0.45, "retired": 0.08}[branch.kind]
        gender = "female" if rng.random() < female_share else "male"
        ethnicity = "汉族" if rng.random() >= 0.015 else _MINORITIES.pick(rng)

        if retired:
            birth = _day_between(rng, date(1966, 1, 1), date(1971, 6, 30))
        else:
            # Underground work starts at 18 and most miners are between 25 and 55.
            year = round(rng.triangular(1966, min(2004, today.year - 20), 1985))
            birth = _day_between(rng, date(year, 1, 1), date(year, 12, 31))
        birth = min(birth, add_years(today, -20))
        id_number, native_place = self.id_number(birth, gender)

        if birth.year < 1972:
            education = _EDU["older"].pick(rng)
        elif branch.kind == "office":
            education = _EDU["office"].pick(rng)
        else:
            education = _EDU["underground"].pick(rng)

        status = "full" if retired else _STANDING.pick(rng)
        status, applied, joined, full = self.standing(status, birth)

        if district:
            trade = rng.choice(district.trades)
        elif branch.kind == "office":
            trade = rng.choice(catalog.OFFICE_TRADES)
        else:
            trade = rng.choice(catalog.SERVICE_TRADES)

        if retired:
            employment = "retired"
        elif birth.year <= 1975 and rng.random() < 0.04:
            employment = "off_post"
        else:
            employment = "on_job"
        on_job = employment == "on_job"
        frontline = bool(district and district.frontline and on_job)
        highly = education in ("bachelor", "postgraduate")
        return PersonDraft(
            name=self.name(gender, ethnicity),
            gender=gender,
            ethnicity=ethnicity,
            birth_date=birth,
            id_number=id_number,
            native_place=native_place,
            education=education,
            phone=self.phone(landline=retired and rng.random() < 0.1),
            political_status=status,
            application_date=applied,
            join_date=joined,
            full_member_date=full,
            job_post="" if retired else trade,
            job_type="" if retired else trade,
            is_frontline=frontline,
            is_technician=on_job and (trade in ("技术员", "工程师") or (highly and rng.random() < 0.3)),
            is_backbone=frontline and rng.random() < 0.15,
            employment=employment,
            is_in_difficulty=rng.random() < (0.08 if retired else 0.015),
            is_mobile=on_job and rng.random() < 0.005,
        )

    def branch_people(self, branch: BranchPlan) -> list[PersonDraft]:
        """The people of one branch, spread over its groups, with its posts held:
        secretary and committee members (a committee from seven full members up,
        支部工作条例 art. 9), a leader per group, district and crew leaders."""
        rng = self.rng
        people = [self.person(branch) for _ in range(branch.size)]
        groups = len(branch.groups)
        for i, p in enumerate(people):
            p.group_index = i % groups if groups else None
        full = [p for p in people if p.political_status == "full" and p.employment != "off_post"]
        posts = [*branch.extra_posts, "党支部书记"]
        if len(full) >= 7:
            posts += ["组织委员", "宣传委员", "纪检委员"][: 2 + (len(full) >= 20)]
        holders = iter(sorted(full, key=lambda p: p.birth_date))  # elder members first
        for post, person in zip(posts, holders, strict=False):
            person.party_post = post
            if post == "党支部书记" and branch.kind == "district":
                person.job_post = "党支部书记"
        for g in range(groups):
            candidates = [p for p in full if p.group_index == g and not p.party_post]
            if candidates:
                rng.choice(candidates).party_post = "党小组长"
        if branch.kind == "district":
            on_job = [p for p in people if p.employment == "on_job" and p.job_post != "党支部书记"]
            for post, person in zip(catalog.DISTRICT_POSTS, on_job, strict=False):
                person.job_post = post
                person.is_backbone = post != "验收员"
                person.is_technician = person.is_technician or post == "技术员"
            for g in range(groups):
                crew = [p for p in on_job[len(catalog.DISTRICT_POSTS) :] if p.group_index == g]
                for post, person in zip(catalog.TEAM_LEADER_POSTS, crew, strict=False):
                    person.job_post = post
                    person.is_backbone = True
        return people
