"""Scoring a drill (or any incident) from its folded state: pure functions.

DESIGN.md's default rule, configurable under the plan's ``scoring:``; HSEEP
ratings (P/S/M/U; our time bands are a local default, not HSEEP's definition)
and findings 不足项 / 整改项 / 改进项. The finding classes are local practice,
classed by their effect on public safety: the 2013 突发事件应急预案管理办法 that
used them was repealed, and its successor (突发事件应急预案管理办法,
国办发〔2024〕5号) does not define them (shared DOMAIN.md [std]).
"""

from __future__ import annotations

from fractions import Fraction

from planengine.core.incident import clock as clocks
from planengine.core.incident.clock import local, zone
from planengine.core.plan import durations

DEFAULT_GRADES = ((90, "优秀"), (75, "良好"), (60, "合格"))
FAIL_GRADE = "不合格"
GRADE_EN = {"优秀": "excellent", "良好": "good", "合格": "pass", "不合格": "fail"}
DEFAULT_RATINGS = {"S": 1.25, "M": 1.5}
FINDING = {"U": "不足项", "M": "整改项", "S": "改进项"}  # local practice (see the module docstring)
FINDING_EN = {"不足项": "deficiency", "整改项": "corrective action", "改进项": "improvement"}


def _round1(x: Fraction) -> float:
    """Round half up to one decimal, exactly (87.25 -> 87.3)."""
    tenths = (x * 10 + Fraction(1, 2)).__floor__()
    return tenths / 10


def _num(x: Fraction):
    r = _round1(x)
    return int(r) if r == int(r) else r


def _secs(a, b):
    return None if a is None or b is None else clocks.seconds_between(a, b)


def scoring_rule(plan) -> dict:
    """The effective rule: DESIGN.md defaults overlaid with the plan's ``scoring:`` block."""
    cfg = dict(getattr(plan, "scoring", None) or {}) if plan is not None else {}
    grades = cfg.get("grades")
    if grades:
        grades = sorted(((g["min"], g["grade"]) for g in grades), reverse=True)
    else:
        grades = list(DEFAULT_GRADES)
    return {
        "muster_weight": cfg.get("muster_weight", 2),
        "step_weight": cfg.get("step_weight", 1),
        "weights": dict(cfg.get("weights") or {}),
        "grades": [{"min": m, "grade": g} for m, g in grades],
        "fail_grade": cfg.get("fail_grade", FAIL_GRADE),
        "ratings": {**DEFAULT_RATINGS, **(cfg.get("ratings") or {})},
    }


def _rating(took, limit, ratings):
    if took is None:
        return "U"
    if took <= limit:
        return "P"
    if took <= limit * ratings["S"]:
        return "S"
    if took <= limit * ratings["M"]:
        return "M"
    return "U"


def score(state, plan=None) -> dict:
    """Score an incident (a drill or a live one) from its folded state. Pure.

    Default rule (DESIGN.md): each timed step that became active scores 100 if
    done within its limit, 100 x (1 - late/limit) floored at 0 if late, 0 if
    never done (skipped by a phase change or closing included); muster steps
    weigh 2, others 1; the score is the weighted mean rounded half up to one
    decimal. Grades: >= 90 优秀, >= 75 良好, >= 60 合格, else 不合格. HSEEP
    ratings: P within the limit, S within 1.25x, M within 1.5x, U later or never.
    """
    rule = scoring_rule(plan)
    ratings = rule["ratings"]
    lang = getattr(plan, "lang", "zh") if plan is not None else "zh"
    steps_out, musters, findings = [], [], []
    total_w = Fraction(0)
    total = Fraction(0)
    counts = {"P": 0, "S": 0, "M": 0, "U": 0}
    tz = zone(state.timezone)  # times print in the plan's timezone, as `plan status` does
    ordered = sorted(state.steps.values(), key=lambda s: (s.activation_seq, s.id))
    not_exercised = set((state.drill or {}).get("not_exercised") or ())
    ended = state.closed_at or state.last_at  # an open incident: rounds not yet due are not scored
    for current in ordered:
        if current.muster:
            musters.append(_muster(state, current, tz))
        for st in _rounds(current):
            limit = st.limit_seconds
            if limit is None or st.activated_at is None:
                continue
            if st.round > 1 and st.status != "done" and (st.due_at is None or st.due_at > (st.skipped_at or ended)):
                continue  # a 续报 round whose deadline never came: the cadence ended first
            row = _row(st, limit, tz)
            excluded = _excluded(st, not_exercised)
            if excluded:
                row.update(status=excluded, rating="N/A", points=None, weight=0, met=None)
                steps_out.append(row)
                continue
            took = _took(st, limit)
            if took is None:
                points = Fraction(0)
            elif took <= limit:
                points = Fraction(100)
            else:
                points = max(Fraction(0), 100 * (1 - Fraction(took - limit, limit))) if limit else Fraction(0)
            weight = rule["weights"].get(st.id, rule["muster_weight"] if st.muster else rule["step_weight"])
            weight = Fraction(weight)
            total_w += weight
            total += weight * points
            rating = _rating(took, limit, ratings)
            counts[rating] += 1
            late = max(0, took - limit) if took is not None else None
            if st.defaulted:
                status = "default"  # nobody decided: the plan's `default:` was recorded at the deadline
            else:
                status = "skipped" if st.status == "skipped" else ("done" if took is not None else "not done")
            row.update(
                took_seconds=took,
                late_seconds=late,
                status=status,
                met=took is not None and took <= limit,
                points=_num(points),
                weight=_num(weight),
                rating=rating,
            )
            steps_out.append(row)
            if rating != "P":
                findings.append(_finding(st, rating, took, limit, late, lang))
    value = _round1(total / total_w) if total_w else None
    grade = None
    if value is not None:
        grade = next((g["grade"] for g in rule["grades"] if value >= g["min"]), rule["fail_grade"])
    return {
        "incident": state.id,
        "plan": state.plan,
        "plan_version": state.plan_version,
        "kind": state.kind,
        "drill": (state.drill or {}).get("id"),
        "opened_at": local(state.opened_at, tz),
        "closed_at": local(state.closed_at, tz),
        "score": value,
        "grade": grade,
        "grade_en": GRADE_EN.get(grade, grade),
        "ratings": counts,
        "steps": steps_out,
        "musters": musters,
        "findings": findings,
        "rule": rule,
    }


