"""`from`, `required` + `plan waive`, `repeat`, `default`, `plan reopen`: through the CLI with --at,
against deadlines computed by hand (Asia/Shanghai, daytime 07:00-19:00); and drills with `waive`
and `reopen` injects and `not_exercised` steps (run, score, replay, extract)."""

from __future__ import annotations

import pytest

DUTY = """\
id: duty
title: Duty test
version: 1
lang: en
timezone: Asia/Shanghai
daytime: "07:00-19:00"
facts:
  x: {type: integer}
roles:
  duty: {title: Duty officer}
  team: {title: Team}
  office: {title: Office}
  leader: {title: Leader}
initial: reported
phases:
  reported:
    steps:
      - {id: dispatch, role: duty, within: 5m}
      - {id: convene, role: leader, within: 30m, needs: [dispatch]}
    on:
      - {when: all_done, to: responding}
  responding:
    steps:
      - id: arrive
        role: team
        from: dispatch
        within: {day: 20m, night: 30m}
      - id: on_scene_report
        role: team
        from: arrive
        within: 10m
      - id: written_feedback
        role: office
        from: opened
        within: 24h
        required: true
      - id: progress_report
        role: office
        within: 1h
        repeat: 1h
      - id: escalate
        role: leader
        decision: [county, township]
        within: 15m
        default: county
      - id: since_phase
        role: office
        from: phase
        within: 10m
        if: {fact: x, eq: 1}
    on:
      - {event: finish, to: aftermath}
  aftermath:
    steps:
      - {id: archive, role: office}
    on:
      - {when: all_done, to: closed}
  closed: {final: true}
"""


@pytest.fixture
def duty(env):
    return env.plan(DUTY, "duty.yaml")


def opened(env, duty, at="18:50"):
    """Opened at ``at``; dispatch 18:55 (day); convene 19:05 (night): responding from 19:05."""
    env.start(at=at, plan=duty)
    env.ok("done", "INC-1", "dispatch", "--at", env.t("18:55"))
    return env.json("done", "INC-1", "convene", "--at", env.t("19:05"))


def due(env, status, step):
    return env.dt(env.step(status, step)["due_at"])


# -- from ----------------------------------------------------------------------


def test_from_a_step_counts_from_when_that_step_was_done_with_day_or_night_by_its_time(env, duty):
    s = opened(env, duty)
    assert s["phase"] == "responding"
    # dispatched 18:55 (day): 20 min from then, although the step activated at 19:05 (night)
    assert due(env, s, "arrive") == env.dt(env.t("19:15"))
    assert env.step(s, "arrive")["limit_seconds"] == 20 * 60
    assert env.dt(env.step(s, "arrive")["clock_from"]) == env.dt(env.t("18:55"))


def test_from_a_step_dispatched_at_night_gets_the_night_limit(env, duty):
    env.start(at="18:40", plan=duty)
    env.ok("done", "INC-1", "dispatch", "--at", env.t("19:01"))
    s = env.json("done", "INC-1", "convene", "--at", env.t("19:02"))
    assert due(env, s, "arrive") == env.dt(env.t("19:31"))  # 19:01 is night: 30 min


def test_from_opened_counts_from_the_report_not_from_the_phase(env, duty):
    s = opened(env, duty)
    assert due(env, s, "written_feedback") == env.dt(env.t("18:50", "2090-03-06"))


def test_from_phase_counts_from_entering_the_phase_even_when_the_step_activates_later(env, duty):
    opened(env, duty)
    s = env.json("set", "INC-1", "x=1", "--at", env.t("19:12"))
    step = env.step(s, "since_phase")
    assert env.dt(step["activated_at"]) == env.dt(env.t("19:12"))
    assert due(env, s, "since_phase") == env.dt(env.t("19:15"))  # phase entered 19:05 + 10m


