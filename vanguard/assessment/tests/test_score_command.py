"""`manage.py appraisal_score FILE.json`: the contract (issue 4) — exit 0 and the JSON
array of {"id", "score", "flag", "rank", "incomplete"}; exit 2 with one Chinese line on
stderr (nothing on stdout, no traceback) when the input cannot be read."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[3]

CONTRACT_JSON = {
    "weights": {"self": 10, "peer": 30, "worker": 20, "organization": 40},
    "members": [
        {"id": "张三", "totals": {"self": [88], "peer": [90, 85], "worker": [], "organization": [92]}},
        {
            "id": "李四",
            "totals": {
                "self": [95],
                "peer": [98, 92, 91, 90, 60],
                "worker": [88.5, 90, 92, 93, 99, 70],
                "organization": [90],
            },
        },
        {"id": "王五", "totals": {"self": [89.5], "peer": [90], "worker": [90], "organization": [90]}},
        {"id": "赵六", "totals": {"self": [], "peer": [], "worker": [], "organization": []}},
        {"id": "钱七", "totals": {"self": [70], "peer": [69.94], "worker": [69.94], "organization": [69.94]}},
    ],
}
# 张三: (88×10 + 87.5×30 + 92×40) ÷ 80 = 89.8125 → 89.8, no workers → incomplete
# 李四: peers 92, 91, 90 → 91; workers 88.5, 90, 92, 93 → 90.875;
#       9.5 + 27.3 + 18.175 + 36 = 90.975 → 91.0
# 王五: 8.95 + 27 + 18 + 36 = 89.95 → 90.0
# 钱七: 7 + 20.982 + 13.988 + 27.976 = 69.946 → 69.9 grey
EXPECTED = [
    {"id": "张三", "score": 89.8, "flag": "yellow", "rank": 3, "incomplete": True},
    {"id": "李四", "score": 91.0, "flag": "red", "rank": 1, "incomplete": False},
    {"id": "王五", "score": 90.0, "flag": "red", "rank": 2, "incomplete": False},
    {"id": "赵六", "score": None, "flag": None, "rank": None, "incomplete": True},
    {"id": "钱七", "score": 69.9, "flag": "grey", "rank": 4, "incomplete": False},
]


def run(capsys, path):
    try:
        call_command("appraisal_score", str(path))
        code = 0
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def write(tmp_path, obj, name="scores.json"):
    path = tmp_path / name
    path.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    return path


def test_scores_flags_ranks_and_incompleteness_exit_0(tmp_path, capsys):
    code, out, err = run(capsys, write(tmp_path, CONTRACT_JSON))
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data == EXPECTED
    assert all(list(row) == ["id", "score", "flag", "rank", "incomplete"] for row in data)
    assert '"score": 90.0,' in out and '"score": 91.0,' in out  # one decimal, even when .0
    assert "\\u" not in out  # Chinese as Chinese (ensure_ascii=False)


def test_the_score_is_exact_where_floats_are_not(tmp_path, capsys):
    # each member's sources all gave the same total: the score is that total rounded half
    # up, whatever the binary float of 89.95 or 69.95 would say; 80.0 and 80 tie
    members = [
        {"id": i, "totals": {s: [t] for s in ("self", "peer", "worker", "organization")}}
        for i, t in enumerate([89.95, 69.96, 69.94, 79.95, 80, 70])
    ]
    code, out, _ = run(capsys, write(tmp_path, {"members": members}))
    assert code == 0
    assert [(r["score"], r["flag"], r["rank"]) for r in json.loads(out)] == [
        (90.0, "red", 1),
        (70.0, "blue", 4),
        (69.9, "grey", 6),
        (80.0, "yellow", 2),
        (80.0, "yellow", 2),
        (70.0, "blue", 4),
    ]


def test_without_weights_the_default_applies_and_no_members_is_an_empty_list(tmp_path, capsys):
    code, out, _ = run(capsys, write(tmp_path, {"members": CONTRACT_JSON["members"][:1]}))
    assert (code, json.loads(out)[0]["score"]) == (0, 89.8)
    code, out, _ = run(capsys, write(tmp_path, {"members": []}))
    assert (code, json.loads(out)) == (0, [])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "找不到文件"),
        (b"", "不是有效的 JSON：第 1 行第 1 列"),
        (b'{"members": [],}', "不是有效的 JSON：第 1 行"),
        (b"\xff\xfe{\x00}\x00", "文件不是 UTF-8 编码的文本"),
        ('{"members": [{"id": "张三"}]}'.encode("gbk"), "文件不是 UTF-8 编码的文本"),
        (b'{"members": [{"id": "a", "totals": {"peer": [NaN]}}]}', "不是有效的 JSON：含有 NaN/Infinity"),
        (b'{"members": [{"id": "a", "totals": {"peer": [Infinity]}}]}', "不是有效的 JSON：含有 NaN/Infinity"),
        (b'{"members": [{"id": "a", "totals": {"peer": [' + b"9" * 5000 + b"]}}]}", "过长的数字"),
        (b"[" * 100000 + b"]" * 100000, "不是有效的 JSON"),
        (b"[1, 2]", "输入应为一个 JSON 对象"),
        (
            b'{"weights": {"self": 10, "peer": 30, "worker": 20, "organization": 30}, "members": []}',
            "权重（weights）：四项之和应为 100，实为 90（self 10 + peer 30 + worker 20 + organization 30）",
        ),
        (b'{"weights": {"self": 10, "peer": 90}, "members": []}', "权重（weights）：缺少 worker（群众参评）"),
        (
            b'{"weights": {"self": 10, "peer": 30, "worker": 20, "organization": 40}}',
            "成员（members）：缺少此字段",
        ),
        (
            '{"members": [{"id": "张三", "totals": {"peer": [90, 100.01]}}]}'.encode(),
            "成员“张三”的党员互评（members[0].totals.peer[1]）：应在 0 至 100 之间，实为 100.01",
        ),
        (
            b'{"members": [{"id": "a", "totals": {"worker": [89.949]}}]}',
            "成员“a”的群众参评（members[0].totals.worker[0]）：最多两位小数，实为 89.949",
        ),
        (b'{"members": [{"id": "a", "totals": {"peer": [true]}}]}', "应为数字，实为布尔值"),
        (b'{"members": [{"id": "a", "totals": {"peer": ["90"]}}]}', "应为数字，实为字符串"),
        (b'{"members": [{"id": "a", "totals": {"boss": [90]}}]}', "未知的评价来源“boss”"),
        (b'{"members": [{"id": "a", "totals": {}}, {"id": "a", "totals": {}}]}', "“a”与 members[0] 重复"),
        (b'{"members": [{"id": "a", "totals": {"peer": [1e999]}}]}', "应在 0 至 100 之间"),
    ],
)
def test_unreadable_input_exits_2_with_one_chinese_line_only(tmp_path, capsys, content, message):
    path = tmp_path / "scores.json"
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

    def score(path):
        return subprocess.run(
            [python, "manage.py", "appraisal_score", str(path)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=120,
        )

    done = score(write(tmp_path, CONTRACT_JSON))
    assert (done.returncode, json.loads(done.stdout), done.stderr) == (0, EXPECTED, "")
    bad = {**CONTRACT_JSON, "weights": {"self": 10, "peer": 30, "worker": 20, "organization": 39}}
    done = score(write(tmp_path, bad, "bad.json"))
    assert (done.returncode, done.stdout) == (2, "")
    assert "四项之和应为 100，实为 99" in done.stderr and "Traceback" not in done.stderr
    done = score(tmp_path / "missing.json")
    assert (done.returncode, done.stdout) == (2, "")
    assert "找不到文件" in done.stderr and "Traceback" not in done.stderr
