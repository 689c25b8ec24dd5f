"""`manage.py admission_check FILE.json`: the contract other tools call (issue 3) —
exit 0 and the JSON when approvable, 1 with the findings when not, 2 with a Chinese
message on stderr (nothing on stdout, no traceback) when the input cannot be read."""

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command

from vanguard.admission.tests.test_rules import CONTRACT_JSON

ROOT = Path(__file__).resolve().parents[3]


def run(capsys, path):
    try:
        call_command("admission_check", str(path))
        code = 0
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def write(tmp_path, obj, name="dossier.json"):
    path = tmp_path / name
    path.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    return path


def test_an_approvable_dossier_exits_0_with_exactly_the_two_keys(tmp_path, capsys):
    code, out, err = run(capsys, write(tmp_path, CONTRACT_JSON))
    assert (code, err) == (0, "")
    assert json.loads(out) == {"approvable": True, "findings": []}


def test_violations_exit_1_with_codes_checks_and_chinese_messages(tmp_path, capsys):
    dossier = {
        **CONTRACT_JSON,
        "candidate_date": "2024-08-31",  # under a year after 2023-09-01
        "notice": {"start": "2024-11-04", "end": "2024-11-07", "objections": [{"resolved": False}]},
        "congress": {"date": "2024-12-02", "should_attend": 20, "present": 10, "in_favour": 10},
    }
    code, out, _ = run(capsys, write(tmp_path, dossier))
    data = json.loads(out)
    assert code == 1
    assert list(data) == ["approvable", "findings"] and data["approvable"] is False
    assert [(f["code"], f["check"]) for f in data["findings"]] == [
        ("cultivation", 1),
        ("notice_length", 4),
        ("notice_objection", 4),
        ("congress_quorum", None),
        ("congress_majority", None),
    ]
    assert all(list(f) == ["code", "check", "message"] for f in data["findings"])
    assert "2024-08-31 确定为发展对象，应不早于 2024-09-01" in data["findings"][0]["message"]
    assert "公示不满 5 天：2024-11-04 至 2024-11-07 共 4 天" in data["findings"][1]["message"]
    assert "\\u" not in out  # Chinese as Chinese (ensure_ascii=False)


def test_an_empty_dossier_is_not_approvable(tmp_path, capsys):
    code, out, _ = run(capsys, write(tmp_path, {}))
    data = json.loads(out)
    assert code == 1
    assert {1, 2, 3, 4, 5} <= {f["check"] for f in data["findings"]}
    assert {"cultivation", "pre_review", "committee_talk", "notice_length", "congress_record"} <= {
        f["code"] for f in data["findings"]
    }


def test_without_an_approval_date_it_judges_today(tmp_path, capsys, monkeypatch):
    from vanguard.admission.management.commands import admission_check

    path = write(tmp_path, {**CONTRACT_JSON, "approval_date": None})
    monkeypatch.setattr(admission_check.timezone, "localdate", lambda: date(2025, 3, 2))
    assert run(capsys, path)[0] == 0
    monkeypatch.setattr(admission_check.timezone, "localdate", lambda: date(2025, 3, 3))
    code, out, _ = run(capsys, path)
    assert (code, [f["code"] for f in json.loads(out)["findings"]]) == (1, ["approval_window"])


def test_special_case_allows_six_months(tmp_path, capsys):
    late = {**CONTRACT_JSON, "approval_date": "2025-06-02"}
    assert run(capsys, write(tmp_path, late))[0] == 1
    assert run(capsys, write(tmp_path, {**late, "special_case": True}))[0] == 0


def test_the_notice_rule_comes_from_settings(tmp_path, capsys, settings):
    # 2024-09-29 (make-up Sunday) to 2024-10-09: eleven calendar days, four working days
    path = write(tmp_path, {**CONTRACT_JSON, "notice": {"start": "2024-09-29", "end": "2024-10-09"}})
    assert run(capsys, path)[0] == 0
    settings.ADMISSION_NOTICE_WORKING_DAYS = True
    code, out, _ = run(capsys, path)
    assert code == 1 and "共 4 个工作日" in json.loads(out)["findings"][0]["message"]
    settings.ADMISSION_NOTICE_WORKING_DAYS = False
    settings.ADMISSION_NOTICE_MIN_DAYS = 12
    code, out, _ = run(capsys, path)
    assert code == 1 and "公示不满 12 天" in json.loads(out)["findings"][0]["message"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "找不到文件"),
        (b"", "不是有效的 JSON：第 1 行第 1 列"),
        (b'{"birth_date": "1995-05-01",}', "不是有效的 JSON：第 1 行"),
        (b"\xff\xfe{\x00}\x00", "文件不是 UTF-8 编码的文本"),
        ("{}".encode("gbk") + "出生".encode("gbk"), "文件不是 UTF-8 编码的文本"),
        (b'{"training": {"hours": NaN}}', "不是有效的 JSON"),
        (b"[" * 100000 + b"]" * 100000, "不是有效的 JSON"),
        (b"[1, 2]", "输入应为一个 JSON 对象"),
        (b'{"birth_date": "2024-02-30"}', "出生日期（birth_date）：“2024-02-30” 不是有效的日期"),
        (b'{"mentors": [{"full_member": 1}]}', "培养联系人（mentors[0].full_member）"),
        (b'{"training": {"days": -3}}', "集中培训（training.days）：不能为负数"),
        (
            b'{"congress": {"should_attend": 20, "present": 25}}',
            "到会人数 25 大于应到会有表决权的党员人数 20",
        ),
        (
            b'{"congress": {"should_attend": 20, "in_favour": 21}}',
            "赞成票数 21 大于应到会有表决权的党员人数 20",
        ),
    ],
)
def test_unreadable_input_exits_2_with_a_chinese_message_only(tmp_path, capsys, content, message):
    path = tmp_path / "dossier.json"
    if content is not None:
        path.write_bytes(content)
    code, out, err = run(capsys, path)
    assert (code, out) == (2, "")
    assert message in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_a_directory_is_not_a_file(tmp_path, capsys):
    code, out, err = run(capsys, tmp_path)
    assert (code, out) == (2, "") and "是目录" in err


def test_a_byte_order_mark_is_accepted(tmp_path, capsys):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(CONTRACT_JSON).encode())
    assert run(capsys, path)[0] == 0


def test_the_real_process(tmp_path):
    """One run as other tools call it: a process, its exit status, stdout and stderr."""
    python = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
    env = {**os.environ, "VANGUARD_VAR_DIR": str(tmp_path)}

    def check(path):
        return subprocess.run(
            [python, "manage.py", "admission_check", str(path)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    done = check(write(tmp_path, CONTRACT_JSON))
    assert (done.returncode, json.loads(done.stdout), done.stderr) == (
        0,
        {"approvable": True, "findings": []},
        "",
    )
    done = check(write(tmp_path, {**CONTRACT_JSON, "motive_ok": False}, "bad.json"))
    assert done.returncode == 1
    assert json.loads(done.stdout)["findings"] == [
        {"code": "motive", "check": 3, "message": "入党动机不纯（五查之三）"}
    ]
    done = check(tmp_path / "missing.json")
    assert (done.returncode, done.stdout) == (2, "")
    assert "找不到文件" in done.stderr and "Traceback" not in done.stderr
