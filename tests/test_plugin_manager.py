"""Plugins: broken ones cost a warning, not the CLI; a raising check is a clear, clean refusal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import types

import pytest

from planengine import plugins
from planengine.hookspecs import hookimpl


def make_plugin(name, **hooks):
    """A plugin module object named ``name`` carrying the given hook implementations."""
    mod = types.ModuleType(name)
    for hook, fn in hooks.items():
        setattr(mod, hook, hookimpl(fn) if not hook.startswith("_") else fn)
    return mod


def install_entry_point(env, monkeypatch, name, source):
    """Make ``name`` an installed distribution with an entry point in group planengine."""
    site = env.root / "site"
    (site / f"{name}-0.1.dist-info").mkdir(parents=True)
    (site / f"{name}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    (site / f"{name}-0.1.dist-info" / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n", encoding="utf-8"
    )
    (site / f"{name}-0.1.dist-info" / "entry_points.txt").write_text(
        f"[planengine]\n{name} = {name}\n", encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("PLANENGINE_LOAD_PLUGINS", name)
    monkeypatch.setattr(plugins, "_cached", None)


# -- broken plugins --------------------------------------------------------------


def test_plugin_that_raises_on_import_prints_a_warning_and_the_cli_still_works(env, monkeypatch):
    install_entry_point(env, monkeypatch, "brokenplug", "raise RuntimeError('half-installed')\n")
    result = env.run("validate", env.plan())
    assert result.exit_code == 0, result.output
    assert "warning" in result.stderr and "brokenplug" in result.stderr
    s = env.start()
    assert s["phase"] == "reported"
    names = [p["name"] for p in env.json("plugins")]
    assert "core" in names and "brokenplug" not in names


def test_installed_plugin_with_a_misspelt_hook_is_not_loaded_and_says_so(env, monkeypatch):
    install_entry_point(
        env,
        monkeypatch,
        "typoplug",
        """
        from planengine.hookspecs import hookimpl

        @hookimpl
        def register_chekcs(register):
            register("typoplug.always", lambda ctx: True)
        """,
    )
    result = env.run("plugins")
    assert result.exit_code == 0
    assert "typoplug" in result.stderr and "register_chekcs" in result.stderr
    assert "typoplug" not in [p["name"] for p in env.json("plugins")]
    env.start()


def test_misspelt_hook_fails_loudly_and_other_plugins_still_load(core_only):
    bad = make_plugin("misspelt", register_check=lambda register: register("misspelt.x", lambda ctx: True))
    good = make_plugin("tidy", register_checks=lambda register: register("tidy.ok", lambda ctx: True))
    reg = plugins.build_registry(extra=[bad, good])
    assert "misspelt" not in reg.plugins
    assert any("misspelt" in w and "register_check" in w for w in reg.warnings)
    assert "tidy.ok" in reg.checks
    assert "core.facts_present" in reg.checks


def test_plugin_registering_names_outside_its_namespace_is_warned_about(core_only):
    rogue = make_plugin("rogue", register_checks=lambda register: register("core.facts_present", lambda ctx: False))
    reg = plugins.build_registry(extra=[rogue])
    assert any("rogue" in w for w in reg.warnings)
    assert reg.checks["core.facts_present"].plugin == "core"


def test_plugins_lists_the_core_builtins(env):
    out = env.json("plugins")
    core = next(p for p in out if p["name"] == "core")
    checks = {c["name"] for c in core["checks"]}
    assert {"core.facts_present", "core.level_from_bands", "core.count_at_least"} <= checks
    assert "console" in {n["name"] for n in core["notifiers"]}


# -- a check that raises ------------------------------------------------------------


def _raise(ctx, **_):
    raise RuntimeError("sensor offline")


@pytest.fixture
def boom(env, monkeypatch):
    """The CLI's registry holds a plugin 'boom' whose check, level check and action raise."""

    def register_checks(register):
        register("boom.explode", _raise, description="raises")
        register("boom.level", _raise, description="raises")
        register("boom.fine", lambda ctx: True, description="passes")

    def register_actions(register):
        register("boom.siren", _raise, description="raises")

    mod = make_plugin("boom", register_checks=register_checks, register_actions=register_actions)
    monkeypatch.setattr(plugins, "_cached", plugins.build_registry(extra=[mod]))
    return env