def test_a_step_counted_from_a_step_not_yet_done_has_no_deadline_until_then(env, duty):
    s = opened(env, duty)
    waiting = env.step(s, "on_scene_report")
    assert waiting["status"] == "pending" and waiting["due_at"] is None and waiting["waits_for"] == "arrive"
    env.ok("tick", "--now", env.t("23:00", "2090-03-04"))  # nothing can fire for it
    s = env.json("done", "INC-1", "arrive", "--at", env.t("19:12"))
    assert due(env, s, "on_scene_report") == env.dt(env.t("19:22"))
    assert "step_due" in env.kinds()
    fired = env.json("tick", "--now", env.t("19:23"))["fired"]
    assert [f["key"].split(":")[1] for f in fired].count("on_scene_report") == 1


# -- repeat --------------------------------------------------------------------


def test_repeat_rounds_are_due_one_period_after_the_previous_deadline(env, duty):
    s = opened(env, duty)
    first = env.step(s, "progress_report")
    assert first["round"] == 1 and due(env, s, "progress_report") == env.dt(env.t("20:05"))
    s = env.json("done", "INC-1", "progress_report", "--at", env.t("19:50"))
    assert env.step(s, "progress_report")["round"] == 2
    assert due(env, s, "progress_report") == env.dt(env.t("21:05"))  # 20:05 + 1h, not 19:50 + 1h
    s = env.json("done", "INC-1", "progress_report", "--at", env.t("21:20"))  # 15 min late
    assert env.step(s, "progress_report")["round"] == 3
    assert due(env, s, "progress_report") == env.dt(env.t("22:05"))
    # leaving the phase ends the cadence
    s = env.json("event", "INC-1", "finish", "--at", env.t("21:30"))
    assert env.step(s, "progress_report")["status"] == "skipped"
    rows = [r for r in env.json("drill", "score", "INC-1")["steps"] if r["id"] == "progress_report"]
    assert [(r["round"], r["rating"], r["took_seconds"]) for r in rows] == [(1, "P", 45 * 60), (2, "S", 75 * 60)]
    assert rows[1]["points"] == 75  # 100 x (1 - 15/60)


def test_a_repeat_step_counts_as_done_for_all_done_once_a_round_is_done(env):
    plan = env.plan(
        DUTY.replace(
            "      - {id: archive, role: office}", "      - {id: archive, role: office, within: 1h, repeat: 1h}"
        ),
        "rep.yaml",
    )
    env.start(at="18:50", plan=plan)
    env.ok("done", "INC-1", "dispatch", "--at", env.t("18:55"))
    env.ok("done", "INC-1", "convene", "--at", env.t("19:05"))
    env.ok("event", "INC-1", "finish", "--at", env.t("19:30"))
    s = env.json("done", "INC-1", "archive", "--at", env.t("19:40"))
    # the phase moved on (all_done) although archive's next round was started: the incident now
    # waits in the final phase for the required written feedback
    assert s["phase"] == "closed" and s["closed_at"] is None


# -- default -------------------------------------------------------------------


def test_a_decision_nobody_makes_gets_its_default_at_the_deadline_by_the_timer(env, duty):
    s = opened(env, duty)
    assert due(env, s, "escalate") == env.dt(env.t("19:20"))
    env.ok("tick", "--now", env.t("19:19"))
    assert env.step(env.status(), "escalate")["status"] == "pending"
    env.ok("tick", "--now", env.t("19:21"))
    step = env.step(env.status(), "escalate")
    assert step["answer"] == "county" and step["status"] == "done" and step["default"] is True
    assert env.dt(step["done_at"]) == env.dt(env.t("19:20"))
    [decision] = env.kinds(kind="decision")
    assert decision["actor"] == "timer" and decision["data"]["answer"] == "county"
    [row] = [r for r in env.json("drill", "score", "INC-1")["steps"] if r["id"] == "escalate"]
    assert row["rating"] == "U" and row["status"] == "default"  # the leader did not decide


