"""Local figures (`settings:`): a plan's defaults with their source, a centre's values in
planengine.yaml, recorded in the `started` event so the incident never depends on the
configuration again. Everything through the CLI, on a real SQLite file, with --at and tick --now."""

from __future__ import annotations

FIGURES = """\
id: figures
title: Local figures
version: 1
lang: en
settings:
  immediate: {default: 10m, title: 立即, source: local practice}
  arrival: {default: {day: 20m, night: 30m}, source: centre working rules}
  needed: {default: [crowd], source: local practice}
facts:
  crowd: {type: integer, min: 0}
  place: {type: string}
roles:
  office: {title: Office}
initial: reported
phases:
  reported:
    steps:
      - id: report_up
        role: office
        within: {setting: immediate}
        check: {check: core.facts_present, args: {facts: {setting: needed}}}
      - id: arrive
        role: office
        needs: [report_up]
        within: {setting: arrival}
    on:
      - when: all_done
        to: closed
  closed: {final: true}
"""


def start(env, at="10:00", incident="INC-1"):
    return env.json("start", env.write("figures.yaml", FIGURES), "--id", incident, "--at", env.t(at))


def test_without_site_values_the_plan_defaults_apply_and_are_recorded(env):
    out = start(env)
    assert env.step(out, "report_up")["due_at"] == env.t("10:10")
    [started] = [e for e in env.events() if e["kind"] == "started"]
    assert started["data"]["local_settings"] == {
        "arrival": {"value": {"day": "20m", "night": "30m"}, "from": "plan"},
        "immediate": {"value": "10m", "from": "plan"},
        "needed": {"value": ["crowd"], "from": "plan"},
    }


def test_a_centre_sets_its_own_figures_for_one_plan_or_for_all(env):
    env.write(
        "planengine.yaml",
        "settings:\n  all: {immediate: 5m, other_plans_figure: 1h}\n"
        "  figures:\n    arrival: {day: 15m, night: 25m}\n    needed: [crowd, place]\n",
    )
    out = start(env)
    assert env.step(out, "report_up")["due_at"] == env.t("10:05"), "`all:` applies to every plan declaring it"
    assert out["local_settings"]["immediate"] == {"value": "5m", "from": "site"}
    # a check argument: the site's list of facts is what the check reads
    env.json("set", "INC-1", "crowd=40", "--at", env.t("10:02"))
    refused = env.refused("done", "INC-1", "report_up", "--at", env.t("10:03"))
    assert "place" in refused.stderr
    env.json("set", "INC-1", "place=square", "--at", env.t("10:03"))
    out = env.json("done", "INC-1", "report_up", "--at", env.t("10:04"))
    assert env.step(out, "arrive")["due_at"] == env.t("10:19"), "by day: the site's 15m"
    # the status board shows the figures in force and where they come from
    board = env.ok("status", "INC-1").stdout
    assert "local settings:" in board and "立即 (immediate)=5m (planengine.yaml)" in board


def test_the_recorded_values_hold_whatever_the_configuration_says_later(env):
    env.write("planengine.yaml", "settings:\n  figures: {immediate: 5m, arrival: 40m}\n")
    start(env)
    env.write("planengine.yaml", "settings:\n  figures: {immediate: 30m, arrival: 1h}\n")
    env.json("set", "INC-1", "crowd=40", "--at", env.t("10:01"))
    out = env.json("done", "INC-1", "report_up", "--at", env.t("10:04"))
    assert env.step(out, "arrive")["due_at"] == env.t("10:44"), "activated after the change: still the recorded 40m"
    env.json("tick", "--now", env.t("10:45"))
    assert env.step(env.status(), "arrive")["status"] == "overdue"
    assert env.json("replay", "INC-1")["ok"] is True
    env.ok("verify", "INC-1")
    # and with no configuration at all
    env.root.joinpath("planengine.yaml").unlink()
    assert env.json("replay", "INC-1")["ok"] is True


def test_a_drill_scores_against_the_figures_it_ran_with(env):
    env.write("figures.yaml", FIGURES)
    env.write(
        "drill.yaml",
        "drill: fig_drill\nplan: ./figures.yaml\nstart: 2090-03-05T10:00:00+08:00\n"
        "facts: {crowd: 40}\ninjects:\n  - {at: 7m, done: report_up}\n  - {at: 12m, done: arrive}\n",
    )
    relaxed = env.json("drill", "run", "drill.yaml")
    env.write("planengine.yaml", "settings:\n  figures: {immediate: 5m}\n")
    strict = env.json("drill", "run", "drill.yaml", "--db", "strict.db")
    assert relaxed["score"] == 100.0 and strict["score"] < relaxed["score"]
    report_up = next(r for r in strict["steps"] if r["id"] == "report_up")
    assert report_up["limit_seconds"] == 300 and report_up["late_seconds"] == 120, report_up
    # the score of the stored incident does not move when the configuration does
    env.write("planengine.yaml", "settings:\n  figures: {immediate: 1h}\n")
    assert env.json("drill", "score", strict["incident"], "--db", "strict.db")["score"] == strict["score"]


def test_plan_show_names_each_figure_its_value_source_and_default(env):
    path = env.write("figures.yaml", FIGURES)
    out = env.ok("show", path).stdout
    assert "immediate (立即) = 10m  [plan default; source: local practice]" in out
    assert "within 10m (setting immediate)" in out
    env.write("planengine.yaml", "settings:\n  figures: {immediate: 5m}\n")
    out = env.ok("show", path).stdout
    assert "immediate (立即) = 5m  [planengine.yaml; plan default 10m; source: local practice]" in out
    assert "within 5m (setting immediate)" in out
    shown = env.json("show", path)
    assert shown["settings"]["immediate"] == {
        "title": "立即",
        "source": "local practice",
        "default": "10m",
        "value": "5m",
        "from": "site",
    }
    step = shown["phases"][0]["steps"][0]
    assert step["within"] == {"day": 300, "night": 300, "setting": "immediate"}


