"""The vocabulary of a Shanxi coal group, for demo and benchmark data: surnames and
given-name characters, birthplaces, work districts with their crews and trades.

Weights are rough: surnames follow the national frequency order, leaning towards the
ones common in Shanxi (郭, 武, 贾, 闫, 郝, 乔, 牛, 霍); districts follow the make-up of a
mine of about four thousand people (a few fully mechanised faces, more development
teams, and the support units around them)."""

from __future__ import annotations

# (surname, weight); a few compound surnames at the end.
SURNAMES: list[tuple[str, int]] = [
    ("王", 90), ("李", 85), ("张", 80), ("刘", 70), ("陈", 40), ("杨", 45), ("赵", 40),
    ("郭", 38), ("武", 25), ("贾", 22), ("梁", 22), ("韩", 20), ("田", 18), ("闫", 18),
    ("郝", 17), ("高", 20), ("马", 18), ("孙", 17), ("周", 15), ("吴", 14), ("徐", 14),
    ("胡", 13), ("朱", 13), ("林", 8), ("何", 10), ("罗", 8), ("宋", 12), ("郑", 10),
    ("谢", 8), ("唐", 7), ("冯", 12), ("于", 8), ("董", 10), ("程", 9), ("曹", 10),
    ("袁", 8), ("邓", 6), ("许", 8), ("段", 12), ("乔", 11), ("牛", 10), ("霍", 9),
    ("温", 9), ("薛", 10), ("任", 11), ("卫", 6), ("白", 10), ("崔", 8), ("康", 8),
    ("常", 9), ("史", 8), ("秦", 7), ("侯", 8), ("孟", 7), ("姚", 6), ("石", 7), ("范", 7),
    ("吕", 7), ("苏", 6), ("丁", 6), ("魏", 8), ("阎", 5), ("杜", 7), ("岳", 5), ("申", 5),
    ("雷", 5), ("毛", 4), ("邢", 5), ("裴", 5), ("靳", 5), ("柴", 4), ("药", 2), ("智", 2),
    ("暴", 1), ("司马", 1), ("欧阳", 1), ("上官", 1),
]  # fmt: skip

MALE_CHARS = (
    "伟强军勇磊斌杰涛明超刚平辉鹏华飞鑫波宁建国峰东亮林海龙文志春俊晓宏成兵利忠新泽宇浩凯博"
    "然旭阳健毅彬锋祥瑞福生德广永胜荣庆贵山江河红卫兴旺喜富才金虎豹鹤翔振宇晨浩轩皓睿"
)
FEMALE_CHARS = "芳娜敏静丽艳娟霞燕玲婷雪慧琳晶洁红梅莉萍秀英华颖倩佳丹琴璐蓉瑶怡欣悦彤月凤兰桂"

# Ethnic minorities found in Shanxi's mining towns: (ethnicity, weight, name builder).
# 回族 and 满族 carry Han-style names; a few colleagues from Xinjiang carry "·" names.
MINORITIES: list[tuple[str, int]] = [("回族", 50), ("蒙古族", 20), ("满族", 20), ("维吾尔族", 3)]
UYGHUR_NAMES = ["艾力", "买买提", "阿不都", "吐尔逊", "热合曼", "艾买提", "努尔"]

# GB/T 2260 region codes (birth registration) and the native place they stand for.
REGIONS: list[tuple[str, str, int]] = [
    ("140105", "山西太原", 8), ("140106", "山西太原", 6), ("140107", "山西太原", 5),
    ("140108", "山西太原", 5), ("140110", "山西太原", 6), ("140121", "山西清徐", 4),
    ("140181", "山西古交", 10), ("140202", "山西大同", 8), ("140212", "山西大同", 4),
    ("140302", "山西阳泉", 8), ("140303", "山西阳泉", 8), ("140311", "山西阳泉", 5),
    ("140403", "山西长治", 6), ("140502", "山西晋城", 6), ("140525", "山西泽州", 5),
    ("140602", "山西朔州", 6), ("140702", "山西晋中", 5), ("140781", "山西介休", 6),
    ("140802", "山西运城", 4), ("140902", "山西忻州", 5), ("141002", "山西临汾", 6),
    ("141181", "山西孝义", 7), ("141182", "山西汾阳", 5), ("141102", "山西吕梁", 5),
    ("410303", "河南洛阳", 2), ("410802", "河南焦作", 2), ("130402", "河北邯郸", 2),
    ("370802", "山东济宁", 1), ("610602", "陕西延安", 1), ("510304", "四川自贡", 1),
]  # fmt: skip

# Region codes the seed never uses: the benchmark's rosters take their ID numbers
# from these, so they can never clash with a seeded person.
ROSTER_REGIONS: list[tuple[str, str, int]] = [
    ("140109", "山西太原", 5), ("140211", "山西大同", 3), ("140421", "山西长治", 3),
    ("140522", "山西阳城", 3), ("141024", "山西洪洞", 3), ("140723", "山西和顺", 2),
]  # fmt: skip


