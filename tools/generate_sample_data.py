#!/usr/bin/env python3
"""Writes SampleData/mingguang/: department exports for 明光市, 2019 and 2020, deterministic.

The seed report (截至10月底 2020 and its campaigns) fixes the totals below; everything else
(dates, towns, enterprises, amounts) is drawn from a seeded generator. The pipeline must
count these figures back from the records; no summary row carries them.

Usage: tools/generate_sample_data.py [--out DIR] [--check]
  --check  regenerate into a temporary folder and fail if it differs from DIR.
"""
import argparse, csv, datetime as dt, filecmp, gzip, io, os, random, sys, tarfile, tempfile, zipfile
from xml.sax.saxutils import escape

# Figures from the seed report (../shared/seed): the generator's inputs.
ROAD_2020 = dict(deaths=[1, 1, 1, 1, 2, 0, 0, 0, 0], serious=[0, 1, 0, 2, 0, 1, 1, 0, 0])          # 9 / 6 / 5
ROAD_2019 = dict(deaths=[3, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0], serious=[0, 1, 0, 0, 2, 0, 1, 0, 0, 1, 0, 0])  # 12 / 11 / 5
CAMPAIGN = (dt.date(2020, 7, 20), dt.date(2020, 10, 27))          # 百日除患铸安, 100 days
CAMPAIGN_HAZARDS, CAMPAIGN_RECTIFIED = 494, 418
CAMPAIGN_MAJOR, CAMPAIGN_MAJOR_RECTIFIED = 34, 32
CAMPAIGN_ACTIONS = dict(closure=7, suspension=6, licence=124, fine=600, order=230)  # 967 violations
CAMPAIGN_FINES_YUAN = 1_183_000                                   # 118.3万元
INSPECTION = (dt.date(2020, 4, 1), dt.date(2020, 5, 31))          # 全省安全生产大检查大督查大整治
INSPECTION_GROUPS, INSPECTIONS, INSPECTION_HAZARDS = 272, 1001, 942
INSPECTION_ACTIONS = dict(order=196, suspension=4, closure=2, fine=120)
INSPECTION_FINES_YUAN = 2_990_000                                 # 299万元
LISTED_BATCHES = {"2020-1": 6, "2020-2": 7}                       # 13 listed, two batches
SAFETY_MONTH = (dt.date(2020, 6, 1), dt.date(2020, 6, 30))        # 安全生产月
DRILLS, DRILL_PEOPLE, DRILL_FUNDS_YUAN, CITY_WIDE = 18, 1562, 191_000, 4

TOWNS = ["明光街道", "明东街道", "明南街道", "明西街道", "女山湖镇", "古沛镇", "管店镇", "自来桥镇", "涧溪镇",
         "桥头镇", "张八岭镇", "三界镇", "柳巷镇", "潘村镇", "苏巷镇", "泊岗乡", "明光经济开发区"]
SECTORS = ["农林渔牧", "采矿", "商贸制造", "建筑", "其他"]
NAMES_A = ["华东", "嘉山", "明珠", "皖东", "凯盛", "天宇", "恒达", "金桥", "绿源", "永安", "宏图", "新华"]
NAMES_B = ["建材", "化工", "机械", "食品", "物流", "矿业", "建设", "商贸", "纺织", "电子"]
EXPORTED = dt.date(2020, 11, 5)
# The codes the pipeline's code lists carry: GB/T 4754 industry codes and 12-digit division codes.
INDUSTRY_CODE = {"农林渔牧": "A0141", "采矿": "B1019", "商贸制造": "C3311", "建筑": "E4790", "其他": "G5720"}
DIVISION_CODE = dict(zip(TOWNS, ["341182001000", "341182002000", "341182003000", "341182004000", "341182100000",
                                 "341182101000", "341182102000", "341182103000", "341182104000", "341182105000",
                                 "341182106000", "341182107000", "341182108000", "341182109000", "341182110000",
                                 "341182200000", "341182400000"]))

rng = random.Random(20201031)


def day_in(start, end):
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def enterprise():
    return f"明光市{rng.choice(NAMES_A)}{rng.choice(NAMES_B)}有限公司"


