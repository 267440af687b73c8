"""The duty roster decides at send time who a notification to a role reaches; swaps are events."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from planengine.core.schedule.roster import Roster, Rotation, Swap, swap_slot, who_is_on

SH = ZoneInfo("Asia/Shanghai")

PLAN = """\
id: duty_check
title: duty check
version: 1
timezone: Asia/Shanghai
roles:
  duty: {title: 值班员}
  office: {title: 办公室}
initial: open
phases:
  open:
    steps:
      - {id: call, title: 电话核实, role: duty, within: 30m}
      - {id: file, title: 归档, role: office, within: 30m}
    on:
      - {when: all_done, to: done}
  done: {final: true}
"""

CONFIG = """\
timezone: Asia/Shanghai
roster:
  duty:   {rotation: [王焰, 李明, 张强], shift: 24h, start: "2026-10-01T08:00+08:00"}
  leader: {rotation: [陈英, 周斌], shift: 7d, start: "2026-09-28T08:00+08:00"}
people:
  王焰: {phone: "13900000001"}
  李明: {phone: "13900000002"}
  赵六: {phone: "13900000006"}
"""


def local(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=SH)


def test_who_is_on_follows_the_rotation_and_the_latest_swap():
    duty = Rotation("duty", ("A", "B", "C"), timedelta(hours=24), local(2026, 10, 1, 8))
    roster = Roster({"duty": duty})
    assert who_is_on(roster, "duty", local(2026, 10, 1, 7, 59)) is None  # before the first hand-over
    assert who_is_on(roster, "duty", local(2026, 10, 1, 8)) == "A"
    assert who_is_on(roster, "duty", local(2026, 10, 2, 7, 59)) == "A"
    assert who_is_on(roster, "duty", local(2026, 10, 2, 8)) == "B"
    assert who_is_on(roster, "duty", local(2026, 10, 4, 8)) == "A"  # round again
    assert who_is_on(roster, "unrostered", local(2026, 10, 2)) is None
    begin, end = swap_slot(duty, local(2026, 10, 2).date())
    assert (begin, end) == (local(2026, 10, 2, 8), local(2026, 10, 3, 8))
    roster.swaps += [Swap("duty", begin, end, "X"), Swap("duty", begin, end, "Y")]
    assert who_is_on(roster, "duty", local(2026, 10, 2, 8)) == "Y"
    assert who_is_on(roster, "duty", local(2026, 10, 3, 8)) == "C"


def test_a_weekly_leader_is_swapped_for_one_day():
    leader = Rotation("leader", ("L1", "L2"), timedelta(days=7), local(2026, 9, 28, 8))
    begin, end = swap_slot(leader, local(2026, 10, 1).date())
    assert (begin, end) == (local(2026, 10, 1, 8), local(2026, 10, 2, 8))
    begin, end = swap_slot(leader, local(2026, 10, 1, 20))  # a time: the day of the shift running then
    assert (begin, end) == (local(2026, 10, 1, 8), local(2026, 10, 2, 8))


@pytest.fixture
def site(env):
    env.write("plans/duty_check.yaml", PLAN)
    env.write("planengine.yaml", CONFIG)
    return env


def calls(output, incident):
    """The 联系 (call) lines of the messages about ``incident`` the console channel printed."""
    out = []
    for chunk in output.split("[notify ")[1:]:
        if chunk.split("]", 1)[1].strip().startswith(incident + ":"):
            out += [line.split("：", 1)[1] for line in chunk.splitlines() if line.startswith("联系：")]
    return out


def test_a_notification_at_the_shift_boundary_reaches_the_swapped_in_officer(site):
    # 李明 is rostered from 2 October 08:00; 赵六 takes that day instead
    swap = site.json("roster", "swap", "duty", "2026-10-02", "赵六", "--by", "陈英", "--at", "2026-09-30T10:00")
    assert swap["data"]["replaces"] == "李明" and swap["data"]["by"] == "陈英"
    site.ok("start", "duty_check", "--id", "A", "--at", "2026-10-02T07:00")
    out = site.ok("tick", "--now", "2026-10-02T07:59").output  # overdue at 07:30, sent at 07:59: 王焰's shift
    assert "值班员 王焰 13900000001" in calls(out, "A")
    site.ok("start", "duty_check", "--id", "B", "--at", "2026-10-02T07:31")
    out = site.ok("tick", "--now", "2026-10-02T08:01").output  # overdue at 08:01, sent after the hand-over
    assert "值班员 赵六 13900000006" in calls(out, "B")
    assert not [c for c in calls(out, "B") if "李明" in c]
    # an unrostered role keeps its plan's people (none listed here)
    assert any(c.startswith("办公室") and "赵六" not in c for c in calls(out, "B"))
    # the next day the rotation goes on as if nothing happened
    site.ok("start", "duty_check", "--id", "C", "--at", "2026-10-03T08:00")
    out = site.ok("tick", "--now", "2026-10-03T08:31").output
    assert "值班员 张强" in calls(out, "C")


def test_roster_show_lists_the_day_with_hand_overs_and_swaps(site):
    site.ok("roster", "swap", "duty", "2026-10-02", "赵六", "--by", "陈英")
    day = site.json("roster", "show", "2026-10-02")
    duty = [(s["name"], s["from"][11:16], s["to"][11:16], s["swapped"]) for s in day["slots"] if s["role"] == "duty"]
    assert duty == [("王焰", "00:00", "08:00", False), ("赵六", "08:00", "00:00", True)]
    leader = [s["name"] for s in day["slots"] if s["role"] == "leader"]
    assert leader == ["陈英"]
    text = site.ok("roster", "show", "2026-10-02").output
    assert "duty: 赵六  2026-10-02 08:00 - 00:00  (swap)" in text


def test_roster_swaps_are_hash_chained_events_and_bad_swaps_are_refused(site):
    site.ok("roster", "swap", "duty", "2026-10-02", "赵六", "--by", "陈英")
    site.ok("roster", "swap", "leader", "2026-10-02T20:00", "王焰", "--by", "陈英")
    from planengine.core.engine import Engine

    eng = Engine(db=site.db, config="planengine.yaml")
    evs = eng.roster_events()
    assert [e["kind"] for e in evs] == ["roster_swap", "roster_swap"]
    assert evs[1]["prev_hash"] == evs[0]["hash"]
    assert eng.store.verify("@roster") == []
    assert eng.who_is_on("leader", local(2026, 10, 2, 21)) == "王焰"
    assert eng.incidents(open_only=False) == []  # the roster is no incident
    for args, message in (
        (("roster", "swap", "nobody", "2026-10-02", "赵六", "--by", "x"), "no roster for role 'nobody'"),
        (("roster", "swap", "duty", "2026-13-02", "赵六", "--by", "x"), "bad date"),
    ):
        result = site.run(*args)
        assert result.exit_code == 1 and message in result.output
    assert len(Engine(db=site.db, config="planengine.yaml").roster_events()) == 2


def test_the_board_shows_who_is_on_duty_now(site):
    from planengine.cli.status import duty_line
    from planengine.core.engine import Engine

    eng = Engine(db=site.db, config="planengine.yaml")
    assert duty_line(eng, local(2026, 10, 2, 9)) == "on duty: duty 李明, leader 陈英"
    assert duty_line(eng, local(2026, 10, 6, 9)) == "on duty: duty 张强, leader 周斌"


def test_a_bad_roster_is_refused_with_its_line(site):
    bad = CONFIG.replace("shift: 24h", "shift: often")
    site.write("planengine.yaml", bad)
    result = site.run("roster", "show", "2026-10-02")
    assert result.exit_code == 1
    assert result.output.startswith(f"planengine.yaml:{site.line_of(bad, 'often')}:")