class DistrictKind:
    """A kind of work district: how its units are named, its crews, its trades."""

    def __init__(
        self,
        stem: str,
        suffix: str,
        *,
        crews: tuple[str, ...],
        trades: tuple[str, ...],
        numbered: bool = True,
        underground: bool = True,
        frontline: bool = True,
        female_share: float = 0.02,
    ):
        self.stem, self.suffix, self.crews, self.trades = stem, suffix, crews, trades
        self.numbered, self.underground, self.frontline = numbered, underground, frontline
        self.female_share = female_share

    def unit_name(self, number: int, count: int) -> str:
        if count == 1 and not self.numbered:
            return f"{self.stem}{self.suffix}"
        return f"{self.stem}{chinese_numeral(number)}{self.suffix}"


SHIFTS = ("早班", "中班", "夜班")
DISTRICTS: dict[str, DistrictKind] = {
    "综采": DistrictKind(
        "综采",
        "队",
        crews=("生产一班", "生产二班", "检修班"),
        trades=("采煤机司机", "支架工", "刮板输送机司机", "转载机司机", "泵站司机", "电钳工", "端头工"),
    ),
    "掘进": DistrictKind(
        "掘进",
        "队",
        crews=SHIFTS,
        trades=("掘进机司机", "锚杆支护工", "掘进工", "皮带司机", "电钳工", "爆破工"),
    ),
    "开拓": DistrictKind(
        "开拓", "队", crews=SHIFTS, trades=("掘进工", "支护工", "爆破工", "电钳工"), numbered=False
    ),
    "准备": DistrictKind(
        "准备", "队", crews=SHIFTS, trades=("安装工", "支护工", "绞车司机", "电钳工"), numbered=False
    ),
    "巷修": DistrictKind("巷修", "队", crews=SHIFTS, trades=("巷修工", "支护工", "运料工"), numbered=False),
    "机电": DistrictKind(
        "机电",
        "队",
        crews=("一班", "二班", "三班"),
        trades=("电钳工", "机电维修工", "变电所值班员", "主提升机司机", "水泵司机"),
        numbered=False,
    ),
    "运输": DistrictKind(
        "运输",
        "队",
        crews=("一班", "二班", "三班"),
        trades=("电机车司机", "绞车司机", "信号把钩工", "皮带司机", "轨道工"),
        numbered=False,
    ),
    "通风": DistrictKind(
        "通风",
        "队",
        crews=("瓦检班", "通风班", "监测班"),
        trades=("瓦斯检查工", "通风工", "测风员", "安全监测工", "防突工"),
        numbered=False,
    ),
    "抽采": DistrictKind(
        "瓦斯抽采", "队", crews=SHIFTS, trades=("钻机工", "抽采泵工", "瓦斯检查工"), numbered=False
    ),
    "安监": DistrictKind(
        "安监",
        "站",
        crews=("安检一组", "安检二组"),
        trades=("安全检查工", "安全员", "瓦斯检查工"),
        numbered=False,
        female_share=0.05,
    ),
    "洗煤": DistrictKind(
        "洗煤",
        "厂",
        crews=("甲班", "乙班", "丙班"),
        trades=("洗选工", "浮选司机", "压滤工", "化验员", "皮带司机"),
        numbered=False,
        underground=False,
        female_share=0.3,
    ),
}
# The first districts a mine gets, in order; past these, more production teams.
CORE_DISTRICTS = ("综采", "掘进", "开拓", "机电", "运输", "通风", "安监", "洗煤", "综采", "掘进", "准备")
MORE_DISTRICTS: list[tuple[str, int]] = [
    ("综采", 3), ("掘进", 6), ("开拓", 1), ("准备", 1), ("巷修", 1), ("机电", 1), ("运输", 1),
    ("通风", 1), ("抽采", 1),
]  # fmt: skip

OFFICE_TRADES = ("科员", "调度员", "会计", "技术员", "工程师", "主管")
OFFICE_SECTIONS = ("第一党小组", "第二党小组", "第三党小组")
SERVICE_TRADES = ("后勤服务员", "司机", "厨师", "保管员", "物业维修工")

# Positions within a district (岗位) besides the ordinary post of a trade.
TEAM_LEADER_POSTS = ("班长", "副班长")
DISTRICT_POSTS = ("队长", "副队长", "技术员", "安全员", "验收员")

EDUCATION_UNDERGROUND: list[tuple[str, int]] = [
    ("junior_or_below", 12), ("high_school", 20), ("secondary_vocational", 30), ("college", 27),
    ("bachelor", 10), ("postgraduate", 1),
]  # fmt: skip
EDUCATION_OFFICE: list[tuple[str, int]] = [
    ("high_school", 5), ("secondary_vocational", 7), ("college", 25), ("bachelor", 53),
    ("postgraduate", 10),
]  # fmt: skip
EDUCATION_OLDER: list[tuple[str, int]] = [
    ("junior_or_below", 35), ("high_school", 30), ("secondary_vocational", 20), ("college", 12),
    ("bachelor", 3),
]  # fmt: skip

MINE_NAMES = "一二三四五六七八九十"
GROUP_NAME = "晋源煤业集团党委"

_DIGITS = "零一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 35 → 三十五, 101 → 一百零一."""
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _DIGITS[n // 10] + "十" + (_DIGITS[n % 10] if n % 10 else "")
    rest = n % 100
    if rest == 0:
        tail = ""
    elif rest < 10:
        tail = "零" + _DIGITS[rest]
    elif rest < 20:
        tail = "一" + chinese_numeral(rest)
    else:
        tail = chinese_numeral(rest)
    return _DIGITS[n // 100] + "百" + tail