def boom_plan(env, old, new):
    text = env.PLAN.replace("daytime:", "uses: [boom]\ndaytime:", 1)
    assert old in text
    return env.plan(text.replace(old, new, 1), "boom.yaml")


def snapshot(env):
    return {table: env.count(table) for table in ("incidents", "events", "timers", "outbox")}


def assert_clear_check_error(result, check, incident):
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert check in lines[0] and incident in lines[0]


def test_step_check_that_raises_names_check_and_incident_and_changes_nothing(boom):
    env = boom
    plan = boom_plan(
        env,
        "        role: office\n        within: 10m",
        "        role: office\n        check: boom.explode\n        within: 10m",
    )
    env.start(plan=plan)
    before = snapshot(env)
    result = env.run("done", "INC-1", "report_up", "--at", env.t("10:05"))
    assert_clear_check_error(result, "boom.explode", "INC-1")
    assert snapshot(env) == before
    assert env.step(env.status(), "report_up")["status"] == "pending"


def test_transition_check_that_raises_on_set_leaves_the_incident_unchanged(boom):
    env = boom
    plan = boom_plan(
        env,
        "      - when: all_done\n",
        "      - when: all_done\n        to: responding\n"
        "      - when: {all: [{fact: crowd_size, gte: 100}, boom.explode]}\n",
    )
    env.start("crowd_size=10", plan=plan)
    before = snapshot(env)
    result = env.run("set", "INC-1", "crowd_size=150", "--at", env.t("10:05"))
    assert_clear_check_error(result, "boom.explode", "INC-1")
    assert snapshot(env) == before
    s = env.status()
    assert s["facts"]["crowd_size"] == 10 and s["phase"] == "reported"


def test_level_check_that_raises_refuses_start_and_writes_nothing(boom):
    env = boom
    text = env.PLAN.replace("daytime:", "uses: [boom]\ndaytime:", 1)
    start = text.index("level:\n  rules:")
    end = text.index("roles:")
    plan = env.plan(text[:start] + "level: {check: boom.level}\n\n" + text[end:], "boom.yaml")
    env.ok("validate", plan)
    result = env.run("start", plan, "--id", "INC-9", "--at", env.t("10:00"))
    assert_clear_check_error(result, "boom.level", "INC-9")
    assert snapshot(env) == {"incidents": 0, "events": 0, "timers": 0, "outbox": 0}


def test_enter_action_that_raises_refuses_the_event_and_changes_nothing(boom):
    env = boom
    plan = boom_plan(env, "      - notify: [leader, team]\n        message: respond now", "      - action: boom.siren")
    env.start(plan=plan)
    before = snapshot(env)
    result = env.run("event", "INC-1", "activate", "--at", env.t("10:05"))
    assert_clear_check_error(result, "boom.siren", "INC-1")
    assert snapshot(env) == before
    assert env.status()["phase"] == "reported"


