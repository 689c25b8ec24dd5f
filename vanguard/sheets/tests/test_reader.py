import io
import zipfile
from datetime import datetime

import pytest
from openpyxl import Workbook

from vanguard.sheets.reader import UnreadableSheet, is_date_format, read_rows
from vanguard.sheets.table import Column, find_header


def xlsx(build) -> io.BytesIO:
    wb = Workbook()
    build(wb.active)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    return buf


def test_rows_keep_excel_numbers_types_and_merged_values():
    def fill(ws):
        ws.append(["花名册"])
        ws.merge_cells("A1:D1")
        ws.append(["姓名", "支部", "身份证号", "入党日期"])
        ws.append(["张三", "综采一队党支部", "11010519491231002X", datetime(2019, 7, 1)])
        ws.append(["李四", None, 110105194912310000, 43647])
        ws.append([])
        ws.append(["王五", None, None, "2019.07"])
        ws.merge_cells("B3:B6")
        ws["D3"].number_format = 'yyyy"年"m"月"d"日"'

    rows = list(read_rows(xlsx(fill)))

    assert [r.number for r in rows] == [1, 2, 3, 4, 5, 6]
    assert rows[0].values == ["花名册"] * 4
    assert rows[2].values == ["张三", "综采一队党支部", "11010519491231002X", datetime(2019, 7, 1)]
    assert rows[3].values == ["李四", "综采一队党支部", 110105194912310000, 43647]
    assert rows[4].values[:2] == [None, "综采一队党支部"]  # an empty row inside the merge
    assert rows[5].values == ["王五", "综采一队党支部", None, "2019.07"]


WPS_SHEET = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<x:sheetData>
<x:row><x:c t="inlineStr"><x:is><x:t>姓名</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:r><x:t>入党</x:t></x:r><x:r><x:t>日期</x:t></x:r></x:is></x:c><x:c t="s"><x:v>0</x:v></x:c></x:row>
<x:row><x:c t="inlineStr"><x:is><x:t xml:space="preserve">张&amp;三</x:t></x:is></x:c><x:c s="1"><x:v>43647</x:v></x:c><x:c t="s"><x:v>1</x:v></x:c><x:c r="E2" t="b"><x:v>1</x:v></x:c></x:row>
</x:sheetData>
<x:mergeCells count="1"><x:mergeCell ref="C2:D2"/></x:mergeCells>
</x:worksheet>"""
WPS_STRINGS = """<?xml version="1.0" encoding="UTF-8"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>备注</t></si>
<si><r><t>一线</t></r><r><t>骨干</t></r><rPh sb="0" eb="1"><t>ㄧ</t></rPh></si></sst>"""
WPS_STYLES = """<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="1"><numFmt numFmtId="176" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/></numFmts>
<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="176"/></cellXfs></styleSheet>"""
WORKBOOK = """<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"
xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="花名册" sheetId="1" r:id="rId1"/></sheets></workbook>"""
RELS = """<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="worksheet" Target="/xl/worksheets/sheet1.xml"/></Relationships>"""


def wps_file(sheet=WPS_SHEET) -> io.BytesIO:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        z.writestr("xl/sharedStrings.xml", WPS_STRINGS)
        z.writestr("xl/styles.xml", WPS_STYLES)
    buf.seek(0)
    return buf


def test_a_wps_style_file_inline_strings_prefixes_no_refs_no_dimension():
    rows = list(read_rows(wps_file()))
    assert rows[0].number == 1 and rows[0].values == ["姓名", "入党日期", "备注"]
    assert rows[1].number == 2
    assert rows[1].values == ["张&三", datetime(2019, 7, 1), "一线骨干", "一线骨干", True]


@pytest.mark.parametrize(
    ("code", "is_date"),
    [
        ("yyyy-mm-dd", True),
        ('yyyy"年"m"月"', True),
        ("[$-804]yyyy.mm", True),
        ("0.00", False),
        ("General", False),
        ('0"号"', False),
    ],
)
def test_date_formats(code, is_date):
    assert is_date_format(code) is is_date


def test_entity_declarations_are_refused():
    evil = WPS_STRINGS.replace(
        '<?xml version="1.0" encoding="UTF-8"?>', '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", RELS)
        z.writestr("xl/worksheets/sheet1.xml", WPS_SHEET)
        z.writestr("xl/sharedStrings.xml", evil)
    buf.seek(0)
    with pytest.raises(UnreadableSheet):
        list(read_rows(buf))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "旧版 .xls"),
        ("姓名,身份证号\n".encode("gbk"), "请另存为 .xlsx 格式"),
        (b"PK\x03\x04broken", "请另存为 .xlsx 格式"),
    ],
)
def test_files_that_are_not_xlsx(content, message):
    with pytest.raises(UnreadableSheet, match=message):
        list(read_rows(io.BytesIO(content)))


def test_a_missing_file(tmp_path):
    with pytest.raises(UnreadableSheet, match="找不到文件"):
        list(read_rows(tmp_path / "none.xlsx"))


def test_header_found_below_title_rows_under_synonyms_with_notes():
    def fill(ws):
        ws.append(["某矿"])
        ws.append(["花名册", None, "制表日期：2024-01-01"])
        ws.append(["序号", "*姓名", "公民身份号码（18位）", "备注"])
        ws.append([1, "张三", "x"])

    columns = [
        Column("name", "姓名", required=True),
        Column("id", "身份证号", ("公民身份号码",), required=True),
    ]
    header, rest = find_header(read_rows(xlsx(fill)), columns)
    assert header.row == 3 and header.index == {"name": 1, "id": 2} and header.problems == []
    assert [r.number for r in rest] == [4]


def test_a_streamed_read_holds_only_a_chunk(tmp_path):
    """Peak memory of reading does not grow with the number of rows."""
    import tracemalloc

    from vanguard.sheets.measure import generate

    peaks = []
    for n in (2_000, 8_000):
        path = tmp_path / f"r{n}.xlsx"
        generate(str(path), n)
        tracemalloc.start()
        for _ in read_rows(path):
            pass
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert peaks[1] < peaks[0] * 1.5