def split_amount(total, parts, step=100):
    """`parts` positive amounts (multiples of `step` but the last) that add up to `total` exactly."""
    weights = [rng.uniform(0.3, 1.7) for _ in range(parts)]
    scale = total / sum(weights)
    amounts = [max(step, int(w * scale) // step * step) for w in weights[:-1]]
    amounts.append(total - sum(amounts))
    assert amounts[-1] > 0 and sum(amounts) == total, "amount split failed"
    return amounts


def write_csv(path, header, rows, encoding="utf-8", newline="\n", title=None, footer=None):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=newline)
    if title:
        writer.writerow([title] + [""] * (len(header) - 1))
    writer.writerow(header)
    writer.writerows(rows)
    if footer:
        writer.writerow(footer)
    with open(path, "wb") as f:
        f.write(buffer.getvalue().encode(encoding))


ZIP_TIME = (2020, 11, 5, 9, 0, 0)


def write_zip(path, members):
    """A zip as Windows tools write one: fixed timestamps, stored or deflated members."""
    with zipfile.ZipFile(path, "w") as z:
        for name, data, method in members:
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = method
            z.writestr(info, data)


def excel_serial(day):
    return (day - dt.date(1899, 12, 30)).days


def write_xlsx(path, sheets):
    """An .xlsx as Excel saves one: shared strings for text, numbers as numbers, dates as
    serial numbers in a date style (s=1, built-in format 14), a title row left above the header.
    `sheets` is [(name, rows)]; a cell is str, int or dt.date."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    strings, index = [], {}

    def cell(ref, value):
        if isinstance(value, dt.date):
            return f'<c r="{ref}" s="1"><v>{excel_serial(value)}</v></c>'
        if isinstance(value, int):
            return f'<c r="{ref}"><v>{value}</v></c>'
        if value == "":
            return ""
        if value not in index:
            index[value] = len(strings)
            strings.append(value)
        return f'<c r="{ref}" t="s"><v>{index[value]}</v></c>'

    def column(i):
        return chr(65 + i) if i < 26 else chr(64 + i // 26) + chr(65 + i % 26)

    parts = []
    for n, (name, rows) in enumerate(sheets, 1):
        body = "".join(f'<row r="{r}">' + "".join(cell(f"{column(c)}{r}", v) for c, v in enumerate(row)) + "</row>"
                       for r, row in enumerate(rows, 1))
        parts.append((f"xl/worksheets/sheet{n}.xml",
                      f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{main}"><sheetData>{body}</sheetData></worksheet>'))
    overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                        for n in range(1, len(sheets) + 1))
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    files = [
        ("[Content_Types].xml", head + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
         '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
         '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
         '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
         '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
         + overrides + "</Types>"),
        ("_rels/.rels", head + f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        ("xl/workbook.xml", head + f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
         + "".join(f'<sheet name="{escape(name)}" sheetId="{n}" r:id="rId{n}"/>' for n, (name, _) in enumerate(sheets, 1)) + "</sheets></workbook>"),
        ("xl/_rels/workbook.xml.rels", head + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         + "".join(f'<Relationship Id="rId{n}" Type="{rel}/worksheet" Target="worksheets/sheet{n}.xml"/>' for n in range(1, len(sheets) + 1))
         + f'<Relationship Id="rId{len(sheets) + 1}" Type="{rel}/styles" Target="styles.xml"/>'
         + f'<Relationship Id="rId{len(sheets) + 2}" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/></Relationships>'),
        ("xl/styles.xml", head + f'<styleSheet xmlns="{main}"><fonts count="1"><font><sz val="11"/><name val="等线"/></font></fonts>'
         '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
         '<borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
         '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
         '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
         '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'),
    ] + parts
    sst = head + f'<sst xmlns="{main}" count="{len(strings)}" uniqueCount="{len(strings)}">' + "".join(
        f"<si><t>{escape(t)}</t></si>" for t in strings) + "</sst>"
    files.insert(5, ("xl/sharedStrings.xml", sst))
    write_zip(path, [(name, text.encode("utf-8"), zipfile.ZIP_DEFLATED) for name, text in files])


# ---------------------------------------------------------------- road accidents (交警大队, gzipped XML)
def road_accidents(year, spec, extra, non_operating, last_day=None):
    """Operating accidents from `spec` (the last one on `last_day` if given), plus `extra`
    operating ones outside the period, plus non-operating ones (private cars, 非营运) that the
    statistical scope excludes, plus one whose nature the police did not record."""
    records = []
    n = len(spec["deaths"])
    for i in range(n):
        month = 1 + i * 10 // n
        date = day_in(dt.date(year, month, 1), dt.date(year, month, 28))
        if last_day and i == n - 1:
            date = last_day
        records.append((date, spec["deaths"][i], spec["serious"][i], "营运"))
    records += [(d, x, y, "营运") for d, x, y in extra]
    for deaths in non_operating:
        records.append((day_in(dt.date(year, 1, 1), dt.date(year, 10, 31)), deaths, rng.randrange(3), "非营运"))
    records.append((day_in(dt.date(year, 2, 1), dt.date(year, 9, 30)), 0, 1, ""))
    out = []
    for k, (date, deaths, serious, nature) in enumerate(sorted(records), 1):
        out.append(dict(id=f"JJ{year}-{k:04d}", when=f"{date.isoformat()} {rng.randrange(24):02d}:{rng.randrange(60):02d}",
                        town=rng.choice(TOWNS), deaths=deaths, serious=serious, minor=rng.randrange(4),
                        loss=rng.randrange(5, 400) * 1000, nature=nature))
    return out


def road_xml(records, odd=None):
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<jj:AccidentExport xmlns:jj="urn:mingguang:jiaojing:accident:1" xmlns:x="urn:example:other">']
    for r in records:
        town = r["town"]
        if odd == "alias" and town.endswith("镇"):
            town, odd = town[:-1], None                                   # 女山湖 -> 女山湖镇 via alias
        lines.append(f'  <jj:Accident id="{r["id"]}">')
        lines.append(f'    <jj:OccurredAt>{r["when"]}</jj:OccurredAt>')
        lines.append(f'    <jj:Location town="{town}">G104 &amp; 县道</jj:Location>')
        lines.append('    <jj:Casualties>')
        lines.append(f'      <jj:Deaths>{r["deaths"]}</jj:Deaths>')
        lines.append('      <x:Deaths>99</x:Deaths>')                     # same local name, other namespace
        lines.append(f'      <jj:SeriousInjuries>{r["serious"]}</jj:SeriousInjuries>')
        lines.append(f'      <jj:MinorInjuries>{r["minor"]}</jj:MinorInjuries>')
        lines.append('    </jj:Casualties>')
        lines.append(f'    <jj:Loss unit="元">{r["loss"]}</jj:Loss>')
        if r["nature"]:
            lines.append(f'    <jj:Nature>{r["nature"]}</jj:Nature>')
        lines.append('    <jj:Summary><![CDATA[车辆碰撞 <现场勘查>]]></jj:Summary>')
        lines.append('  </jj:Accident>')
    lines.append('</jj:AccidentExport>')
    return ("\n".join(lines) + "\n").encode("utf-8")


def gzip_members(data, parts):
    """The bytes as `parts` concatenated gzip members, as `cat a.gz b.gz` makes them."""
    size = len(data) // parts + 1
    return b"".join(gzip.compress(data[i:i + size], mtime=0) for i in range(0, len(data), size))


# ---------------------------------------------------------------- hazards
def hazards(year, window, count, rectified, major, major_rectified, listed_batch=None, listed=0, prefix="YH"):
    """`count` hazards found in `window`; `rectified` of them rectified by its end, some after it."""
    start, end = window
    rows = []
    flags = ["in"] * rectified + ["late"] * ((count - rectified) // 2)
    flags += ["open"] * (count - len(flags))
    majors = set(rng.sample(range(count), major))
    # Of the major ones, exactly `major_rectified` are rectified in the period.
    major_list = sorted(majors)
    in_idx = [i for i in range(count) if flags[i] == "in"]
    out_idx = [i for i in range(count) if flags[i] != "in"]
    majors = set(rng.sample(in_idx, major_rectified) + rng.sample(out_idx, major - major_rectified))
    listed_idx = set(rng.sample(sorted(majors), listed)) if listed else set()
    for i in range(count):
        found = day_in(start, end)
        state = flags[i]
        if state == "in":
            fixed = min(end, found + dt.timedelta(days=rng.randrange(0, 30)))
        elif state == "late":
            fixed = end + dt.timedelta(days=rng.randrange(1, 8))
        else:
            fixed = None
        deadline = found + dt.timedelta(days=30)
        rows.append(dict(found=found, fixed=fixed, deadline=deadline, major=i in majors,
                         listed=i in listed_idx, batch=listed_batch if i in listed_idx else "",
                         town=rng.choice(TOWNS), sector=rng.choice(SECTORS), enterprise=enterprise()))
    return rows


def main():
    parser = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--out", default=os.path.join(here, "..", "SampleData", "mingguang"))
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            generate(tmp)
            names = sorted(os.listdir(tmp))
            match, mismatch, errors = filecmp.cmpfiles(tmp, args.out, names, shallow=False)
            extra = sorted(set(os.listdir(args.out)) - set(names))
            if mismatch or errors or extra:
                print(f"SampleData differs from the generator: changed {mismatch + errors}, extra {extra}", file=sys.stderr)
                return 1
            print(f"SampleData matches the generator ({len(names)} files)")
            return 0
    os.makedirs(args.out, exist_ok=True)
    generate(args.out)
    return 0


def generate(out):
    global rng
    rng = random.Random(20201031)
    p = lambda name: os.path.join(out, name)

    # Traffic police: all road accidents, one file per year, export date in the name.
    # Every road accident (全口径); only operating ones enter the statistics.
    late_2019 = [(dt.date(2019, 11, 17), 1, 1), (dt.date(2019, 12, 9), 2, 0)]
    with open(p("jiaojing-accidents-2019-20200110.xml.gz"), "wb") as f:
        f.write(gzip.compress(road_xml(road_accidents(2019, ROAD_2019, late_2019, [1, 0, 2, 0, 0, 1, 0])), mtime=0))
    road_2020 = road_accidents(2020, ROAD_2020, [], [1, 0, 0, 2, 0, 1, 0, 0, 1, 0, 0, 0], last_day=dt.date(2020, 10, 29))
    with open(p("jiaojing-accidents-2020-20201105.xml.gz"), "wb") as f:
        f.write(gzip_members(road_xml(road_2020, odd="alias"), 2))
    # An earlier export of the same year: the October 29 accident was first reported with one
    # serious injury, corrected in the next export within the 7-day window for road traffic.
    draft = [dict(r) for r in road_2020]
    corrected = max((r for r in draft if r["nature"] == "营运"), key=lambda r: r["when"])
    corrected["serious"] += 1
    with open(p("jiaojing-accidents-2020-20201031.xml.gz"), "wb") as f:
        f.write(gzip.compress(road_xml(draft, odd="alias"), mtime=0))

    # Fire brigade: every fire; residential fires are not production-safety accidents.
    header = ["火灾编号", "起火日期", "乡镇", "场所类别", "死亡人数", "受伤人数", "直接财产损失(元)", "是否生产经营性"]
    rows = []
    for year, deaths in ((2019, [0, 1, 0, 0]), (2020, [1, 0, 0, 2, 0])):
        for k, d in enumerate(deaths, 1):
            rows.append([f"XF{year}-{k:03d}", day_in(dt.date(year, 1, 1), dt.date(year, 10, 31)).isoformat(), rng.choice(TOWNS),
                         "住宅", d, rng.randrange(2), rng.randrange(1, 50) * 1000, "否"])
    write_csv(p("xiaofang-fires-20201105.csv"), header, rows)

    # Emergency management: accidents in all other sectors, Excel-style CSV with title and BOM.
    # The office's statistical fields: 事故类别 (GB 6441, by code or name), time, the enterprise,
    # persons missing (下落不明) and acute industrial poisoning (急性工业中毒) in their own columns.
    # The November accidents fall after the seed's 截至10月底: a poisoning that the grade counts
    # with the serious injuries (1 + 9 = 10: 较大), and a fishing boat with one person missing.
    header = ["序号", "事故编号", "发生日期", "发生时间", "乡镇", "行业领域", "事故单位", "事故类别", "死亡人数", "下落不明人数",
              "重伤人数", "急性工业中毒人数", "轻伤人数", "直接经济损失(万元)", "事故简况"]
    rows = [
        [1, "YJ-SG-2019-001", "2019年4月10日", "9:20", "管店镇", "建筑施工", "明光市恒通建筑有限公司", "09", "1", "0", "0", "0", "0", "86.5",
         "外墙脚手架拆除时一名工人高处坠落"],
        [2, "YJ-SG-2019-002", "2019年8月22日", "14时05分", "明光经济开发区", "工贸", "安徽嘉明机械制造有限公司", "机械伤害", "1", "0", "0", "0",
         "1", "42.08", "冲压设备检修未停机，一人被卷入"],
        [3, "YJ-SG-2019-003", "2019年12月3日", "", "张八岭镇", "非煤矿山", "明光市张八岭石料厂", "坍塌", "1", "0", "0", "0", "0", "120",
         "采场边坡局部坍塌"],
        [4, "YJ-SG-2020-001", "2020年3月2日", "10:15", "潘村镇", "建筑", "", "物体打击", "两", "0", "0", "0", "0", "30",
         "物体打击（死亡人数写成汉字）"],
        [5, "YJ-SG-2020-002", "2020年11月2日", "16:40", "明西街道", "商贸制造", "明光市西城食品厂", "灼烫", "0", "0", "0", "0", "1", "0.35",
         "蒸汽管道法兰泄漏烫伤"],
        [6, "YJ-SG-2020-003", "2020年11月3日", "08:30", "柳巷镇", "商贸制造", "明光市柳巷化工助剂厂", "19", "0", "0", "1", "9", "0", "45",
         "反应釜清釜作业硫化氢中毒，急性工业中毒9人"],
        [7, "YJ-SG-2020-004", "2020年11月4日", "05:50", "女山湖镇", "渔业", "女山湖渔业合作社", "淹溺", "1", "1", "0", "0", "0", "8",
         "渔船翻覆，1人死亡、1人下落不明"],
    ]
    write_csv(p("yingji-accidents-20201105.csv"), header, rows, encoding="utf-8-sig", newline="\r\n",
              title="明光市生产安全事故统计表（2019—2020）", footer=["合计", "", "", "", "", "", "", "", "4", "1", "1", "9", "2", "331.93", ""])

    # Hazards. 2020: the campaign (split between emergency management and construction),
    # the provincial inspection, the first listing batch, and ordinary months; 2019 for comparison.
    camp = hazards(2020, CAMPAIGN, CAMPAIGN_HAZARDS, CAMPAIGN_RECTIFIED, CAMPAIGN_MAJOR, CAMPAIGN_MAJOR_RECTIFIED,
                   "2020-2", LISTED_BATCHES["2020-2"])
    insp = hazards(2020, INSPECTION, INSPECTION_HAZARDS, 860, 5, 5)
    batch1 = hazards(2020, (dt.date(2020, 3, 2), dt.date(2020, 3, 20)), LISTED_BATCHES["2020-1"], 5, 6, 5,
                     "2020-1", LISTED_BATCHES["2020-1"])
    rest = (hazards(2020, (dt.date(2020, 1, 2), dt.date(2020, 3, 31)), 160, 150, 1, 1)
            + hazards(2020, SAFETY_MONTH, 120, 110, 0, 0)
            + hazards(2020, (dt.date(2020, 10, 28), dt.date(2020, 10, 31)), 12, 6, 0, 0))
    h2019 = (hazards(2019, (dt.date(2019, 7, 20), dt.date(2019, 10, 27)), 410, 350, 20, 18, "2019-3", 5)
             + hazards(2019, (dt.date(2019, 1, 2), dt.date(2019, 12, 28)), 300, 280, 3, 3))
    # Construction takes part of each campaign; listed hazards stay with emergency management.
    camp_c = [h for h in camp if not h["listed"]][:174]
    insp_c = [h for h in insp if not h["listed"]][:242]
    construction = camp_c + insp_c
    taken = set(map(id, construction))
    emergency = [h for h in camp + insp if id(h) not in taken] + batch1 + rest

    def yingji_rows(items, prefix):
        rows = []
        for k, h in enumerate(sorted(items, key=lambda h: h["found"]), 1):
            status = "已整改" if h["fixed"] else "整改中"
            rows.append([f"{prefix}-{k:05d}", h["found"].strftime("%Y/%m/%d"), h["town"], h["sector"], h["enterprise"],
                         "重大" if h["major"] else "一般", status, h["fixed"].strftime("%Y/%m/%d") if h["fixed"] else "",
                         h["deadline"].strftime("%Y/%m/%d"), "是" if h["listed"] else "否", h["batch"]])
        return rows
    header = ["隐患编号", "发现日期", "乡镇", "行业领域", "企业名称", "隐患等级", "整改状态", "整改完成日期", "整改期限", "是否挂牌督办", "挂牌批次"]
    rows2020 = yingji_rows(emergency, "YH2020")
    rows2020 += [  # records a clerk must fix; each lands in rejects.csv with its reason
        ["YH2020-90001", "2020/02/30", "古沛镇", "商贸制造", enterprise(), "一般", "整改中", "", "2020/03/30", "否", ""],
        ["YH2020-90002", "2020/08/10", "火星镇", "商贸制造", enterprise(), "一般", "已整改", "2020/08/12", "2020/09/10", "否", ""],
        ["YH2020-90003", "2020/08/15", "三界镇", "商贸制造", enterprise(), "一般", "已整改", "2020/08/01", "2020/09/15", "否", ""],
        ["YH2020-90004", "2020/09/01", "=HYPERLINK(\"http://example.invalid\")", "其他", enterprise(), "一般", "整改中", "", "2020/10/01", "否", ""],
        ["YH2020-90005", "2020/09/02", "柳巷镇", "其他", enterprise(), "一般", "已整改", "", "2020/10/02", "否", ""],
    ]
    write_csv(p("yingji-hazards-2020-20201105.csv"), header, rows2020)
    # Last year's hazards came as the workbook the clerk keeps (an .xlsx with a notes sheet first,
    # a title row above the header, dates as date cells).
    def as_cells(row):
        out = list(row)
        for i in (1, 7, 8):
            if out[i]:
                out[i] = dt.datetime.strptime(out[i], "%Y/%m/%d").date()
        return out
    write_xlsx(p("yingji-hazards-2019-20200110.xlsx"), [
        ("填表说明", [["本表由应急管理局按月导出，日期为Excel日期单元格。"]]),
        ("隐患台账", [["明光市应急管理局2019年隐患排查治理台账"]] + [header] + [as_cells(r) for r in yingji_rows(h2019, "YH2019")]),
    ])

    # Housing and construction: GB18030 (what Chinese Excel saves), its own column names,
    # header cells padded with full-width spaces.
    header = ["　编号　", "检查日期", "所在乡镇", "工程名称", "隐患级别", "整改日期", "限改日期"]
    rows = []
    for k, h in enumerate(sorted(construction, key=lambda h: h["found"]), 1):
        rows.append([f"ZJ-{k:04d}", h["found"].strftime("%Y%m%d"), h["town"], f"{h['town']}安置房{k % 9 + 1}号楼工程",
                     "重大隐患" if h["major"] else "一般隐患", h["fixed"].strftime("%Y%m%d") if h["fixed"] else "",
                     h["deadline"].strftime("%Y%m%d")])
    write_csv(p("zhujian-hazards-2020-20201105.csv"), header, rows, encoding="gb18030", newline="\r\n")

    # Enforcement. Each campaign's decisions split between market supervision (monthly files in
    # a tar.gz) and emergency management (one CSV, fines in 万元).
    def decisions(window, actions, fines_total):
        made = []
        amounts = split_amount(fines_total, actions["fine"])
        for action, n in actions.items():
            for i in range(n):
                made.append(dict(date=day_in(*window), action=action, fine=amounts[i] if action == "fine" else 0,
                                town=rng.choice(TOWNS), sector=rng.choice(SECTORS), party=enterprise()))
        return made
    camp_dec = decisions(CAMPAIGN, CAMPAIGN_ACTIONS, CAMPAIGN_FINES_YUAN)
    insp_dec = decisions(INSPECTION, INSPECTION_ACTIONS, INSPECTION_FINES_YUAN)
    other_dec = (decisions((dt.date(2020, 1, 2), dt.date(2020, 3, 31)), dict(fine=40, order=30), 160_000)
                 + decisions(SAFETY_MONTH, dict(fine=25, order=20, suspension=1), 90_000))
    dec2019 = decisions((dt.date(2019, 7, 20), dt.date(2019, 10, 27)), dict(closure=3, suspension=9, licence=80, fine=500, order=200), 950_000)
    market = [d for d in camp_dec + insp_dec + other_dec if d["action"] in ("licence",) or (d["action"] in ("fine", "order") and rng.random() < 0.45)]
    market_ids = set(map(id, market))
    emergency_dec = [d for d in camp_dec + insp_dec + other_dec if id(d) not in market_ids] + dec2019
    action_words = dict(fine="罚款", suspension="责令停产停业整顿", closure="关闭取缔", licence="吊销许可证", order="责令限期整改")
    # One market fine carries fen, to prove money is exact: move 0.50 元 between two fines.
    fines = [d for d in market if d["action"] == "fine" and CAMPAIGN[0] <= d["date"] <= CAMPAIGN[1]]
    fines[0]["fine"] -= 0.5
    fines[1]["fine"] += 0.5

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        def add(name, data):
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode, info.uname, info.gname = len(data), 1604534400, 0o644, "", ""
            tar.addfile(info, io.BytesIO(data))
        header = ["案件编号", "决定日期", "乡镇", "行业", "当事人", "处理措施", "罚款金额(元)", "导出日期"]
        # Cumulative monthly re-exports, as the department's system produces them: each month's
        # file holds every decision since January. The August export still carries draft values
        # for a few July decisions; later exports correct them, and the latest export wins.
        ordered = sorted(market, key=lambda d: d["date"])
        for k, d in enumerate(ordered, 1):
            d["case"] = f"SJ2020-{k:05d}"
        drafts = [d for d in ordered if d["date"].month == 7][:5]
        for month in range(1, 11):
            text_out = io.StringIO()
            w = csv.writer(text_out, lineterminator="\n")
            w.writerow(header)
            for d in ordered:
                if d["date"].month > month:
                    continue
                amount, action = d["fine"], d["action"]
                if month == 8 and d in drafts:
                    amount, action = (amount * 2, action) if action == "fine" else (amount, "order")
                text = f"{amount:,.2f}" if amount != int(amount) else (f"{int(amount):,}" if amount else "")
                w.writerow([d["case"], d["date"].isoformat(), d["town"], d["sector"], d["party"],
                            action_words[action], text, f"2020-{month + 1:02d}-03"])
            add(f"shichang/enforcement-2020-{month:02d}.csv", text_out.getvalue().encode("utf-8"))
        add("shichang/说明.txt", "市场监管局行政执法月报，每月一个文件。\n".encode("utf-8"))
        add("__MACOSX/shichang/._enforcement-2020-01.csv", b"\x00\x05\x16\x07")
    with open(p("shichang-enforcement-2020.tar.gz"), "wb") as f:
        f.write(gzip.compress(buffer.getvalue(), mtime=0))

    header = ["编号", "日期", "乡镇", "行业领域", "单位名称", "处理类型", "罚款(万元)"]
    rows = []
    for k, d in enumerate(sorted(emergency_dec, key=lambda d: d["date"]), 1):
        wan = f"{d['fine'] / 10000:.4f}".rstrip("0").rstrip(".") if d["fine"] else ""
        rows.append([f"ZF{d['date'].year}-{k:05d}", d["date"].isoformat(), d["town"], d["sector"], d["party"],
                     action_words[d["action"]], wan])
    rows.append(["ZF2020-99001", "2020-08-20", "桥头镇", "商贸制造", enterprise(), "罚款", "1,2O"])   # letter O: rejected
    total = sum(d["fine"] for d in emergency_dec) / 10000
    write_csv(p("yingji-enforcement-20201105.csv"), header, rows, footer=["合计", "", "", "", "", "", f"{total:.4f}"])

    # Safety committee office: one row per enterprise inspected, with the group sortie's number.
    rows = []
    sizes = [4] * (INSPECTIONS - 3 * INSPECTION_GROUPS) + [3] * (INSPECTION_GROUPS - (INSPECTIONS - 3 * INSPECTION_GROUPS))
    k = 0
    for g, size in enumerate(sizes, 1):
        date = day_in(*INSPECTION)
        town = rng.choice(TOWNS)
        for _ in range(size):
            k += 1
            rows.append([f"JC2020-{k:05d}", date.isoformat(), DIVISION_CODE[town], INDUSTRY_CODE[rng.choice(SECTORS)], enterprise(), f"2020-DC-{g:03d}"])
    for g in range(1, 41):   # ordinary inspections early in the year, and 2019 for comparison
        date = day_in(dt.date(2020, 1, 6), dt.date(2020, 3, 20))
        for _ in range(2):
            k += 1
            rows.append([f"JC2020-{k:05d}", date.isoformat(), DIVISION_CODE[rng.choice(TOWNS)], INDUSTRY_CODE[rng.choice(SECTORS)], enterprise(), f"2020-RC-{g:03d}"])
    for g in range(1, 231):
        date = day_in(dt.date(2019, 4, 1), dt.date(2019, 5, 31))
        for _ in range(3):
            k += 1
            rows.append([f"JC2019-{k:05d}", date.isoformat(), DIVISION_CODE[rng.choice(TOWNS)], INDUSTRY_CODE[rng.choice(SECTORS)], enterprise(), f"2019-DC-{g:03d}"])
    # The office zips its inspection records: the campaign's sorties and the ordinary ones as two
    # members (one stored, one deflated), with the metadata a Mac leaves behind.
    header = ["记录编号", "检查日期", "区划代码", "行业代码", "被检查单位", "检查组批次"]
    def member(selected):
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows([header] + selected)
        return buffer.getvalue().encode("utf-8")
    write_zip(p("anweiban-inspections-20201105.zip"), [
        ("检查记录/专项督查.csv", member([r for r in rows if "-DC-" in r[5] and r[0].startswith("JC2020")]), zipfile.ZIP_DEFLATED),
        ("检查记录/日常检查.csv", member([r for r in rows if not ("-DC-" in r[5] and r[0].startswith("JC2020"))]), zipfile.ZIP_STORED),
        ("__MACOSX/检查记录/._专项督查.csv", b"\x00\x05\x16\x07", zipfile.ZIP_STORED),
    ])

    # The safety committee office's own summary of the campaign by township, with the rate each
    # township printed. Figures are never taken from it; one stated rate disagrees with its counts.
    rows = []
    for k, town in enumerate(TOWNS[:8], 1):
        found = rng.randint(20, 60)
        fixed = rng.randint(found // 2, found)
        rate = f"{(fixed * 1000 // found + (1 if fixed * 1000 % found * 2 >= found else 0)) / 10:.1f}%"
        if k == 5:
            rate = "96.0%"   # the printed rate does not follow from the counts
        rows.append([f"HZ-{k:02d}", "2020-07-20", "2020-10-27", town, found, fixed, rate])
    write_csv(p("anweiban-hazard-summary-20201105.csv"), ["编号", "起始日期", "截止日期", "乡镇", "排查隐患数", "整改隐患数", "整改率"], rows)

    # Drills (emergency management), export date fixed in the mapping.
    people = split_amount(DRILL_PEOPLE, DRILLS, step=1)
    funds = split_amount(DRILL_FUNDS_YUAN, DRILLS, step=500)
    themes = ["桥梁施工高处坠落", "公众聚集场所消防", "危险化学品道路运输", "建筑施工高处坠落", "防汛抢险", "人员密集场所疏散",
              "燃气泄漏处置", "非煤矿山透水", "粉尘防爆", "涉氨制冷泄漏"]
    rows = []
    for i in range(DRILLS):
        city = i < CITY_WIDE
        rows.append([f"YL2020-{i + 1:03d}", day_in(*SAFETY_MONTH).isoformat(), "明光街道" if city else rng.choice(TOWNS),
                     themes[i % len(themes)] + ("综合演练" if city else "演练"), people[i], funds[i], "是" if city else "否"])
    for i in range(5):
        rows.append([f"YL2020-{DRILLS + i + 1:03d}", day_in(dt.date(2020, 3, 1), dt.date(2020, 3, 31)).isoformat(),
                     rng.choice(TOWNS), themes[(i + 4) % len(themes)] + "演练", rng.randint(20, 80), rng.randint(2, 10) * 500, "否"])
    for i in range(15):
        rows.append([f"YL2019-{i + 1:03d}", day_in(dt.date(2019, 6, 1), dt.date(2019, 6, 30)).isoformat(),
                     rng.choice(TOWNS), themes[i % len(themes)] + "演练", rng.randint(30, 100), rng.randint(4, 16) * 500, "是" if i < 3 else "否"])
    write_csv(p("yingji-drills-2020.csv"), ["演练编号", "演练日期", "乡镇", "演练名称", "参加人数", "投入资金(元)", "是否全市性"], rows)


if __name__ == "__main__":
    sys.exit(main())
