"""Local figures counting time beyond `within:`: a phase timer's `after:`, `repeat:`, `remind:` and an
`overdue` link's `after:` may each be `{setting: NAME}`. A centre's value in planengine.yaml changes
when they fire; an incident keeps the values recorded when it started. Everything through the CLI,
on a real SQLite file, with --at and tick --now."""

from __future__ import annotations

import re
from datetime import datetime, timezone

TIMERS = """\
id: timers
title: Timed figures
version: 1
lang: en
settings:
  check_back: {default: 25m, title: 回头看, source: local practice}
  cadence: {default: 1h, title: 续报, source: local practice}
  heads_up: {default: 10m, source: local practice}
  chase: {default: 20m, source: local practice}
roles:
  office: {title: Office}
  leader: {title: Leader}
initial: working
phases:
  working:
    after:
      - {after: {setting: check_back}, notify: leader, message: still working}
    steps:
      - id: report_up
        role: office
        within: 40m
        remind: [{setting: heads_up}, 5m]
        overdue:
          - notify: office
          - {after: {setting: chase}, notify: leader}
      - id: rounds
        role: office
        within: 30m
        repeat: {setting: cadence}
    on:
      - {event: stand_down, to: closed}
  closed: {final: true}
"""

SITE = "settings:\n  timers: {check_back: 15m, cadence: 2h, heads_up: 20m, chase: 5m}\n"


def _utc(iso):
    """An event's time as the log records it (UTC), for a local ISO time."""
    return datetime.fromisoformat(iso).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _fired(env, incident):
    """What the timers did so far: phase reminders, step reminders (with `before`), escalations."""
    evs = env.events(incident)
    return {
        "phase": [e["at"] for e in evs if e["kind"] == "reminder" and "phase" in e["data"]],
        "remind": [e["data"]["before"] for e in evs if e["kind"] == "reminder" and "step" in e["data"]],
        "escalated": [e["data"]["after"] for e in evs if e["kind"] == "escalated"],
    }


def test_a_site_value_moves_timers_reminders_rounds_and_escalations_and_an_earlier_incident_keeps_its_own(env):
    path = env.write("timers.yaml", TIMERS)
    env.json("start", path, "--id", "OLD", "--at", env.t("10:00"))
    env.write("planengine.yaml", SITE)
    new = env.json("start", path, "--id", "NEW", "--at", env.t("10:00"))
    assert new["local_settings"]["cadence"] == {"value": "2h", "from": "site"}
    [activated] = [e for e in env.kinds("NEW", "step_activated") if e["data"]["step"] == "report_up"]
    assert activated["data"]["remind"] == [1200, 300], "the site's 20m, and the literal 5m"
    [activated] = [e for e in env.kinds("OLD", "step_activated") if e["data"]["step"] == "report_up"]
    assert activated["data"]["remind"] == [600, 300], "started before planengine.yaml said otherwise"

    # a round done: the next is due one cadence after the round's deadline (10:30)
    for incident in ("OLD", "NEW"):
        out = env.json("done", incident, "rounds", "--at", env.t("10:10"))
        due = env.step(out, "rounds")["due_at"]
        assert due == (env.t("11:30") if incident == "OLD" else env.t("12:30")), (incident, due)

    # the phase timer: 15 min at this site now, 25 min for the incident started before
    env.json("tick", "--now", env.t("10:16"))
    assert _fired(env, "NEW")["phase"] == [_utc(env.t("10:15"))] and _fired(env, "OLD")["phase"] == []
    env.json("tick", "--now", env.t("10:26"))
    assert _fired(env, "OLD")["phase"] == [_utc(env.t("10:25"))]

    # reminders: 20 min before the 10:40 deadline here, 10 min there
    env.json("tick", "--now", env.t("10:21"))
    assert _fired(env, "NEW")["remind"] == [1200] and _fired(env, "OLD")["remind"] == []
    env.json("tick", "--now", env.t("10:31"))
    assert _fired(env, "OLD")["remind"] == [600]
    env.json("tick", "--now", env.t("10:36"))
    assert _fired(env, "OLD")["remind"] == [600, 300] and _fired(env, "NEW")["remind"] == [1200, 300]

    # the escalation link: 5 min past the deadline here, 20 min there
    env.json("tick", "--now", env.t("10:46"))
    assert _fired(env, "NEW")["escalated"] == [300] and _fired(env, "OLD")["escalated"] == []
    env.json("tick", "--now", env.t("11:01"))
    assert _fired(env, "OLD")["escalated"] == [1200]

    # the record holds whatever the configuration says afterwards, or without one
    env.write("planengine.yaml", "settings:\n  timers: {check_back: 1m, cadence: 5m, heads_up: 1m, chase: 1m}\n")
    for incident in ("OLD", "NEW"):
        assert env.json("replay", incident)["ok"] is True
        env.ok("verify", incident)
    env.root.joinpath("planengine.yaml").unlink()
    assert env.json("replay", "NEW")["ok"] is True


