#!/usr/bin/env python3
"""Reads SafetyPipeline's outputs back with independent tools, for the end-to-end tests.

  report_check.py xlsx FILE      every sheet as JSON: cell values, number formats, frozen pane, widths (openpyxl)
  report_check.py dom FILE       the figures of a rendered DOM (chromium --dump-dom) as JSON
  report_check.py schema SCHEMA FILE   validates a JSON file against a JSON Schema (jsonschema)
  report_check.py sql DB QUERY   runs a query with Python's sqlite3 and prints the rows as JSON
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
    elif command == "sql":
        with sqlite3.connect(f"file:{sys.argv[2]}?mode=ro", uri=True) as db:
            result = [list(r) for r in db.execute(sys.argv[3])]
    else:
        sys.exit(__doc__)
    json.dump(result, sys.stdout, ensure_ascii=False, default=str)


if __name__ == "__main__":
    main()