def test_overdue_action_that_raises_does_not_stop_other_incidents_timers(boom):
    env = boom
    broken = boom_plan(
        env,
        "        muster: true\n        within: {day: 15m, night: 25m}",
        "        muster: true\n        within: {day: 15m, night: 25m}\n        overdue: {action: boom.siren}",
    )
    env.start(plan=broken, incident="A", at="10:00")
    env.json("event", "A", "activate", "--at", env.t("10:05"))  # A's muster due 10:20, its action raises
    env.start(incident="B", at="10:15")  # B's report_up due 10:25
    result = env.run("tick", "--now", env.t("10:40"))
    assert result.exit_code == 1
    assert "error: A: muster overdue: action 'boom.siren' failed: RuntimeError: sensor offline" in result.stderr
    assert [e["data"]["step"] for e in env.kinds("B", kind="step_overdue")] == ["report_up"]
    assert [e["data"]["step"] for e in env.kinds("A", kind="step_overdue")] == ["muster"]
    (failed,) = env.kinds("A", kind="action_failed")
    assert failed["actor"] == "timer"
    assert (failed["data"]["action"], failed["data"]["error"]) == ("boom.siren", "RuntimeError: sensor offline")
    assert failed["data"]["reason"].startswith("step:muster:")
    assert env.run("tick", "--now", env.t("10:41")).exit_code == 0, "recorded once, not retried on every tick"
    env.ok("verify", "A")
    env.ok("verify", "B")
    env.ok("replay", "A")


def test_a_timer_whose_action_fails_does_not_hold_back_the_incidents_other_timers(boom):
    env = boom
    plan = boom_plan(
        env,
        "        muster: true\n        within: {day: 15m, night: 25m}",
        "        muster: true\n        within: {day: 15m, night: 25m}\n        overdue: {action: boom.siren}",
    )
    env.start("crowd_size=8", plan=plan, at="10:00")
    env.json("event", "INC-1", "activate", "--at", env.t("10:05"))
    # due: muster 10:20 (its action raises), representatives 10:50, the phase reminder 12:05
    result = env.run("tick", "--now", env.t("12:30"), "--json")
    assert result.exit_code == 1
    out = json.loads(result.stdout)
    assert sorted(f["key"].split(":")[1] for f in out["fired"]) == ["muster", "representatives", "responding"]
    assert [e["error"] for e in out["errors"]] == ["action 'boom.siren' failed: RuntimeError: sensor offline"]
    assert sorted(e["data"]["step"] for e in env.kinds(kind="step_overdue")) == ["muster", "representatives"]
    assert len(env.kinds(kind="reminder")) == 1
    assert env.count("timers") == 0, "no timer is left behind to block the next tick"
    s = env.status()
    assert [(e["action"], e["error"]) for e in s["errors"]] == [("boom.siren", "RuntimeError: sensor offline")]
    board = env.ok("status", "INC-1").stdout
    assert "ERROR" in board and "boom.siren" in board and "muster overdue" in board
    env.ok("verify", "INC-1")
    env.ok("replay", "INC-1")


def test_a_timer_whose_consequences_are_refused_is_recorded_as_failed_and_the_others_fire(boom):
    env = boom
    plan = boom_plan(
        env,
        "      - event: activate\n        to: responding\n",
        "      - event: activate\n        to: responding\n"
        "      - when: {all: [any_overdue, boom.explode]}\n        to: responding\n",
    )
    plan = env.plan(
        open(plan, encoding="utf-8")
        .read()
        .replace(
            "    on:\n      - event: activate",
            "    after:\n      - after: 30m\n        notify: [leader]\n        message: still reported\n"
            "    on:\n      - event: activate",
        ),
        "boom.yaml",
    )
    env.start(plan=plan, at="10:00")  # report_up due 10:10, the phase reminder 10:30
    result = env.run("tick", "--now", env.t("10:45"))
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: INC-1:")]
    assert len(errors) == 2 and all("boom.explode" in line for line in errors), result.stderr
    failed = env.kinds(kind="timer_failed")
    assert sorted(e["data"]["key"].split(":")[0] for e in failed) == ["after", "step"]
    assert env.count("timers") == 0
    assert len(env.status()["errors"]) == 2
    assert env.run("tick", "--now", env.t("11:00")).exit_code == 0
    env.ok("verify", "INC-1")
    env.ok("replay", "INC-1")


# -- plugin isolation --------------------------------------------------------------


