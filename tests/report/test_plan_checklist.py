"""`plan show PLAN --format html|pdf`: the printable checklist for the wall and the duty desk."""

from __future__ import annotations

import subprocess


def test_html_checklist_has_phases_steps_roles_people_phones_and_limits(env, fire):
    plan = env.plan(fire.PLAN, name="town_fire.yaml")
    out = env.ok("show", plan, "--format", "html").stdout
    for text in fire.TITLES + ["接报与处置", "善后", "值班室", "王焰", "13900000001", "白天 15m / 夜间 25m", "1d"]:
        assert text in out
    assert out.count('class="checkbox"') == len(fire.TITLES)


def test_text_checklist_is_unchanged_by_default(env, fire):
    plan = env.plan(fire.PLAN, name="town_fire.yaml")
    out = env.ok("show", plan).stdout
    assert out.startswith("镇村火灾应急处置预案  [town_fire v1]")


def test_pdf_checklist_prints_chinese(env, fire, tmp_path):
    plan = env.plan(fire.PLAN, name="town_fire.yaml")
    pdf = tmp_path / "checklist.pdf"
    env.ok("show", plan, "--format", "pdf", "-o", pdf)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "应急分队集结完毕" in text and "13900000003" in text