def test_a_later_round_counts_by_the_recorded_cadence_after_the_configuration_changed(env):
    path = env.write("timers.yaml", TIMERS)
    env.write("planengine.yaml", SITE)
    env.json("start", path, "--id", "INC-1", "--at", env.t("10:00"))
    env.write("planengine.yaml", "settings:\n  timers: {cadence: 10m}\n")
    out = env.json("done", "INC-1", "rounds", "--at", env.t("10:05"))
    assert env.step(out, "rounds")["due_at"] == env.t("12:30"), "the recorded 2h, not the new 10m"
    env.json("tick", "--now", env.t("12:31"))
    assert env.step(env.status(), "rounds")["status"] == "overdue"


def test_a_drill_scores_a_repeat_step_against_the_cadence_it_ran_with(env):
    env.write("timers.yaml", TIMERS)
    env.write(
        "drill.yaml",
        "drill: timers_drill\nplan: ./timers.yaml\nstart: 2090-03-05T10:00:00+08:00\ninjects:\n"
        "  - {at: 5m, done: report_up}\n  - {at: 10m, done: rounds}\n  - {at: 80m, done: rounds}\n",
    )
    relaxed = env.json("drill", "run", "drill.yaml")
    env.write("planengine.yaml", SITE.replace("cadence: 2h", "cadence: 30m"))
    strict = env.json("drill", "run", "drill.yaml", "--db", "strict.db")
    assert strict["score"] < relaxed["score"], (relaxed["score"], strict["score"])
    second = {d: next(r for r in run["steps"] if r.get("round") == 2) for d, run in (("r", relaxed), ("s", strict))}
    assert second["r"]["limit_seconds"] == 3600 and second["r"]["met"], second["r"]
    assert second["s"]["limit_seconds"] == 1800 and second["s"]["late_seconds"] == 1200, second["s"]
    env.write("planengine.yaml", SITE.replace("cadence: 2h", "cadence: 5h"))
    assert env.json("drill", "score", strict["incident"], "--db", "strict.db")["score"] == strict["score"]


def test_plan_show_text_json_and_html_name_the_setting_with_the_value_in_force(env):
    path = env.write("timers.yaml", TIMERS)
    text = env.ok("show", path).stdout
    assert "after 25m (setting check_back): notify leader: still working" in text
    assert "repeat every 1h (setting cadence)" in text
    assert "remind 10m (setting heads_up), 5m before" in text
    assert "escalate 20m (setting chase) past the deadline" in text
    env.write("planengine.yaml", SITE)
    text = env.ok("show", path).stdout
    assert "after 15m (setting check_back)" in text and "repeat every 2h (setting cadence)" in text
    assert "remind 20m (setting heads_up), 5m before" in text and "escalate 5m (setting chase)" in text

    shown = env.json("show", path)
    [phase] = [p for p in shown["phases"] if p["id"] == "working"]
    assert phase["after"] == [{"seconds": 900, "setting": "check_back"}]
    steps = {s["id"]: s for s in phase["steps"]}
    assert steps["rounds"]["repeat"] == {"seconds": 7200, "setting": "cadence"}
    assert steps["report_up"]["remind"] == [{"seconds": 1200, "setting": "heads_up"}, {"seconds": 300}]
    assert steps["report_up"]["escalate"] == [{"seconds": 300, "setting": "chase"}]
    assert steps["report_up"]["repeat"] is None and steps["rounds"]["remind"] == []
    assert steps["report_up"]["within"] == {"day": 2400, "night": 2400}, "the existing shape is unchanged"

    env.ok("show", path, "--format", "html", "-o", "site.html")
    page = (env.root / "site.html").read_text()
    assert "Phase timers: 15m (Setting check_back): " in page
    row = re.search(r'data-step="rounds">(.*?)</tr>', page, re.S).group(1)
    assert "Repeat every: 2h (Setting cadence)" in row
    row = re.search(r'data-step="report_up">(.*?)</tr>', page, re.S).group(1)
    assert "Reminders before the deadline: 20m (Setting heads_up), 5m" in row
    assert "Escalation past the deadline: 5m (Setting chase)" in row


