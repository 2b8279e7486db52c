#!/usr/bin/env python3
"""Writes the reference benchmark workload: N hazard records as department exports.

  hazards-N.csv     UTF-8 CSV; some enterprise names carry commas and doubled quotes
  hazards-N.csv.gz  the same bytes, gzipped
  hazards-N.xml     one <hazard> element per record, one child per field

Chinese region, sector and enterprise names; found dates over 2019-2020; about 85% rectified.
With --reexports: twelve monthly cumulative exports of 2020 instead, reexport-2020MMDD.csv
(exported on the 5th of the next month), each holding every record found since January: N
distinct ids, ~6.5 N rows in all. Between months a record's rectification date appears once it is
rectified, and 1% of records have their region corrected after the first export.

Deterministic for a given N. Usage: generate.py N OUT_DIR [--csv-only | --reexports]
"""
import gzip, os, random, sys

REGIONS = ["明光街道", "明东街道", "明南街道", "明西街道", "女山湖镇", "古沛镇", "管店镇", "自来桥镇", "涧溪镇",
           "桥头镇", "张八岭镇", "三界镇", "柳巷镇", "潘村镇", "苏巷镇", "泊岗乡"]
SECTORS = ["农林渔牧", "采矿", "商贸制造", "建筑", "道路交通运输", "其他"]
NAMES = ["华东", "嘉山", "明珠", "皖东", "凯盛", "天宇", "恒达", "金桥", "绿源", "永安"]
KINDS = ["建材", "化工", "机械", "食品", "物流", "矿业", "建设", "商贸"]


def rows(n):
    rng = random.Random(n)
    for i in range(n):
        year = 2019 + (i & 1)
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        found = f"{year}-{month:02d}-{day:02d}"
        name = f"明光市{NAMES[i % 10]}{KINDS[(i // 10) % 8]}有限公司"
        if i % 50 == 0:
            name = f'{name}（"一号"车间, 二期）'
        fixed = ""
        if rng.random() < 0.85:
            m2 = min(12, month + rng.randint(0, 2))
            fixed = f"{year}-{m2:02d}-{max(day, 1) if m2 > month else day:02d}"
        deadline = f"{year}-{min(12, month + 1):02d}-{day:02d}"
        yield (f"H{i:08d}", found, REGIONS[rng.randrange(16)], SECTORS[rng.randrange(6)], name,
               "重大" if i % 97 == 0 else "一般", fixed, deadline)


def csv_field(text):
    if any(c in text for c in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def reexports(n, out):
    """Twelve cumulative monthly exports of one year; values change between months."""
    rng = random.Random(n * 7 + 1)
    found, fixed, region, first_region, deadline, name, level = [], [], [], [], [], [], []
    for i in range(n):
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        found.append((month, day))
        fixed.append((min(12, month + rng.randint(0, 3)), day) if rng.random() < 0.85 else None)
        r = REGIONS[rng.randrange(16)]
        region.append(r)
        first_region.append(REGIONS[(REGIONS.index(r) + 1) % 16] if i % 100 == 7 else r)
        deadline.append(f"2020-{min(12, month + 1):02d}-{day:02d}")
        nm = f"明光市{NAMES[i % 10]}{KINDS[(i // 10) % 8]}有限公司"
        name.append(f'{nm}（"一号"车间, 二期）' if i % 50 == 0 else nm)
        level.append("重大" if i % 97 == 0 else "一般")
    sectors = [SECTORS[(i * 7) % 6] for i in range(n)]
    header = "id,found_date,region,sector,enterprise,level,rectified_date,deadline\n"
    for k in range(1, 13):
        exported = f"2020{k + 1:02d}05" if k < 12 else "20210105"
        path = os.path.join(out, f"reexport-{exported}.csv")
        with open(path + ".part", "w", encoding="utf-8", newline="") as f:
            f.write(header)
            for i in range(n):
                month, day = found[i]
                if month > k:
                    continue
                fx = fixed[i]
                rect = f"2020-{fx[0]:02d}-{fx[1]:02d}" if fx is not None and fx[0] <= k else ""
                reg = first_region[i] if month == k else region[i]
                row = (f"H{i:08d}", f"2020-{month:02d}-{day:02d}", reg, sectors[i], name[i], level[i], rect, deadline[i])
                f.write(",".join(csv_field(x) for x in row) + "\n")
        os.replace(path + ".part", path)


def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    if "--reexports" in sys.argv:
        os.makedirs(out, exist_ok=True)
        reexports(n, out)
        return
    os.makedirs(out, exist_ok=True)
    header = "id,found_date,region,sector,enterprise,level,rectified_date,deadline\n"
    csv_path = os.path.join(out, f"hazards-{n}.csv")
    with open(csv_path + ".part", "w", encoding="utf-8", newline="") as f:
        f.write(header)
        for r in rows(n):
            f.write(",".join(csv_field(x) for x in r) + "\n")
    os.replace(csv_path + ".part", csv_path)
    if "--csv-only" in sys.argv:
        return
    with open(csv_path, "rb") as src, open(csv_path + ".gz.part", "wb") as raw, \
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=6, mtime=0) as dst:
        while chunk := src.read(1 << 20):
            dst.write(chunk)
    os.replace(csv_path + ".gz.part", csv_path + ".gz")
    xml_path = os.path.join(out, f"hazards-{n}.xml")
    names = header.strip().split(",")
    esc = lambda s: s.replace("&", "&amp;").replace("<", "&lt;")
    with open(xml_path + ".part", "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<hazards>\n')
        for r in rows(n):
            f.write("<hazard>" + "".join(f"<{k}>{esc(v)}</{k}>" for k, v in zip(names, r)) + "</hazard>\n")
        f.write("</hazards>\n")
    os.replace(xml_path + ".part", xml_path)


if __name__ == "__main__":
    main()