def test_a_decision_made_in_time_is_not_overridden_by_its_default(env, duty):
    opened(env, duty)
    env.ok("decide", "INC-1", "escalate", "township", "--by", "Chen", "--at", env.t("19:10"))
    env.ok("tick", "--now", env.t("19:30"))
    assert env.step(env.status(), "escalate")["answer"] == "township"
    assert [e["actor"] for e in env.kinds(kind="decision")] == ["Chen"]


# -- required and waive --------------------------------------------------------


def test_a_required_step_survives_the_phase_change_and_blocks_closing(env, duty):
    opened(env, duty)
    result = env.ok("event", "INC-1", "finish", "--at", env.t("19:30"))
    first = result.stdout.splitlines()[0]
    assert first.startswith("skipped") and "arrive" in first and "escalate" in first
    assert "written_feedback" not in first
    s = env.status()
    feedback = env.step(s, "written_feedback")
    assert feedback["status"] == "pending" and feedback["required"] is True
    assert due(env, s, "written_feedback") == env.dt(env.t("18:50", "2090-03-06"))
    assert env.step(s, "arrive")["status"] == "skipped" and env.step(s, "arrive")["required"] is False
    refused = env.run("close", "INC-1", "--at", env.t("19:40"))
    assert refused.exit_code == 1
    assert "written_feedback" in refused.stderr and "plan waive" in refused.stderr
    # all_done in aftermath reaches the final phase; the incident waits there, open
    s = env.json("done", "INC-1", "archive", "--at", env.t("19:45"))
    assert s["phase"] == "closed" and s["closed_at"] is None
    s = env.json("done", "INC-1", "written_feedback", "--at", env.t("09:00", "2090-03-06"))
    assert env.dt(s["closed_at"]) == env.dt(env.t("09:00", "2090-03-06"))


def test_plan_waive_releases_a_required_step_on_the_record(env, duty):
    opened(env, duty)
    env.ok("event", "INC-1", "finish", "--at", env.t("19:30"))
    env.ok("done", "INC-1", "archive", "--at", env.t("19:45"))
    s = env.json(
        "waive",
        "INC-1",
        "written_feedback",
        "--by",
        "Chen",
        "--reason",
        "merged into the county report",
        "--at",
        env.t("20:00"),
    )
    step = env.step(s, "written_feedback")
    assert step["status"] == "waived" and step["reason"] == "merged into the county report" and step["by"] == "Chen"
    assert s["closed_at"] is not None  # nothing else held the final phase
    [waived] = env.kinds(kind="step_waived")
    assert waived["data"] == {"step": "written_feedback", "by": "Chen", "reason": "merged into the county report"}
    rows = [r for r in env.json("drill", "score", "INC-1")["steps"] if r["id"] == "written_feedback"]
    assert rows[0]["rating"] == "N/A" and rows[0]["weight"] == 0


def test_waive_needs_by_and_reason(env, duty):
    opened(env, duty)
    assert env.run("waive", "INC-1", "written_feedback", "--by", "Chen", "--at", env.t("19:10")).exit_code == 2
    result = env.run("waive", "INC-1", "written_feedback", "--by", "Chen", "--reason", "", "--at", env.t("19:10"))
    assert result.exit_code == 1 and "--reason" in result.stderr


def test_the_deadline_of_a_required_step_still_fires_after_its_phase_was_left(env, duty):
    opened(env, duty)
    env.ok("event", "INC-1", "finish", "--at", env.t("19:30"))
    fired = env.json("tick", "--now", env.t("18:51", "2090-03-06"))["fired"]
    assert any("written_feedback" in f["key"] for f in fired)
    assert env.step(env.status(), "written_feedback")["status"] == "overdue"


# -- reopen --------------------------------------------------------------------