def test_the_printed_checklist_counts_by_the_site_s_figures_and_lists_them(env):
    import re

    path = env.write("figures.yaml", FIGURES)
    env.ok("show", path, "--format", "html", "-o", "default.html")
    page = (env.root / "default.html").read_text()
    assert re.search(r'data-step="report_up">.*?<td class="nowrap">10m \(Setting immediate\)</td>', page)
    assert re.search(r'data-setting="immediate">.*?<td class="nowrap">10m</td><td>plan default</td>', page)
    env.write("planengine.yaml", "settings:\n  figures: {immediate: 5m, arrival: {day: 25m, night: 35m}}\n")
    env.ok("show", path, "--format", "html", "-o", "site.html")
    page = (env.root / "site.html").read_text()
    assert re.search(r'data-step="report_up">.*?<td class="nowrap">5m \(Setting immediate\)</td>', page)
    assert re.search(r'data-step="arrive">.*?<td class="nowrap">day 25m / night 35m \(Setting arrival\)</td>', page)
    row = re.search(r'data-setting="immediate">(.*?)</tr>', page).group(1)
    assert "<td>5m</td>" in row.replace(' class="nowrap"', "") and "planengine.yaml (plan default 10m)" in row
    assert "local practice" in row


def test_bad_site_values_are_refused_with_their_position_and_nothing_is_started(env):
    path = env.write("figures.yaml", FIGURES)
    config = "settings:\n  figures:\n    immediate: soon\n    arival: 15m\n    needed: crowd\n"
    env.write("planengine.yaml", config)
    refused = env.run("start", path, "--id", "INC-1", "--at", env.t("10:00"))
    assert refused.exit_code == 1
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 3, "one line per problem"
    assert any(x.startswith("planengine.yaml:3:16: ") and "time limit" in x and "soon" in x for x in lines), lines
    assert any(x.startswith("planengine.yaml:4:5: ") and "no setting 'arival'" in x and "arrival" in x for x in lines)
    assert any(x.startswith("planengine.yaml:5:13: ") and "a list" in x and "not a text" in x for x in lines), lines
    assert env.run("status", "INC-1").exit_code != 0
    env.write("planengine.yaml", "settings: [immediate]\n")
    assert "planengine.yaml:1:11: " in env.refused("start", path, "--id", "INC-1", "--at", env.t("10:00")).stderr


def test_plan_errors_name_the_line_of_an_unknown_or_unusable_setting(env):
    text = FIGURES.replace("within: {setting: immediate}", "within: {setting: imediate}").replace(
        "{default: {day: 20m, night: 30m}", "{default: {day: 20m}"
    )
    path = env.write("figures.yaml", text)
    result = env.run("validate", path)
    assert result.exit_code == 1
    assert f"{path}:{env.line_of(text, 'setting: imediate')}:" in result.stderr and "did you mean 'immediate'" in (
        result.stderr
    )
    assert f"{path}:{env.line_of(text, 'arrival: {default')}:" in result.stderr and "day: DURATION" in result.stderr
    bad_arg = FIGURES.replace("{setting: needed}", "{setting: neded}")
    result = env.run("validate", env.write("bad_arg.yaml", bad_arg))
    assert result.exit_code == 1 and "unknown setting 'neded'" in result.stderr


def test_mass_petition_crowd_bands_and_at_once_are_the_site_s_to_set(tmp_path, monkeypatch):
    """The bundled plan's local figures: a centre that calls 30 people Ⅲ级 and reads 立即 as 5 min."""
    from pathlib import Path

    from planengine import testing

    root = Path(__file__).resolve().parents[3]
    testing.isolate(monkeypatch, tmp_path, load_plugins="mass_petition")
    env = testing.Workspace(tmp_path, args=["--plans", str(root / "plans")])
    at = "2090-03-05T{}:00+08:00".format
    default = env.json("start", "mass_petition", "--id", "MP-1", "--set", "crowd_size=40", "--at", at("10:00"))
    assert default["level"] == "IV" and env.step(default, "report_up")["due_at"] == at("10:10")
    env.write("planengine.yaml", "settings:\n  all: {immediate: 5m}\n  mass_petition:\n    crowd_bands: {III: 30}\n")
    local = env.json("start", "mass_petition", "--id", "MP-2", "--set", "crowd_size=40", "--at", at("10:00"))
    assert local["level"] == "III" and env.step(local, "report_up")["due_at"] == at("10:05")
    assert local["local_settings"]["crowd_bands"] == {"value": {"III": 30}, "from": "site"}


def test_plan_start_shows_the_figures_in_force_as_plan_status_does(env):
    """The board `plan start` prints (the state it built) and `plan status` (the state folded from
    the log, where maps are kept in sorted order) list the figures in the same order."""
    env.write("planengine.yaml", "settings:\n  figures: {needed: [place, crowd], arrival: {night: 40m, day: 15m}}\n")
    started = env.ok("start", env.write("figures.yaml", FIGURES), "--id", "INC-1", "--at", env.t("10:00")).stdout
    status = env.ok("status", "INC-1").stdout
    line = [x for x in started.splitlines() if "local settings:" in x]
    assert line and line == [x for x in status.splitlines() if "local settings:" in x]
    assert line[0].index("arrival") < line[0].index("immediate") < line[0].index("needed")
    assert "{day: 15m, night: 40m}" in line[0]
