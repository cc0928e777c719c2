"""The report as files: one JSON document, and one CSV per table (for spreadsheets).

CSV columns are the union of the rows' keys in first-seen order; numbers are written as they are
(rates as fractions, hours as hours) so a spreadsheet can compute with them.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import orjson

from marketplace_returns.metrics.report import Report


def report_json(report: Report) -> bytes:
    return orjson.dumps(report.model_dump(mode="json"), option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS)


def tables(report: Report) -> dict[str, list[dict[str, Any]]]:
    """Every table of the report by file stem."""
    out: dict[str, list[dict[str, Any]]] = {
        "standing": [s.model_dump() for s in report.standing],
        "totals": [report.totals],
    }
    for dim, rows in report.breakdowns.items():
        out[f"by_{dim}"] = rows
    out["acceptance_by_rule"] = report.acceptance_by_rule
    out["acceptance_by_rep"] = report.acceptance_by_rep
    out["queue"] = [report.queue]
    out["anomalies"] = [a.model_dump() for a in report.anomalies]
    out["repeat_refunders"] = [r.model_dump() for r in report.repeat_refunders]
    return out


def write_csv(rows: list[dict[str, Any]], path: Path) -> None:
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(columns))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if v is None else v) for k, v in row.items()})


def write_files(report: Report, out: Path) -> list[Path]:
    """Write ``report.json`` and ``<table>.csv`` files into ``out``; returns the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "report.json"]
    written[0].write_bytes(report_json(report))
    for stem, rows in tables(report).items():
        path = out / f"{stem}.csv"
        write_csv(rows, path)
        written.append(path)
    return written