def test_reopen_a_mistaken_done_restores_the_step_with_its_deadline(env, duty):
    env.start(at="18:50", plan=duty)
    env.ok("done", "INC-1", "dispatch", "--at", env.t("18:52"))
    s = env.json("reopen", "INC-1", "dispatch", "--by", "Li", "--reason", "wrong incident", "--at", env.t("18:53"))
    step = env.step(s, "dispatch")
    assert step["status"] == "pending" and step["done_at"] is None
    assert due(env, s, "dispatch") == env.dt(env.t("18:55"))  # its deadline, not a new one
    [ev] = env.kinds(kind="step_reopened")
    assert ev["data"] == {"step": "dispatch", "by": "Li", "reason": "wrong incident"}
    fired = env.json("tick", "--now", env.t("18:56"))["fired"]  # the deadline is armed again
    assert [f["key"].split(":")[1] for f in fired] == ["dispatch"]
    assert env.step(env.status(), "dispatch")["status"] == "overdue"


def test_reopen_a_repeat_step_undoes_its_last_round(env, duty):
    opened(env, duty)
    env.ok("done", "INC-1", "progress_report", "--at", env.t("19:50"))
    s = env.json("reopen", "INC-1", "progress_report", "--by", "Li", "--reason", "not sent", "--at", env.t("19:55"))
    step = env.step(s, "progress_report")
    assert (
        step["round"] == 1 and step["status"] == "pending" and due(env, s, "progress_report") == env.dt(env.t("20:05"))
    )


def test_reopen_refuses_what_cannot_be_undone(env, duty):
    opened(env, duty)
    pending = env.run("reopen", "INC-1", "arrive", "--by", "Li", "--reason", "x", "--at", env.t("19:10"))
    assert pending.exit_code == 1 and "only a done step" in pending.stderr
    left = env.run("reopen", "INC-1", "dispatch", "--by", "Li", "--reason", "x", "--at", env.t("19:10"))
    assert left.exit_code == 1 and "reported" in left.stderr and "has left" in left.stderr
    open_ = env.run("reopen", "INC-1", "--by", "Li", "--reason", "x", "--at", env.t("19:10"))
    assert open_.exit_code == 1 and "is open" in open_.stderr


def test_reopen_a_closed_incident_goes_back_to_the_phase_it_closed_from(env, duty):
    opened(env, duty)
    env.ok("event", "INC-1", "finish", "--at", env.t("19:30"))
    env.ok("done", "INC-1", "written_feedback", "--at", env.t("19:40"))
    s = env.json("done", "INC-1", "archive", "--at", env.t("19:45"))
    assert s["closed_at"] is not None
    assert env.run("done", "INC-1", "archive", "--at", env.t("19:50")).exit_code == 1
    s = env.json("reopen", "INC-1", "--by", "Li", "--reason", "archive incomplete", "--at", env.t("19:50"))
    assert s["closed_at"] is None and s["phase"] == "aftermath"
    assert env.step(s, "archive")["status"] == "pending"
    assert "reopened" in env.kinds()
    s = env.json("done", "INC-1", "archive", "--at", env.t("20:10"))
    assert env.dt(s["closed_at"]) == env.dt(env.t("20:10"))
    assert env.json("replay", "INC-1")["ok"] is True


def test_reopen_after_plan_close_returns_to_the_same_phase(env, duty):
    opened(env, duty)
    env.ok("done", "INC-1", "written_feedback", "--at", env.t("19:10"))
    env.ok("close", "INC-1", "--at", env.t("19:20"))
    s = env.json("reopen", "INC-1", "--by", "Li", "--reason", "closed by mistake", "--at", env.t("19:25"))
    assert s["phase"] == "responding" and s["closed_at"] is None
    assert env.step(s, "arrive")["status"] == "pending"


# -- refusals that say why -----------------------------------------------------


def test_a_step_that_is_not_active_names_the_step_it_needs(env, duty):
    env.start(at="18:50", plan=duty)
    result = env.run("done", "INC-1", "convene", "--at", env.t("18:51"))
    assert result.exit_code == 1 and "needs dispatch" in result.stderr
    result = env.run("done", "INC-1", "archive", "--at", env.t("18:51"))
    assert "aftermath" in result.stderr and "reported" in result.stderr