def _rounds(st) -> list:
    """A step's rounds, first to last (one unless `repeat:`)."""
    out = []
    while st is not None:
        out.append(st)
        st = st.prev
    return out[::-1]


def _excluded(st, not_exercised) -> str | None:
    """Why a step is left out of the score: the drill does not rehearse it, it was waived on the
    record, or its clock never started (`from:` a step never done)."""
    if st.id in not_exercised:
        return "not exercised"
    if st.status == "waived":
        return "waived"
    if st.due_at is None:
        return "never due"
    return None


def _took(st, limit):
    """Seconds from the moment the step's clock started (`from:`; a 续报 round: the previous deadline)
    to its completion; None if not done by people (a `default:` answer is the timer's, not theirs)."""
    if st.status != "done" or st.defaulted:
        return None
    return limit + clocks.seconds_between(st.due_at, st.done_at)


def _row(st, limit, tz) -> dict:
    row = {
        "id": st.id,
        "title": st.title,
        "phase": st.phase,
        "role": st.role,
        "muster": bool(st.muster),
        "activated_at": local(st.activated_at, tz),
        "clock_from": local(st.anchor_at, tz),
        "due_at": local(st.due_at, tz),
        "done_at": local(st.done_at, tz),
        "limit_seconds": limit,
        "took_seconds": None,
        "late_seconds": None,
    }
    if st.repeat:
        row["round"] = st.round
    return row


def _muster(state, st, tz) -> dict:
    full_at = st.strength_at or (st.done_at if st.status == "done" else None)
    start = st.anchor_at or st.activated_at
    took = _secs(start, full_at)
    first = _secs(start, st.first_arrival_at)
    limit = st.limit_seconds
    return {
        "role": st.role,
        "step": st.id,
        "limit_seconds": limit,
        "took_seconds": took,
        "met": took is not None and (limit is None or took <= limit),
        "first_arrival_seconds": first,
        "strength": st.strength,
        "count": st.count if st.counted else None,
        "first_arrival_at": local(st.first_arrival_at, tz),
        "full_strength_at": local(full_at, tz),
    }


def _finding(st, rating, took, limit, late, lang):
    cls = FINDING[rating]
    name = st.title or st.id
    role = f"（{st.role}）" if st.role and lang == "zh" else (f" ({st.role})" if st.role else "")
    lim = durations.format(limit)
    if st.defaulted:
        if lang == "zh":
            text = f"{name}{role}未在时限{lim}内决策，按预案默认答复“{st.answer}”处理"
        else:
            text = f"{name}{role} was not decided within {lim}: the plan's default '{st.answer}' was applied"
    elif lang == "zh":
        if took is None:
            text = f"{name}{role}未在演练中完成（时限{lim}）"
        else:
            text = f"{name}{role}超时{durations.format(late)}（时限{lim}，用时{durations.format(took)}）"
    else:
        if took is None:
            text = f"{name}{role} was not done (limit {lim})"
        else:
            text = f"{name}{role} was {durations.format(late)} late (limit {lim}, took {durations.format(took)})"
    return {
        "class": cls,
        "class_en": FINDING_EN[cls],
        "step": st.id,
        "role": st.role,
        "rating": rating,
        "limit_seconds": limit,
        "took_seconds": took,
        "text": text,
    }