def install_dist(env, monkeypatch, dist, entry, module, source, version="0.1", load="*"):
    """A distribution ``dist`` (own site dir) whose entry point ``entry`` in group planengine is ``module``."""
    site = env.root / f"site-{dist}-{version}"
    info = site / f"{dist}-{version}.dist-info"
    info.mkdir(parents=True)
    (site / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[planengine]\n{entry} = {module}\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(site))
    if load == "*":
        monkeypatch.delenv("PLANENGINE_LOAD_PLUGINS", raising=False)
    else:
        monkeypatch.setenv("PLANENGINE_LOAD_PLUGINS", load)
    monkeypatch.setattr(plugins, "_cached", None)


def test_a_hook_with_a_wrong_signature_costs_a_warning_naming_the_plugin_not_every_command(env, monkeypatch):
    install_dist(
        env,
        monkeypatch,
        "badsig",
        "badsig",
        "badsig",
        """
        from planengine.hookspecs import hookimpl

        @hookimpl
        def register_checks(register, extra):
            register("badsig.always", lambda ctx: True)
        """,
        load="badsig",
    )
    result = env.run("plugins", "--json")
    assert result.exit_code == 0, result.stderr
    assert "internal error" not in result.stderr
    (warning,) = [line for line in result.stderr.splitlines() if "badsig" in line]
    assert warning.startswith("warning: plugin 'badsig' not loaded") and "extra" in warning
    assert [p["name"] for p in json.loads(result.stdout)] == ["core"]
    env.start()
    env.json("done", "INC-1", "report_up", "--at", env.t("10:05"))


FAKE_CORE = """
from planengine.hookspecs import hookimpl

@hookimpl
def register_checks(register):
    register("core.facts_present", lambda ctx, facts: True)
"""


def test_an_entry_point_named_core_does_not_replace_the_built_in_checks(env, monkeypatch):
    install_dist(env, monkeypatch, "evilcore", "core", "evilcore", FAKE_CORE)
    plan = env.plan(
        env.PLAN.replace(
            "        role: office\n        within: 10m",
            "        role: office\n        check: {check: core.facts_present, args: {facts: [location]}}\n"
            "        within: 10m",
            1,
        )
    )
    result = env.run("plugins", "--json")
    assert "plugin 'core' from evilcore 0.1 (evilcore) not loaded" in result.stderr
    (core,) = [p for p in json.loads(result.stdout) if p["name"] == "core"]
    assert core["version"] == "builtin"
    env.start(plan=plan)
    refused = env.run("done", "INC-1", "report_up", "--at", env.t("10:05"))
    assert refused.exit_code == 1 and "location" in refused.stderr, "the real check still asks for the fact"


CHECKS_SOURCE = """
from planengine.hookspecs import hookimpl

@hookimpl
def register_checks(register):
    register("{check}", lambda ctx: True)
"""


def test_two_plugins_with_one_name_are_both_named_in_a_warning(env, monkeypatch):
    one = CHECKS_SOURCE.format(check="twin.a")
    two = CHECKS_SOURCE.format(check="twin.b")
    install_dist(env, monkeypatch, "twin-one", "twin", "twin_one", one)
    install_dist(env, monkeypatch, "twin-two", "twin", "twin_two", two)
    result = env.run("plugins", "--json")
    assert result.exit_code == 0
    (warning,) = [line for line in result.stderr.splitlines() if "twin" in line]
    assert "two plugins are named 'twin'" in warning
    assert "twin-one 0.1 (twin_one)" in warning and "twin-two 0.1 (twin_two)" in warning
    (twin,) = [p for p in json.loads(result.stdout) if p["name"] == "twin"]
    assert len(twin["checks"]) == 1


def test_two_versions_of_one_distribution_are_reported(env, monkeypatch):
    src = CHECKS_SOURCE.format(check="dup.a")
    install_dist(env, monkeypatch, "dup", "dup", "dup", src, version="1.0")
    install_dist(env, monkeypatch, "dup", "dup", "dup", src, version="2.0")
    result = env.run("plugins")
    assert "two plugins are named 'dup': dup 2.0 (dup) and dup 1.0 (dup)" in result.stderr