# -- the loader ----------------------------------------------------------------


@pytest.mark.parametrize(
    "old, new, needle, message",
    [
        ("from: dispatch", "from: dispach", "from: dispach", "did you mean 'dispatch'"),
        ("default: county", "default: province", "default: province", "not one of the answers county, township"),
        ("        within: 1h\n        repeat: 1h", "        repeat: 1h", "repeat: 1h", "needs `within:`"),
        ("        from: opened\n        within: 24h", "        from: opened", "from: opened", "add `within:`"),
        ("        repeat: 1h", "        repeat: 0s", "repeat: 0s", "longer than 0"),
    ],
)
def test_the_loader_refuses_bad_clock_keys_with_their_position(env, old, new, needle, message):
    text = DUTY.replace(old, new)
    assert text != DUTY
    path = env.plan(text, "bad.yaml")
    result = env.run("validate", path, db=False)
    assert result.exit_code == 1
    line = env.line_of(text, needle)
    assert f"bad.yaml:{line}:" in result.output and message in result.output


def test_default_on_a_step_that_is_not_a_decision_is_refused(env):
    text = DUTY.replace("      - {id: archive, role: office}", "      - {id: archive, role: office, default: x}")
    result = env.run("validate", env.plan(text, "bad.yaml"), db=False)
    assert result.exit_code == 1 and "add `decision:`" in result.output


def test_the_schema_describes_the_new_step_keys(env):
    schema = env.json("schema", "plan", db=False)
    step = schema["properties"]["phases"]["additionalProperties"]["properties"]["steps"]["items"]["properties"]
    for key in ("from", "required", "repeat", "default"):
        assert step[key]["description"]


# -- drills --------------------------------------------------------------------

DRILL = """\
drill: duties
plan: duty.yaml
start: 2090-03-05T18:50:00+08:00
{extra}injects:
  - {{at: 2m, done: dispatch, by: Li}}
  - {{at: 3m, reopen: dispatch, by: Li, reason: wrong team}}
  - {{at: 5m, done: dispatch, by: Li}}
  - {{at: 15m, done: convene, by: Chen}}
  - {{at: 25m, done: arrive, by: Wang}}
  - {{at: 30m, decide: escalate, answer: township, by: Chen}}
  - {{at: 32m, done: on_scene_report, by: Wang}}
  - {{at: 40m, event: finish, by: Chen}}
  - {{at: 45m, waive: written_feedback, by: Chen, reason: county report covers it}}
  - {{at: 50m, done: archive, by: Li}}
"""


def run(env, extra=""):
    env.plan(DUTY, "duty.yaml")
    path = env.write("duties.yaml", DRILL.format(extra=extra))
    return env.json("drill", "run", path)


def test_waive_and_reopen_injects_run_like_the_commands(env):
    score = run(env)
    incident = score["incident"]
    kinds = env.kinds(incident)
    assert "step_reopened" in kinds and "step_waived" in kinds and kinds[-1] == "closed"
    rows = {r["id"]: r for r in score["steps"]}
    # dispatch: done at 18:55 after the mistaken 18:52 was reopened: exactly on its 5 min
    assert rows["dispatch"]["took_seconds"] == 300 and rows["dispatch"]["rating"] == "P"
    # arrive counts from dispatch (18:55): 19:15 is 20 min, day
    assert rows["arrive"]["took_seconds"] == 20 * 60 and rows["arrive"]["rating"] == "P"
    assert rows["written_feedback"]["rating"] == "N/A" and rows["written_feedback"]["status"] == "waived"
    assert env.json("replay", incident)["ok"] is True


