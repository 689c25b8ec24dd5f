"""The personal-data rules, without a database."""

from datetime import date

import pytest

from vanguard.people import rules
from vanguard.people.rules import PersonFacts, check_person

TODAY = date(2026, 11, 23)


def facts(**kw):
    base = dict(
        name="张三",
        gender="female",  # 17th digit 2: a woman
        birth_date=date(1949, 12, 31),
        id_number="11010519491231002X",
        phone="13812345678",
        political_status="full",
        application_date=date(1970, 1, 1),
        join_date=date(1971, 7, 1),
        full_member_date=date(1972, 7, 1),
    )
    base.update(kw)
    return PersonFacts(**base)


def codes(problems):
    return sorted(p.code for p in problems)


def test_a_valid_record_has_no_problems():
    assert check_person(facts(), today=TODAY) == []


@pytest.mark.parametrize(
    ("id_number", "code"),
    [
        ("11010519491231002X", None),  # GB 11643's own example, check digit X
        ("110105194912310021", "id_checksum"),
        ("11010519491331002X", "id_birth"),  # month 13
        ("1101051949123100", "id_format"),
        ("11010519491231002Y", "id_format"),
    ],
)
def test_id_numbers_are_checked_by_gb11643(id_number, code):
    problems = rules.id_number_problems(id_number)
    assert [p.code for p in problems] == ([code] if code else [])


def test_checksum_message_names_the_field_and_the_expected_digit():
    (problem,) = rules.id_number_problems("110105194912310021")
    assert problem.field == "身份证号"
    assert "应为 X" in problem.message


def test_birth_date_and_gender_must_agree_with_the_id_number():
    problems = check_person(facts(birth_date=date(1950, 1, 1), gender="male"), today=TODAY)
    assert codes(problems) == ["id_birth_mismatch", "id_gender_mismatch"]


@pytest.mark.parametrize("phone", ["13812345678", "0351-1234567", "03511234567", ""])
def test_valid_phones(phone):
    assert rules.phone_problems(phone) == []


@pytest.mark.parametrize("phone", ["1381234567", "23812345678", "12812345678", "abc"])
def test_invalid_phones(phone):
    assert [p.code for p in rules.phone_problems(phone)] == ["phone"]


def test_dates_must_run_born_applied_joined_full():
    problems = check_person(facts(join_date=date(1969, 1, 1), full_member_date=date(1970, 1, 1)), today=TODAY)
    assert "order" in codes(problems)
    assert any("入党日期" in p.message and "应晚于申请入党日期" in p.message for p in problems)


def test_full_membership_no_earlier_than_one_year_of_probation():
    problems = check_person(facts(full_member_date=date(1972, 6, 30)), today=TODAY)
    assert codes(problems) == ["probation"]
    assert check_person(facts(full_member_date=date(1972, 7, 1)), today=TODAY) == []


def test_applicant_must_be_eighteen():
    problems = check_person(facts(application_date=date(1967, 12, 30)), today=TODAY)
    assert "age" in codes(problems)
    assert "age" not in codes(check_person(facts(application_date=date(1967, 12, 31)), today=TODAY))


def test_dates_in_the_future_are_refused():
    problems = check_person(
        facts(political_status="probationary", full_member_date=None, join_date=date(2026, 11, 24)),
        today=TODAY,
    )
    assert "future" in codes(problems)


def test_member_needs_join_date_and_worker_none():
    assert "required" in codes(
        check_person(
            facts(join_date=None, full_member_date=None, political_status="probationary"), today=TODAY
        )
    )
    assert "status_dates" in codes(check_person(facts(political_status="worker"), today=TODAY))


@pytest.mark.parametrize(
    ("name", "pinyin", "initials"), [("张三", "zhangsan", "zs"), ("欧阳娜娜", "ouyangnana", "oynn")]
)
def test_search_keys(name, pinyin, initials):
    assert rules.search_keys(name) == (pinyin, initials)


def test_masks_keep_only_what_identifies_nobody():
    assert rules.mask_id_number("11010519491231002X") == "110105********002X"
    assert rules.mask_phone("13812345678") == "138****5678"


def test_normalize_name_removes_padding_and_full_width_spaces():
    assert rules.normalize_name(" 张　三 ") == "张三"


def test_compose_id_number_makes_valid_numbers():
    number = rules.compose_id_number("140105", date(1990, 2, 28), 123)
    assert rules.id_number_problems(number) == []
    assert rules.id_gender(number) == "male"


@pytest.mark.parametrize(
    ("name", "pinyin", "initials"),
    [
        ("单田芳", "shantianfang", "stf"),
        ("曾国藩", "zengguofan", "zgf"),
        ("解缙", "xiejin", "xj"),
        ("吕布", "lvbu", "lb"),
    ],
)
def test_search_keys_use_surname_readings(name, pinyin, initials):
    assert rules.search_keys(name) == (pinyin, initials)
