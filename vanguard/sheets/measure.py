"""Measure .xlsx readers on generated rosters (docs/decisions/0004-excel-reader.md).

    .venv/bin/python -m vanguard.sheets.measure [ROWS ...]

Each reader runs in its own process so that peak RSS (ru_maxrss) is its own; the
Python-heap peak comes from tracemalloc in a separate run (it slows the reader)."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import date

HEADERS = [
    "序号", "姓名", "性别", "民族", "出生日期", "身份证号", "籍贯", "学历", "联系电话", "政治面貌",
    "申请入党日期", "入党日期", "转正日期", "所在党支部", "党小组", "党内职务", "区队", "班组", "岗位",
    "工种", "是否一线", "专业技术人员", "生产骨干", "在岗情况", "困难党员", "流动党员", "备注",
]  # fmt: skip


def id_number(region: str, born: date, sequence: int) -> str:
    """A well-formed GB 11643 number (ISO 7064 MOD 11-2 check digit)."""
    first17 = f"{region}{born:%Y%m%d}{sequence % 1000:03d}"
    total = sum(
        int(d) * w
        for d, w in zip(first17, (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2), strict=True)
    )
    return first17 + "10X98765432"[total % 11]


def generate(path: str, rows: int, *, shared_strings: bool = False) -> None:
    """A roster shaped like the real ones: a title row, the header, text ID numbers,
    real dates, Chinese text. Strings inline (openpyxl write-only, as our exports) or in
    the shared-string table (as Excel and WPS save)."""
    from vanguard.sheets.writer import write_workbook

    def body():
        for i in range(rows):
            # 420 birth dates × 500 odd sequence numbers per region: unique ID numbers.
            born = date(1960 + i % 30, 1 + i % 12, 1 + i % 28)
            yield [
                i + 1, f"张{chr(0x4E00 + i % 2000)}{chr(0x4E00 + i % 997)}", "男", "汉族",
                born, id_number(f"{140105 + i // 210000}", born, 2 * (i // 420 % 500) + 1),
                "山西太原", "大学本科", f"139{i:08d}", "正式党员", date(born.year + 20, 3, 1),
                f"{born.year + 23}.07", f"{born.year + 24}年7月1日", "综采一队党支部", "第一党小组", "",
                "综采一队", "综采一班", "采煤机司机", "采煤工", "是", "否", "√", "在岗", "", "", "",
            ]  # fmt: skip

    if shared_strings:
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.append(["党员花名册"])
        ws.append(HEADERS)
        for row in body():
            ws.append(row)
        for cell in ws["E"] + ws["K"]:
            cell.number_format = "yyyy-mm-dd"
        wb.save(path)
        return
    with open(path, "wb") as fh:
        write_workbook(fh, sheet_title="花名册", headers=HEADERS, rows=body(), title="党员花名册")


def read_stream(path):
    from vanguard.sheets.reader import read_rows

    n = 0
    for _row in read_rows(path):
        n += 1
    return n


def read_calamine(path):
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(path)
    sheet = wb.get_sheet_by_index(0)
    _ = sheet.merged_cell_ranges
    n = 0
    for _row in sheet.iter_rows():
        n += 1
    return n


def read_openpyxl(path):
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    n = 0
    for _row in wb.worksheets[0].iter_rows(values_only=True):
        n += 1
    wb.close()
    return n


READERS = {"stream": read_stream, "calamine": read_calamine, "openpyxl": read_openpyxl}


def _child(reader: str, path: str, traced: bool) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if traced:
        tracemalloc.start()
    t0 = time.perf_counter()
    n = READERS[reader](path)
    seconds = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] if traced else 0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "rows": n,
                "seconds": seconds,
                "heap_peak_mb": peak / 2**20,
                "rss_growth_mb": (rss - base) / 1024,
            }
        )
    )


def main(sizes: list[int], readers: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for size, shared in [(size, shared) for size in sizes for shared in (False, True)]:
            path = os.path.join(tmp, f"roster-{size}-{shared}.xlsx")
            generate(path, size, shared_strings=shared)
            mb = os.path.getsize(path) / 2**20
            print(f"{size} rows, {'shared strings' if shared else 'inline strings'}, {mb:.1f} MB")
            for reader in readers:
                runs = []
                for traced in (False, True):
                    out = subprocess.run(  # noqa: S603 (our own interpreter and module)
                        [
                            sys.executable,
                            "-m",
                            "vanguard.sheets.measure",
                            "--child",
                            reader,
                            path,
                            str(traced),
                        ],
                        capture_output=True,
                        text=True,
                        check=True,
                    )
                    runs.append(json.loads(out.stdout))
                fast, traced_run = runs
                print(
                    f"  {reader:<9} {fast['seconds']:6.2f} s  "
                    f"{fast['rows'] / fast['seconds']:>9,.0f} rows/s  "
                    f"RSS +{fast['rss_growth_mb']:6.1f} MB  heap peak {traced_run['heap_peak_mb']:6.1f} MB"
                )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        _child(sys.argv[2], sys.argv[3], sys.argv[4] == "True")
    else:
        args = sys.argv[1:]
        chosen = [a for a in args if a in READERS] or list(READERS)
        main([int(a) for a in args if a.isdigit()] or [10_000, 50_000], chosen)
