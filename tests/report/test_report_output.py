"""Where reports go: -o never overwrites by surprise and never touches a database; PDF needs are named."""

from __future__ import annotations

import sqlite3
import sys

import pytest

from planengine.report import pdf


def test_output_file_is_written_and_an_existing_one_needs_force(drill_ws, tmp_path):
    out = tmp_path / "r.html"
    drill_ws.ok("report", drill_ws.drill_id, "--format", "html", "-o", out)
    first = out.read_text(encoding="utf-8")
    assert first.startswith("<!DOCTYPE html>")
    out.write_text("kept", encoding="utf-8")
    r = drill_ws.run("report", drill_ws.drill_id, "--format", "html", "-o", out)
    assert r.exit_code == 1 and "exists: use --force" in r.stderr and len(r.stderr.splitlines()) == 1
    assert out.read_text(encoding="utf-8") == "kept"
    drill_ws.ok("report", drill_ws.drill_id, "--format", "html", "-o", out, "--force")
    assert out.read_text(encoding="utf-8") == first


def test_a_report_never_writes_over_a_sqlite_file(drill_ws, tmp_path):
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    before = other.read_bytes()
    for target in (other, drill_ws.db):
        r = drill_ws.run("report", drill_ws.drill_id, "-o", target, "--force")
        assert r.exit_code == 1 and "SQLite" in r.stderr or "database" in r.stderr
    assert other.read_bytes() == before
    assert drill_ws.ok("verify", drill_ws.drill_id)


def test_unknown_incident_is_one_line(drill_ws):
    r = drill_ws.run("report", "NOPE")
    assert r.exit_code == 1 and len(r.stderr.splitlines()) == 1 and "NOPE" in r.stderr
    assert "Traceback" not in r.output


def test_pdf_without_weasyprint_names_what_to_install(drill_ws, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import fails as if not installed
    r = drill_ws.run("report", drill_ws.drill_id, "--format", "pdf", "-o", tmp_path / "r.pdf")
    assert r.exit_code == 1
    assert r.stderr.splitlines() == [r.stderr.strip()] and "pip install" in r.stderr and "weasyprint" in r.stderr
    assert not (tmp_path / "r.pdf").exists()


def test_pdf_without_a_cjk_font_names_the_debian_package(drill_ws, tmp_path, monkeypatch):
    monkeypatch.setattr(pdf, "FONT_FAMILIES", ("Planengine Missing CJK Font",))  # fc-match finds no such family
    r = drill_ws.run("report", drill_ws.drill_id, "--format", "pdf", "-o", tmp_path / "r.pdf")
    assert r.exit_code == 1 and len(r.stderr.splitlines()) == 1 and "fonts-noto-cjk" in r.stderr
    assert not (tmp_path / "r.pdf").exists()


@pytest.mark.parametrize("args", [["--all"], ["DRL-1", "--all", "--since", "2026-01-01"], ["--since", "2026-01-01"]])
def test_usage_errors_exit_2(drill_ws, args):
    assert drill_ws.run("report", *args).exit_code == 2
