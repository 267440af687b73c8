"""Routine work: recurring duties (schedules), the working-day calendar and duty rosters.

Pure logic: the site configuration's ``schedules:``, ``calendar:`` and
``roster:`` sections are parsed here (with planengine.yaml:line:col errors),
occurrences and who is on duty are computed here; the engine decides what to
write. Nothing here reads the database.
"""
