"""Delivering a backlog of one incident's notifications asks whom each reaches (the roster and
the case's owner), and the owner comes from the fold of the log: it is folded once per head of
the log, not once per notification (1,000 overdue steps of a 1,000-step plan took a `plan tick`
12 s of CPU folding the same incident 1,000 times)."""

from __future__ import annotations

from planengine.core.engine import Engine

STEPS = 60


def _plan() -> str:
    steps = "".join(f"      - {{id: s{i}, role: office, within: 30m}}\n" for i in range(STEPS))
    return (
        "id: many_steps\ntitle: Many steps\nversion: 1\nlang: en\ntimezone: Asia/Shanghai\n"
        "roles:\n  office: {title: Office}\ninitial: open\nphases:\n  open:\n    steps:\n"
        + steps
        + "    on: [{event: finish, to: closed}]\n  closed: {final: true}\n"
    )


def test_a_tick_delivering_many_notifications_of_one_incident_folds_it_once(env, monkeypatch):
    env.start(plan=env.plan(_plan(), "many.yaml"))
    env.ok("assign", "INC-1", "--to", "王焰", "--by", "陈英", "--at", env.t("10:01"))
    folds = []
    real = Engine.state

    def counting(self, incident_id):
        folds.append(incident_id)
        return real(self, incident_id)

    monkeypatch.setattr(Engine, "state", counting)
    env.ok("tick", "--now", env.t("11:00"))
    delivered = [e for e in env.json("log", "INC-1") if e["kind"] == "notify_delivered"]
    assert len(delivered) >= STEPS
    assert folds.count("INC-1") <= 2, len(folds)