def _col(text, needle, after):
    """1-based column of ``after`` on the line of ``text`` holding ``needle``."""
    line = next(x for x in text.splitlines() if needle in x)
    return line.index(after) + 1


def test_a_day_night_figure_used_where_one_duration_is_needed_is_refused_at_its_default(env):
    text = TIMERS.replace("cadence: {default: 1h,", "cadence: {default: {day: 1h, night: 2h},")
    path = env.write("timers.yaml", text)
    result = env.run("validate", path)
    assert result.exit_code == 1
    line = env.line_of(text, "cadence: {default")
    where = f"{path}:{line}:{_col(text, 'cadence: {default', '{day')}: "
    [problem] = [x for x in result.stderr.splitlines() if x.startswith(where)]
    assert "setting 'cadence' is used as `repeat:`" in problem and "only `within:` takes {day, night}" in problem
    assert f"(line {env.line_of(text, 'repeat: {setting')})" in problem, "it says where the setting is used"


def test_a_figure_of_no_time_or_zero_is_refused_where_it_counts_time(env):
    text = TIMERS.replace("heads_up: {default: 10m,", "heads_up: {default: 0,").replace(
        "chase: {default: 20m,", "chase: {default: [a, b],"
    )
    path = env.write("timers.yaml", text)
    result = env.run("validate", path)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    heads_up = f"{path}:{env.line_of(text, 'heads_up: {default')}:"
    assert any(x.startswith(heads_up) and "used as `remind:`" in x and "longer than 0" in x for x in lines), lines
    chase = f"{path}:{env.line_of(text, 'chase: {default')}:"
    assert any(x.startswith(chase) and "`overdue.after:`" in x and "bad duration" in x for x in lines), lines


def test_an_unknown_setting_in_a_timer_repeat_or_reminder_is_refused_with_did_you_mean(env):
    text = (
        TIMERS.replace("after: {setting: check_back}", "after: {setting: chek_back}")
        .replace("repeat: {setting: cadence}", "repeat: {setting: cadense}")
        .replace("remind: [{setting: heads_up}", "remind: [{setting: heads}")
        .replace("after: {setting: chase}", "after: {setting: chace}")
    )
    path = env.write("timers.yaml", text)
    result = env.run("validate", path)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    for needle, wrong, right in (
        ("setting: chek_back", "chek_back", "check_back"),
        ("setting: cadense", "cadense", "cadence"),
        ("setting: heads}", "heads", "heads_up"),
        ("setting: chace", "chace", "chase"),
    ):
        where = f"{path}:{env.line_of(text, needle)}:{_col(text, needle, wrong)}: "
        assert any(
            x.startswith(where) and f"unknown setting '{wrong}'" in x and f"did you mean '{right}'" in x for x in lines
        ), (needle, lines)
    assert len(lines) == 4, "one line per unknown name, nothing more"