def test_a_plugin_that_prints_while_it_loads_does_not_corrupt_json_output(env, monkeypatch):
    install_dist(
        env,
        monkeypatch,
        "chatty",
        "chatty",
        "chatty",
        """
        print("chatty plugin says hello")
        from planengine.hookspecs import hookimpl

        @hookimpl
        def register_checks(register):
            print("registering chatty checks")
            register("chatty.ok", lambda ctx: True)
        """,
    )
    result = env.run("start", env.plan(), "--id", "INC-1", "--at", env.t("10:00"), "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["id"] == "INC-1"
    assert "chatty plugin says hello" in result.stderr and "registering chatty checks" in result.stderr
    plugins_out = env.run("plugins", "--json")
    assert "chatty" in [p["name"] for p in json.loads(plugins_out.stdout)]


# -- the entry-point cache: never a stale answer ---------------------------------------


def _site(env, monkeypatch, name="site-cache"):
    """An empty site directory already on sys.path (installs below happen after a cache was written)."""
    site = env.root / name
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delenv("PLANENGINE_LOAD_PLUGINS", raising=False)
    return site


def _dist(site, dist, module, source, entry=None, version="0.1"):
    info = site / f"{dist}-{version}.dist-info"
    info.mkdir()
    (site / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[planengine]\n{entry or dist} = {module}\n", encoding="utf-8")
    return info


def _fresh():
    plugins._cached = None  # what a new process starts with (monkeypatch restores it after the test)
    return plugins.get_registry()


def test_a_plugin_installed_after_the_cache_was_written_is_loaded(env, monkeypatch):
    site = _site(env, monkeypatch)
    assert "latecomer" not in _fresh().plugins
    _dist(site, "latecomer", "latecomer_mod", CHECKS_SOURCE.format(check="latecomer.ok"))
    reg = _fresh()
    assert "latecomer" in reg.plugins and "latecomer.ok" in reg.checks


def test_a_plugin_removed_after_the_cache_was_written_is_neither_loaded_nor_tried(env, monkeypatch):
    import shutil

    site = _site(env, monkeypatch)
    info = _dist(site, "goner", "goner_mod", CHECKS_SOURCE.format(check="goner.ok"))
    assert "goner" in _fresh().plugins
    shutil.rmtree(info)
    (site / "goner_mod.py").unlink()
    reg = _fresh()
    assert "goner" not in reg.plugins
    assert not [w for w in reg.warnings if "goner" in w], "no attempt to load what is no longer installed"


def test_an_entry_point_moved_by_a_reinstall_is_followed(env, monkeypatch):
    site = _site(env, monkeypatch)
    info = _dist(site, "mover", "mover_old", CHECKS_SOURCE.format(check="mover.old"))
    assert "mover.old" in _fresh().checks
    (site / "mover_new.py").write_text(CHECKS_SOURCE.format(check="mover.new"), encoding="utf-8")
    (info / "entry_points.txt").write_text("[planengine]\nmover = mover_new\n", encoding="utf-8")
    reg = _fresh()
    assert "mover.new" in reg.checks and "mover.old" not in reg.checks


def test_load_plugins_leaves_a_cached_plugin_out(env, monkeypatch):
    site = _site(env, monkeypatch)
    _dist(site, "optional", "optional_mod", CHECKS_SOURCE.format(check="optional.ok"))
    assert "optional" in _fresh().plugins
    monkeypatch.setenv("PLANENGINE_LOAD_PLUGINS", "")
    reg = _fresh()
    assert "optional" not in reg.plugins and "optional" in reg.skipped


def test_a_damaged_cache_file_is_scanned_anew(env, monkeypatch):
    site = _site(env, monkeypatch)
    _dist(site, "sturdy", "sturdy_mod", CHECKS_SOURCE.format(check="sturdy.ok"))
    assert "sturdy" in _fresh().plugins
    cache = os.environ["PLANENGINE_PLUGIN_CACHE"]
    for junk in ("{not json", '{"version": 2, "entries": [{"key": 1}]}', "[]", ""):
        with open(cache, "w", encoding="utf-8") as fh:
            fh.write(junk)
        assert "sturdy" in _fresh().plugins


def test_the_cache_and_a_full_scan_agree(env, monkeypatch):
    site = _site(env, monkeypatch)
    _dist(site, "agree", "agree_mod", CHECKS_SOURCE.format(check="agree.ok"))
    _fresh()  # writes the cache
    cached = plugins._installed()
    monkeypatch.setenv("PLANENGINE_PLUGIN_CACHE", "off")
    assert plugins._installed() == cached


def test_a_command_on_an_incident_imports_only_the_plugins_its_plan_uses(env, monkeypatch):
    site = _site(env, monkeypatch)
    marker = env.root / "imported.txt"
    noisy = CHECKS_SOURCE.format(check="bystander.ok") + f"\nopen({str(marker)!r}, 'a').write('x')\n"
    _dist(site, "bystander", "bystander_mod", noisy)
    env.start()
    environ = dict(os.environ, PYTHONPATH=os.pathsep.join([str(site), *sys.path]))

    def plan(*args):  # a real `plan` process: what it imports is what this test is about
        argv = [sys.executable, "-m", "planengine", *args, "--db", env.db]
        done = subprocess.run(argv, cwd=env.root, env=environ, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr

    marker.unlink(missing_ok=True)
    plan("done", "INC-1", "report_up", "--at", env.t("10:05"))
    assert not marker.exists(), "plan done imported a plugin its plan does not use"
    plan("plugins")
    assert marker.exists(), "plan plugins loads every installed plugin"


def test_a_broken_plugin_a_plan_uses_is_named_in_a_warning_when_the_plan_is_checked(env, monkeypatch):
    site = _site(env, monkeypatch)
    _dist(site, "shaky", "shaky_mod", "raise RuntimeError('half-installed')\n")
    plan = env.plan(env.PLAN.replace("daytime:", "uses: [shaky]\ndaytime:", 1), "shaky.yaml")
    result = env.run("validate", plan)
    assert "warning: plugin 'shaky' failed to load" in result.stderr


def test_a_directory_without_distributions_does_not_change_the_cache_key(env, monkeypatch):
    before = plugins._path_key()
    monkeypatch.syspath_prepend(str(env.root))  # `python -m planengine` run from here
    assert plugins._path_key() == before
    (env.root / "stray-1.0.dist-info").mkdir()
    assert plugins._path_key() != before


def test_the_core_taken_without_the_plugin_manager_registers_what_the_plugin_does(core_only):
    plain, managed = plugins.core_registry(), plugins.build_registry(only=frozenset())
    for table in ("checks", "actions"):
        ours, theirs = getattr(plain, table), getattr(managed, table)
        assert list(ours) == list(theirs)
        for name, item in ours.items():
            assert (item.fn, item.description, item.plugin) == (theirs[name].fn, theirs[name].description, "core")
    assert plain.plugins == managed.plugins == {"core": "builtin"}
    assert [n for n in plain.notifiers] == [n for n in managed.notifiers], "the rest loads the manager when read"


def test_a_command_on_a_plan_without_plugins_does_not_load_the_plugin_manager(env, monkeypatch):
    env.start()
    environ = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    argv = [sys.executable, "-X", "importtime", "-m", "planengine", "done", "INC-1", "report_up", "--db", env.db]
    done = subprocess.run(argv + ["--at", env.t("10:05")], cwd=env.root, env=environ, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time")}
    assert "planengine.core.engine" in imported, "the import list was read"
    assert not {"pluggy", "jsonschema", "yaml", "importlib.metadata", "jinja2"} & imported
