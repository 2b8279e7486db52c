#!/usr/bin/env python3
"""Reads SafetyPipeline's outputs back with independent tools, for the end-to-end tests.

  report_check.py xlsx FILE      every sheet as JSON: cell values, number formats, frozen pane, widths (openpyxl)
  report_check.py dom FILE       the figures of a rendered DOM (chromium --dump-dom) as JSON
  report_check.py schema SCHEMA FILE   validates a JSON file against a JSON Schema (jsonschema)
  report_check.py sql DB QUERY   runs a query with Python's sqlite3 and prints the rows as JSON
  report_check.py docx FILE      page setup, styles (fonts, sizes), footers and paragraphs of a .docx (python-docx)
  report_check.py pdf FILE       each page's size and words with their boxes, in points (pdfinfo, pdftotext -bbox)
"""
import json
import sqlite3
import sys
from html.parser import HTMLParser


def xlsx(path):
    import openpyxl
    book = openpyxl.load_workbook(path)
    out = []
    for sheet in book.worksheets:
        rows = []
        for row in sheet.iter_rows():
            rows.append([{"value": c.value, "type": c.data_type, "format": c.number_format} for c in row])
        widths = {k: v.width for k, v in sheet.column_dimensions.items()}
        out.append({"name": sheet.title, "freeze": sheet.freeze_panes, "rows": rows, "widths": widths,
                    "header_bold": all(c.font.b for c in sheet[1] if c.value is not None)})
    return out


class Figures(HTMLParser):
    def __init__(self):
        super().__init__()
        self.bars, self.cells, self.sheet, self.scripts, self.external = [], [], None, 0, []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            self.scripts += 1
        for key in ("src", "href"):
            if key in a and a[key] and not a[key].startswith("#"):
                self.external.append(a[key])
        if tag == "table" and "data-sheet" in a:
            self.sheet = a["data-sheet"]
        if tag == "rect" and "data-indicator" in a:
            self.bars.append({k[5:]: v for k, v in a.items() if k.startswith("data-")})
        if tag == "td" and "data-value" in a:
            self.cells.append({"sheet": self.sheet, "value": a["data-value"]})


def dom(path):
    parser = Figures()
    with open(path, encoding="utf-8") as f:
        parser.feed(f.read())
    return {"bars": parser.bars, "cells": parser.cells, "scripts": parser.scripts, "external": parser.external}


def docx(path):
    import docx as python_docx
    from docx.oxml.ns import qn
    document = python_docx.Document(path)
    mm = lambda length: None if length is None else round(length.mm, 1)

    def font(rpr_owner):
        """The East Asian font name and the size in points a style or run sets."""
        rpr = rpr_owner.find(qn("w:rPr")) if rpr_owner is not None else None
        fonts = rpr.find(qn("w:rFonts")) if rpr is not None else None
        size = rpr.find(qn("w:sz")) if rpr is not None else None
        return {"east_asia": fonts.get(qn("w:eastAsia")) if fonts is not None else None,
                "ascii": fonts.get(qn("w:ascii")) if fonts is not None else None,
                "size": int(size.get(qn("w:val"))) / 2 if size is not None else None}

    section = document.sections[0]
    defaults = document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))
    styles = {s.style_id: dict(font(s.element), name=s.name) for s in document.styles if s.type == 1}
    settings = document.settings.element
    footers = {}
    for kind, footer in (("odd", section.footer), ("even", section.even_page_footer)):
        p = footer.paragraphs[0]
        footers[kind] = {"text": p.text, "align": str(p.alignment), "xml": p._p.xml,
                         "size": font(p.style.element)["size"]}
    paragraphs = [{"style": p.style.style_id, "text": p.text,
                   "runs": [dict(font(r._r), text=r.text) for r in p.runs]} for p in document.paragraphs]
    grid = section._sectPr.find(qn("w:docGrid"))
    # Word refuses a part whose children are out of the schema's order (ECMA-376 CT_PPrBase,
    # CT_RPr, CT_Settings, CT_SectPr, CT_TblPr: the elements this writer uses, in order).
    orders = {
        "pPr": ["pStyle", "keepNext", "keepLines", "pageBreakBefore", "widowControl", "numPr", "pBdr", "shd", "tabs", "kinsoku",
                "wordWrap", "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "snapToGrid", "spacing", "ind", "jc",
                "textAlignment", "outlineLvl", "rPr"],
        "rPr": ["rStyle", "rFonts", "b", "bCs", "i", "iCs", "color", "spacing", "w", "kern", "position", "sz", "szCs"],
        "settings": ["zoom", "proofState", "defaultTabStop", "autoHyphenation", "evenAndOddHeaders", "characterSpacingControl", "compat"],
        "sectPr": ["headerReference", "footerReference", "pgSz", "pgMar", "pgNumType", "cols", "titlePg", "docGrid"],
        "tblPr": ["tblStyle", "tblW", "jc", "tblInd", "tblBorders", "tblLayout", "tblCellMar", "tblLook"],
    }
    order_problems = []
    parts = [document.element, document.styles.element, settings, section.footer._element, section.even_page_footer._element]
    for part in parts:
        for element in part.iter():
            name = element.tag.split("}")[-1]
            if name not in orders:
                continue
            children = [c.tag.split("}")[-1] for c in element]
            known = [c for c in children if c in orders[name]]
            if known != sorted(known, key=orders[name].index) or len(known) != len(children):
                order_problems.append(f"{name}: {children}")
    return {"page": {"width": mm(section.page_width), "height": mm(section.page_height), "top": mm(section.top_margin),
                     "bottom": mm(section.bottom_margin), "left": mm(section.left_margin), "right": mm(section.right_margin),
                     "footer": mm(section.footer_distance), "line_pitch": int(grid.get(qn("w:linePitch")))},
            "even_and_odd": settings.find(qn("w:evenAndOddHeaders")) is not None, "order_problems": sorted(set(order_problems)),
            "defaults": font(defaults), "styles": styles, "footers": footers, "paragraphs": paragraphs,
            "tables": [[[c.text for c in row.cells] for row in t.rows] for t in document.tables]}


def pdf(path):
    import re
    import subprocess
    html = subprocess.run(["pdftotext", "-bbox", path, "-"], check=True, capture_output=True, text=True).stdout
    pages = []
    for page in re.findall(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', html, re.S):
        words = [{"x0": float(a), "y0": float(b), "x1": float(c), "y1": float(d), "text": t}
                 for a, b, c, d, t in re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', page[2])]
        pages.append({"width": float(page[0]), "height": float(page[1]), "words": words})
    return pages


def main():
    command = sys.argv[1]
    if command == "xlsx":
        result = xlsx(sys.argv[2])
    elif command == "dom":
        result = dom(sys.argv[2])
    elif command == "schema":
        import jsonschema
        with open(sys.argv[2], encoding="utf-8") as s, open(sys.argv[3], encoding="utf-8") as d:
            schema, data = json.load(s), json.load(d)
        jsonschema.Draft202012Validator.check_schema(schema)
        errors = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in jsonschema.Draft202012Validator(schema).iter_errors(data)]
        result = {"errors": errors[:20], "count": len(errors)}
    elif command == "docx":
        result = docx(sys.argv[2])
    elif command == "pdf":
        result = pdf(sys.argv[2])
    elif command == "sql":
        with sqlite3.connect(f"file:{sys.argv[2]}?mode=ro", uri=True) as db:
            result = [list(r) for r in db.execute(sys.argv[3])]
    else:
        sys.exit(__doc__)
    json.dump(result, sys.stdout, ensure_ascii=False, default=str)


if __name__ == "__main__":
    main()
