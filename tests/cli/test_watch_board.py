"""The `plan watch` board: fits the terminal (CJK characters take two columns), most urgent first."""

from __future__ import annotations

from planengine.cli.watch import Board, Screen, clip, width
from planengine.core.engine import Engine


def test_cjk_text_is_measured_and_cut_by_terminal_columns():
    assert width("还剩7分钟") == 9
    cut = clip("群体性上访事件应急处置预案" * 3, 21)
    assert width(cut) <= 21 and cut.endswith("…")


def test_the_board_fits_120_by_24_with_the_header_and_the_overdue_incident_on_top(env):
    plan = env.plan(env.PLAN.replace("title: Test petition plan", "title: " + "群体性上访事件应急处置预案" * 4))
    eng = Engine(db=env.db)
    for i in range(12):
        eng.start(plan, incident_id=f"INC-{i:02d}", at=env.t("10:00"))
        eng.command(f"INC-{i:02d}", "event", {"name": "activate"}, at=env.t("10:05"))
    eng.start(plan, incident_id="LATE", at=env.t("09:00"))  # report_up was due at 09:10
    board = Board(eng, lang="zh")
    assert board.refresh()
    frame = board.frame(f"{env.DAY}T02:15:00Z", 120, 24, "header")  # 10:15 in Shanghai
    texts = [t for t, _ in frame]
    assert len(frame) <= 24 and all(width(t) <= 120 for t in texts)
    assert texts[0] == "header" and "LATE" in texts[1] and frame[1][1], "the overdue incident first, in red"
    assert any("超时" in t for t in texts[1:4]) and any("还剩" in t for t in texts)
    assert texts[-1].startswith("… 另有"), "what did not fit is counted"
    assert not board.refresh(), "nothing changed: nothing refolded"


def test_only_changed_lines_are_rewritten_on_a_terminal(capsys):
    screen = Screen(tty=True)
    screen.draw([("a", False), ("b", False)])
    capsys.readouterr()
    screen.draw([("a", False), ("c", True)])
    out = capsys.readouterr().out
    assert "\x1b[2;1H" in out and "c" in out and "\x1b[1;1H" not in out
