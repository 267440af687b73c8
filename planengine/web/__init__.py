"""`plan serve`: the duty console and the wall board (Starlette, Jinja2, htmx with server-sent events)."""
