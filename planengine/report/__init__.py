"""After-action reports: the incident report (处置情况报告), the drill evaluation report
(演练评估报告 / HSEEP AAR/IP), the period summary and the printable plan checklist.

An edge: it reads incidents only through ``Engine``. ``model`` turns what the
engine knows into plain data, ``render`` lays it out with the jinja2 templates
shipped in ``templates/``, ``svg`` draws the charts, ``pdf`` prints the HTML.
"""

from __future__ import annotations

FORMATS = ("md", "html", "pdf")


def incident_report(engine, incident_id: str, fmt: str = "md", lang: str | None = None, at: str | None = None):
    """The report of one incident as text (md, html) or bytes (pdf)."""
    from planengine.report import model, render

    if fmt == "pdf":
        from planengine.report import pdf

        pdf.check()
    data = model.incident_report(engine, incident_id, lang=lang, at=at)
    if fmt != "md":
        render.add_charts(data)
    return _out(render.render("report", data, fmt), fmt)


def summary_report(engine, since: str, until: str | None, fmt: str = "md", lang: str = "zh"):
    from planengine.report import render, summary

    if fmt == "pdf":
        from planengine.report import pdf

        pdf.check()
    data = summary.summary(engine, since, until, lang=lang)
    return _out(render.render("summary", data, fmt), fmt)


def plan_checklist(plan, fmt: str = "html", lang: str | None = None, values: dict | None = None):
    from planengine.report import model, render

    if fmt == "pdf":
        from planengine.report import pdf

        pdf.check()
    return _out(render.render("checklist", model.checklist(plan, lang, values), fmt), fmt)


def _out(text: str, fmt: str):
    if fmt == "pdf":
        from planengine.report import pdf

        return pdf.html_to_pdf(text)
    return text