def test_not_exercised_steps_are_na_and_out_of_the_score(env):
    full = run(env)
    # progress_report's first round (due 20:05) was skipped when the phase was left at 19:30: 0 points
    assert {r["id"]: r for r in full["steps"]}["progress_report"]["points"] == 0
    assert full["score"] < 100
    partial = run(env, "not_exercised: [progress_report]\n")
    row = {r["id"]: r for r in partial["steps"]}["progress_report"]
    assert row["rating"] == "N/A" and row["status"] == "not exercised" and row["weight"] == 0
    assert "progress_report" not in [f["step"] for f in partial["findings"]]
    assert partial["score"] == 100 and partial["grade"] == "优秀"


def test_not_exercised_names_a_step_of_the_plan(env):
    env.plan(DUTY, "duty.yaml")
    text = DRILL.format(extra="not_exercised: [progres_report]\n")
    path = env.write("bad.yaml", text)
    result = env.run("validate", path, db=False)
    assert result.exit_code == 1
    assert f"bad.yaml:{env.line_of(text, 'not_exercised')}:" in result.output and "progress_report" in result.output


def test_waive_and_reopen_injects_need_a_reason(env):
    env.plan(DUTY, "duty.yaml")
    text = DRILL.format(extra="").replace(", reason: wrong team", "")
    path = env.write("bad.yaml", text)
    result = env.run("validate", path, db=False)
    assert result.exit_code == 1 and "`reopen:` needs `reason:`" in result.output


def test_extract_keeps_waive_reopen_and_not_exercised_and_scores_the_same(env):
    first = run(env, "not_exercised: [progress_report]\n")
    r = env.ok("drill", "extract", first["incident"], "-o", "again.yaml")
    text = (env.root / "again.yaml").read_text(encoding="utf-8")
    assert "reopen: dispatch" in text and "reason: wrong team" in text
    assert "waive: written_feedback" in text and "not_exercised: [progress_report]" in text
    again = env.json("drill", "run", "again.yaml")
    assert again["score"] == first["score"] and again["steps"] == first["steps"]
    del r


def test_repeat_rounds_survive_a_state_snapshot(env, duty):
    from planengine.core.engine import Engine
    from planengine.core.incident.state import fold, to_snapshot

    opened(env, duty)
    for i in range(12):  # enough events for a snapshot to be stored mid-cadence
        env.ok("done", "INC-1", "progress_report", "--at", env.t(f"19:{10 + i:02d}"))
    env.ok("reopen", "INC-1", "progress_report", "--by", "Li", "--reason", "x", "--at", env.t("19:30"))
    eng = Engine(db=env.db)
    full = fold(eng.store.event_rows("INC-1"), "INC-1")
    assert to_snapshot(eng.state("INC-1")) == to_snapshot(full)
    assert env.step(env.status(), "progress_report")["round"] == 12
    row = env.step(env.status(), "progress_report")
    assert env.dt(row["due_at"]) == env.dt(env.t("07:05", "2090-03-06"))  # 20:05 + 11 x 1h


# -- tick --now ahead of the clock ----------------------------------------------


def test_tick_now_later_than_the_clock_is_refused_on_an_incident_running_now(env, duty):
    from datetime import datetime, timedelta, timezone

    env.ok("start", duty, "--id", "LIVE")  # opened now: dispatch due in 5 minutes
    before = env.kinds("LIVE")
    ahead = (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat(timespec="seconds")
    result = env.run("tick", "--now", ahead)
    assert result.exit_code == 1
    assert "later than the clock" in result.stderr and "LIVE" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert env.kinds("LIVE") == before  # nothing fired early
    assert env.json("tick")["fired"] == []  # the plain tick is the wall clock's: nothing is due yet


def test_tick_now_may_drive_an_incident_recorded_ahead_of_the_clock(env, duty):
    opened(env, duty)  # 2090: an exercise recorded ahead of the clock
    fired = env.json("tick", "--now", env.t("19:21"))["fired"]
    assert {f["key"].split(":")[1] for f in fired} == {"arrive", "escalate"}  # due 19:15 and 19:20
