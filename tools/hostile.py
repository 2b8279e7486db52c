#!/usr/bin/env python3
"""Hostile files for the end-to-end limit tests, and a runner that measures peak memory.

  hostile.py write DIR      writes the bombs below into DIR (named for the sample pipeline's rules)
  hostile.py run CMD...     runs CMD and prints JSON: exit status, peak RSS of the child (KiB), output
"""
import io, json, resource, subprocess, sys, tarfile, zipfile, zlib, gzip, os

HEADER = "事故编号,发生日期,乡镇,行业领域,死亡人数,重伤人数,轻伤人数,直接经济损失(万元)\n"


def write(folder):
    os.makedirs(folder, exist_ok=True)
    # 1 GiB of well-formed XML (CDATA sections of 1 MiB) in 1 MiB of gzip: expands until
    # max_inflated_bytes stops it.
    head = b'<?xml version="1.0"?><jj:AccidentExport xmlns:jj="urn:mingguang:jiaojing:accident:1">'
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    with open(os.path.join(folder, "jiaojing-accidents-2020-20201201.xml.gz"), "wb") as f:
        f.write(compressor.compress(head))
        block = b"<![CDATA[" + b"a" * ((1 << 20) - 12) + b"]]>"
        for _ in range(1 << 10):
            f.write(compressor.compress(block))
        f.write(compressor.compress(b"</jj:AccidentExport>"))
        f.write(compressor.flush())
    # A zip whose member says 1 KiB but inflates to 512 MiB.
    data = HEADER.encode() + b"0" * (512 << 20)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("检查记录/专项督查.csv", (2020, 11, 5, 9, 0, 0)), data, compress_type=zipfile.ZIP_DEFLATED)
    raw = bytearray(buffer.getvalue())
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = raw.find(signature)
        raw[at + offset:at + offset + 4] = (1024).to_bytes(4, "little")
    with open(os.path.join(folder, "anweiban-inspections-20201201.zip"), "wb") as f:
        f.write(raw)
    # A 10 MiB field whose quote never closes: no record boundary to resume at.
    with open(os.path.join(folder, "yingji-accidents-20201201.csv"), "w", encoding="utf-8") as f:
        f.write("标题\n" + HEADER + "A1,2020-01-01,明光街道,建筑,0,0,0,\"" + "9" * (10 << 20) + "\n")
    # 10,001 members in one tar.gz bundle.
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for i in range(10_001):
            info = tarfile.TarInfo(f"2020-{i:05d}.csv")
            body = b"x\n"
            info.size, info.mtime = len(body), 1604534400
            tar.addfile(info, io.BytesIO(body))
    with open(os.path.join(folder, "shichang-enforcement-2021.tar.gz"), "wb") as f:
        f.write(buffer.getvalue())


def run(command):
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    json.dump({"status": result.returncode, "peak_kib": peak, "output": result.stdout.decode("utf-8", "replace")},
              sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "write":
        write(sys.argv[2])
    elif len(sys.argv) >= 3 and sys.argv[1] == "run":
        run(sys.argv[2:])
    else:
        sys.exit(__doc__)
