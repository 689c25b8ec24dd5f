"""The two commands: exit codes, the exact JSON, and one run of the real process."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from vanguard.imports.tests.xlsx import build, member_row, save
from vanguard.people.models import Person

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]


def run(capsys, *args):
    try:
        call_command(*args)
        code = 0
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_json_success_then_unchanged(tree, tmp_path, capsys):
    path = save(tmp_path, "roster.xlsx", build([member_row(1, "测试一"), member_row(2, "测试二")]))
    code, out, _ = run(capsys, "import_roster", path, "--json")
    assert code == 0
    assert json.loads(out) == {"created": 2, "updated": 0, "unchanged": 0, "errors": []}
    code, out, _ = run(capsys, "import_roster", path, "--json")
    assert (code, json.loads(out)) == (0, {"created": 0, "updated": 0, "unchanged": 2, "errors": []})


def test_errors_exit_1_with_located_errors_and_nothing_written(tree, tmp_path, capsys):
    path = save(tmp_path, "bad.xlsx", build([member_row(1, "测试一"), member_row(2, "测试二", 手机="123")]))
    code, out, _ = run(capsys, "import_roster", path, "--json")
    data = json.loads(out)
    assert code == 1
    assert list(data) == ["created", "updated", "unchanged", "errors"]
    assert data["errors"] == [{"row": 4, "column": "联系电话", "message": data["errors"][0]["message"]}]
    assert data["errors"][0]["message"].startswith("联系电话：")
    assert not Person.objects.filter(name__startswith="测试").exists()


def test_dry_run_and_human_summary(tree, tmp_path, capsys):
    path = save(tmp_path, "roster.xlsx", build([member_row(1, "测试一")]))
    code, out, _ = run(capsys, "import_roster", path, "--dry-run")
    assert code == 0 and "试运行" in out and "新建 1" in out
    assert not Person.objects.filter(name="测试一").exists()


def test_human_error_table(tree, tmp_path, capsys):
    path = save(tmp_path, "bad.xlsx", build([member_row(1, "测试一", 入党时间="去年")]))
    code, out, _ = run(capsys, "import_roster", path)
    assert code == 1 and "未写入任何数据" in out and "3\t入党日期\t入党日期：无法识别的日期“去年”" in out


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.xlsx", None, "找不到文件"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "请另存为 .xlsx 格式"),
        ("list.csv", "姓名,身份证号\n张三,1\n".encode(), "请另存为 .xlsx 格式"),
    ],
)
def test_unreadable_files_exit_2_with_a_chinese_message(tmp_path, capsys, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    for command in ("import_roster", "import_orgs"):
        code, out, err = run(capsys, command, str(path), "--json")
        assert (code, out) == (2, "")
        assert message in err


def test_import_orgs_json(tree, tmp_path, capsys):
    buf = build([["三矿党委", "集团党委", "党委"]], header=["组织名称", "上级组织", "组织类型"], titles=())
    path = save(tmp_path, "orgs.xlsx", buf)
    code, out, _ = run(capsys, "import_orgs", path, "--json")
    assert (code, json.loads(out)) == (0, {"created": 1, "updated": 0, "unchanged": 0, "errors": []})


@pytest.mark.django_db(transaction=True)
def test_the_real_command_on_a_sqlite_file(tmp_path):
    """A real process, a real database file given by DATABASE_URL=sqlite:///path."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "VANGUARD_VAR_DIR": str(tmp_path),
    }
    python = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable

    def manage(*args):
        return subprocess.run(
            [python, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )

    assert manage("migrate", "--no-input", "-v0").returncode == 0
    orgs = build(
        [
            ["集团党委", "", "党委"],
            ["一矿党委", "集团党委", "党委"],
            ["综采一队党支部", "一矿党委", "党支部"],
        ],
        header=["组织名称", "上级组织", "组织类型"],
    )
    done = manage("import_orgs", save(tmp_path, "orgs.xlsx", orgs), "--json")
    assert done.returncode == 0, done.stderr
    roster = build(
        [
            member_row(1, "测试一", 党小组="", 区队="", 班组=""),
            member_row(2, "测试二", 党小组="", 区队="", 班组=""),
        ]
    )
    done = manage("import_roster", save(tmp_path, "roster.xlsx", roster), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"created": 2, "updated": 0, "unchanged": 0, "errors": []}
    again = manage("import_roster", str(tmp_path / "roster.xlsx"), "--json")
    assert json.loads(again.stdout)["unchanged"] == 2