def test_a_site_value_that_is_not_one_duration_is_refused_at_its_position_and_nothing_starts(env):
    path = env.write("timers.yaml", TIMERS)
    config = "settings:\n  timers:\n    cadence: {day: 1h, night: 2h}\n    heads_up: 0\n    check_back: soon\n"
    env.write("planengine.yaml", config)
    refused = env.run("start", path, "--id", "INC-1", "--at", env.t("10:00"))
    assert refused.exit_code == 1
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 3, lines
    assert any(x.startswith("planengine.yaml:3:14: ") and "only `within:` takes {day, night}" in x for x in lines)
    assert any(x.startswith("planengine.yaml:4:15: ") and "longer than 0" in x for x in lines), lines
    assert any(x.startswith("planengine.yaml:5:17: ") and "`after:`" in x and "soon" in x for x in lines), lines
    assert env.run("status", "INC-1").exit_code != 0
    shown = env.run("show", path)
    assert shown.exit_code == 1 and shown.stderr.startswith("planengine.yaml:3:14: "), shown.stderr


def test_lint_names_the_setting_of_a_phase_timer_that_fires_before_a_needs_chain(env):
    text = TIMERS.replace("      - id: rounds\n", "      - id: rounds\n        needs: [report_up]\n")
    out = env.run("lint", env.write("timers.yaml", text))
    assert "timer after 25m (setting check_back, its default) fires before the needs chain" in out.output, out.output


def test_a_plan_compiled_by_the_model_before_these_fields_is_rebuilt_and_times_by_the_figure(env):
    import dataclasses
    import json
    import sqlite3

    from planengine.core.digest import sha256_hex
    from planengine.core.plan import compiled

    env.write("planengine.yaml", SITE)
    env.json("start", env.write("timers.yaml", TIMERS), "--id", "INC-1", "--at", env.t("10:00"))
    conn = sqlite3.connect(env.db)
    (packed,) = conn.execute("SELECT compiled FROM plans").fetchone()

    def strip(node):  # the shape stored before: no setting names beside the durations
        if isinstance(node, dict):
            new = ("after_setting", "repeat_setting", "remind_settings", "plain")
            gone = new + ("setting",) if node.get("$") == "PhaseTimer" else new
            return {k: strip(v) for k, v in node.items() if k not in gone}
        return [strip(x) for x in node] if isinstance(node, list) else node

    # the format tag that model wrote (71e3fd5da996ed7e): compiled.FORMAT's formula over the fields it had
    added = {"Action": {"after_setting"}, "PhaseTimer": {"setting"}, "Setting": {"plain"}}
    added["Step"] = {"repeat_setting", "remind_settings"}
    shape = {
        n: [f.name for f in dataclasses.fields(c) if f.name not in added.get(n, ())]
        for n, c in sorted(compiled._CLASSES.items())
    }
    before = sha256_hex(json.dumps(shape).encode())[:16]
    assert before != compiled.FORMAT
    conn.execute("UPDATE plans SET compiled=?, compiled_format=?", (json.dumps(strip(json.loads(packed))), before))
    conn.commit()
    out = env.json("done", "INC-1", "rounds", "--at", env.t("10:10"))
    assert env.step(out, "rounds")["due_at"] == env.t("12:30"), "the site's 2h, read through the rebuilt plan"
    assert conn.execute("SELECT compiled_format FROM plans").fetchone()[0] == compiled.FORMAT


def test_a_site_value_that_puts_a_reminder_before_the_clock_starts_is_refused(env):
    text = TIMERS.replace("within: 40m", "within: {setting: limit}").replace(
        "  chase: {", "  limit: {default: 40m, source: local practice}\n  chase: {"
    )
    path = env.write("timers.yaml", text)
    env.write("planengine.yaml", "settings:\n  timers:\n    heads_up: 40m\n")
    refused = env.refused("start", path, "--id", "INC-1", "--at", env.t("10:00")).stderr
    assert refused.startswith("planengine.yaml:3:15: ") and "a limit of 40m, so a reminder 40m before" in refused, (
        refused
    )
    env.write("planengine.yaml", "settings:\n  all: {limit: 8m}\n")
    refused = env.refused("start", path, "--id", "INC-1", "--at", env.t("10:00")).stderr
    assert refused.startswith("planengine.yaml:2:16: ") and "setting 'limit'" in refused, refused
    env.write("planengine.yaml", "settings:\n  all: {limit: 12m}\n")
    out = env.json("start", path, "--id", "INC-1", "--at", env.t("10:00"))
    assert env.step(out, "report_up")["due_at"] == env.t("10:12")
