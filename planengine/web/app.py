"""The web edge: wall board, incident console, JSON API, accounts. It reaches the core only through Engine.

Every request runs on a worker thread with that thread's own Engine (SQLite
connections stay on the thread that opened them). One watcher thread polls
``PRAGMA data_version`` on its own connection (a few microseconds) and wakes
the open pages over server-sent events; the pages then fetch the part that
changed. States are folded again only for incidents whose last event moved.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
import time
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from planengine import i18n
from planengine.web import view

HERE = Path(__file__).parent
# Every page: scripts and styles only from this server (no inline script, no eval), no framing.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
WRITE_ROLES = ("officer", "admin")
# Login throttling (local practice, in the spirit of NIST SP 800-63B 5.2.2 "rate limiting"):
# at most 5 failed attempts per user name and client within 5 minutes.
LOGIN_FAILURES, LOGIN_WINDOW = 5, 300
HEARTBEAT_SECONDS = 10  # a page that hears nothing for 3 heartbeats shows the stale-data warning
COMMANDS = {
    # API name -> {argument: type}; the CLI's argument names
    "done": {"step": str, "note": str, "by": str, "at": str},
    "checkin": {"role": str, "count": int, "by": str, "at": str},
    "set": {"facts": dict, "at": str},
    "event": {"name": str, "at": str},
    "note": {"text": str, "by": str, "at": str},
    "ack": {"step": str, "by": str, "at": str},
    "decide": {"step": str, "answer": str, "by": str, "at": str},
    "close": {"outcome": str, "at": str},
    "waive": {"step": str, "by": str, "reason": str, "at": str},
    "reopen": {"step": str, "by": str, "reason": str, "at": str},
}
REQUIRED = {
    "done": ("step",),
    "checkin": ("role",),
    "set": ("facts",),
    "event": ("name",),
    "note": ("text",),
    "decide": ("step", "answer"),
    "waive": ("step", "reason"),
    "reopen": ("reason",),
}


class BadRequest(Exception):
    pass


class Server:
    """What the app shares across requests: engines per thread, the change watcher, login throttling."""

    def __init__(self, db, plans=None, config=None, poll=0.25, lang=None):
        self.db, self.plans, self.config, self.poll, self.lang = db, plans, config, poll, lang
        self._local = threading.local()
        self.version = 0  # bumped on every change seen by the watcher
        self.changed_at = time.time()
        self._waiters: set = set()
        self._loop = None
        self._stop = threading.Event()
        self._failures: dict = {}
        self.cache = view.BoardCache()
        self._lock = threading.Lock()

    def engine(self):
        eng = getattr(self._local, "engine", None)
        if eng is None:
            from planengine.core.engine import Engine

            eng = self._local.engine = Engine(db=self.db, plans=self.plans, config=self.config)
        return eng

    def language(self):
        if self.lang:
            return self.lang
        try:
            site = self.engine().config.get("lang")
        except Exception:
            site = None
        return i18n.current(site if site in i18n.LANGS and not _env_lang() else None)

    # -- changes ----------------------------------------------------------------

    def start(self, loop):
        self._loop = loop
        threading.Thread(target=self._watch, name="planengine-watch", daemon=True).start()

    def stop(self):
        self._stop.set()

    def _watch(self):
        from planengine.core.engine import Engine

        eng = Engine(db=self.db, plans=self.plans, config=self.config)  # its own connection
        last = eng.data_version()
        while not self._stop.wait(self.poll):
            try:
                now = eng.data_version()
            except Exception:
                continue
            if now != last:
                last = now
                self.changed()

    def changed(self):
        """Something was written (by this server or any other process): wake every open page."""
        self.version += 1
        self.changed_at = time.time()
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake)

    def _wake(self):
        for fut in list(self._waiters):
            if not fut.done():
                fut.set_result(True)

    async def wait_change(self, timeout):
        fut = asyncio.get_running_loop().create_future()
        self._waiters.add(fut)
        try:
            await asyncio.wait_for(fut, timeout)
            return True
        except asyncio.TimeoutError:
            return False
        finally:
            self._waiters.discard(fut)

    # -- login throttling -----------------------------------------------------------

    def throttled(self, key) -> int:
        """Seconds to wait before ``key`` may try again (0: it may)."""
        now = time.time()
        with self._lock:
            fails = [t for t in self._failures.get(key, []) if now - t < LOGIN_WINDOW]
            self._failures[key] = fails
            if len(fails) >= LOGIN_FAILURES:
                return int(LOGIN_WINDOW - (now - fails[0])) + 1
        return 0

    def failed(self, key):
        with self._lock:
            self._failures.setdefault(key, []).append(time.time())

    def succeeded(self, key):
        with self._lock:
            self._failures.pop(key, None)


class SecurityHeaders:
    """Pure ASGI middleware: the Content-Security-Policy and friends on every response (SSE streams too)."""

    HEADERS = [
        (b"content-security-policy", CSP.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (b"x-frame-options", b"DENY"),
    ]

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + self.HEADERS
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _env_lang():
    import os

    return os.environ.get("PLANENGINE_LANG", "").strip().lower()[:2] in i18n.LANGS


def create_app(db, plans=None, config=None, secure=False, poll=0.25, lang=None, secret=None) -> Starlette:
    server = Server(db, plans, config, poll, lang)
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(HERE / "templates")), autoescape=True)
    templates = Jinja2Templates(env=env)
    env.globals["t"] = lambda key, **kw: i18n.t(key, env.globals["_lang"](), **kw)
    env.globals["_lang"] = lambda: server.language()
    env.globals["level_title"] = lambda lv: i18n.level_title(lv, server.language())
    env.globals["value"] = lambda v: i18n.value(v, server.language())
    env.globals["status_label"] = lambda s: i18n.status_label(s, server.language())

    def say(e):
        return i18n.say(e, server.language())

    # -- who is asking -------------------------------------------------------------------

    def _user(request: Request):
        """(user, via) from a Bearer token or the session cookie; (None, None) when neither."""
        auth = request.headers.get("authorization", "")
        eng = server.engine()
        if auth.lower().startswith("bearer "):
            return eng.token_user(auth[7:].strip()), "token"
        name = request.session.get("user")
        if name:  # a session begun before the password last changed has ended
            return eng.user(name, session=request.session.get("stamp", "")), "session"
        return None, None

    def _csrf(request: Request) -> str:
        token = request.session.get("csrf")
        if not token:
            token = request.session["csrf"] = secrets.token_urlsafe(32)
        return token

    def _csrf_ok(request: Request, form=None) -> bool:
        want = request.session.get("csrf")
        got = request.headers.get("x-csrf-token") or (form.get("csrf") if form is not None else None)
        return bool(want) and bool(got) and secrets.compare_digest(str(want), str(got))

    def page(request, name, ctx, status=200):
        user, _ = ctx.get("user"), None
        ctx = dict(ctx, request=request, csrf=_csrf(request), lang=server.language(), user=user)
        return templates.TemplateResponse(request, name, ctx, status_code=status)

    def json_error(key_or_text, status, **kw):
        text = i18n.t(key_or_text, server.language(), **kw) if i18n.has(key_or_text) else key_or_text
        return JSONResponse({"error": text}, status_code=status)

    async def need_page_user(request):
        user, via = await run_in_threadpool(_user, request)
        if user is None:
            return None, RedirectResponse("/login", status_code=303)
        return user, None

    # -- pages -----------------------------------------------------------------------------

    async def login_form(request: Request):
        return page(request, "login.html", {"error": None})

    async def login(request: Request):
        form = await request.form()
        if not _csrf_ok(request, form):
            return page(request, "login.html", {"error": i18n.t("web.csrf", server.language())}, 403)
        name, password = str(form.get("user", "")).strip(), str(form.get("password", ""))
        key = f"{request.client.host if request.client else '?'}|{name}"
        wait = server.throttled(key)
        if wait:
            return page(request, "login.html", {"error": i18n.t("web.too_many", server.language(), seconds=wait)}, 429)
        user = await run_in_threadpool(lambda: server.engine().login(name, password))
        if user is None:
            server.failed(key)
            return page(request, "login.html", {"error": i18n.t("web.bad_login", server.language())}, 401)
        server.succeeded(key)
        request.session.clear()
        request.session["user"] = user["name"]
        request.session["stamp"] = user["session"]
        request.session["csrf"] = secrets.token_urlsafe(32)  # a new token for the new session
        return RedirectResponse("/", status_code=303)

    async def logout(request: Request):
        form = await request.form()
        if _csrf_ok(request, form):
            request.session.clear()
        return RedirectResponse("/login", status_code=303)

    async def board(request: Request):
        user, redirect = await need_page_user(request)
        if redirect:
            return redirect
        ctx = await run_in_threadpool(lambda: view.board(server.engine(), server.cache, server.language()))
        return page(request, "board.html", dict(ctx, user=user))

    async def board_part(request: Request):
        user, redirect = await need_page_user(request)
        if redirect:
            return Response(status_code=401)
        ctx = await run_in_threadpool(lambda: view.board(server.engine(), server.cache, server.language()))
        return page(request, "_board.html", dict(ctx, user=user))

    async def incident_page(request: Request):
        user, redirect = await need_page_user(request)
        if redirect:
            return redirect
        return await _incident_page(request, user)

    async def _incident_page(request, user, error=None, status=200, done=None):
        incident = request.path_params["incident"]
        try:
            ctx = await run_in_threadpool(lambda: view.incident(server.engine(), incident, server.language()))
        except Exception as e:
            if view.known(e):
                return page(request, "error.html", {"error": say(e), "user": user}, 404)
            raise
        name = "_incident.html" if request.query_params.get("part") else "incident.html"
        ctx.update(user=user, error=error, done=done, can_write=user["role"] in WRITE_ROLES)
        return page(request, name, ctx, status)

    async def console(request: Request):
        user, redirect = await need_page_user(request)
        if redirect:
            return Response(i18n.t("web.unauthorized", server.language()), status_code=401)
        form = await request.form()
        if not _csrf_ok(request, form):
            return await _incident_page(request, user, error=i18n.t("web.csrf", server.language()), status=403)
        if user["role"] not in WRITE_ROLES:
            return await _incident_page(request, user, error=i18n.t("web.forbidden", server.language()), status=403)
        command = request.path_params["command"]
        try:
            args = view.form_args(command, form)
            at, args = args.pop("at", None), _check(command, args)
        except BadRequest as e:
            return await _incident_page(request, user, error=str(e), status=400)
        try:
            await run_in_threadpool(_run, request.path_params["incident"], command, args, at, user)
        except Exception as e:
            if view.known(e):
                return await _incident_page(request, user, error=say(e), status=422)
            raise
        return RedirectResponse(f"/incidents/{request.path_params['incident']}?ok={command}", status_code=303)

    def _run(incident, command, args, at, user):
        eng = server.engine()
        args = {k: v for k, v in args.items() if v not in (None, "")}
        if command in ("done", "checkin", "ack", "decide", "note", "waive", "reopen"):
            args.setdefault("by", user["name"])
        state = eng.command(incident, command, args, at=at or None, actor=user["name"])
        server.changed()
        return state

    def _check(command, args):
        spec = COMMANDS.get(command)
        if spec is None:
            raise BadRequest(i18n.t("web.bad_request", server.language(), why=f"unknown command {command!r}"))
        unknown = sorted(set(args) - set(spec))
        if unknown:
            raise BadRequest(i18n.t("web.bad_request", server.language(), why=f"unknown argument(s) {unknown}"))
        for k, v in args.items():
            want = spec[k]
            if v is not None and not (isinstance(v, want) and not (want is int and isinstance(v, bool))):
                raise BadRequest(i18n.t("web.bad_request", server.language(), why=f"{k} must be {want.__name__}"))
        for k in REQUIRED.get(command, ()):
            if args.get(k) in (None, "", {}):
                raise BadRequest(i18n.t("web.bad_request", server.language(), why=f"{k} is required"))
        if command == "set":
            args["facts"] = {
                str(k): (v if isinstance(v, (str, int, float, bool)) else str(v)) for k, v in args["facts"].items()
            }
        return args

    # -- server-sent events ---------------------------------------------------------------

    async def events(request: Request):
        user, _ = await run_in_threadpool(_user, request)
        if user is None:
            return Response(status_code=401)

        async def stream():
            seen = server.version
            yield f"event: hello\ndata: {seen}\n\n"
            while True:
                if await request.is_disconnected():
                    return
                changed = await server.wait_change(HEARTBEAT_SECONDS)
                if changed or server.version != seen:
                    seen = server.version
                    yield f"event: changed\ndata: {seen}\n\n"
                else:
                    yield f"event: ping\ndata: {seen}\n\n"

        headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)

    # -- JSON API --------------------------------------------------------------------------------

    async def api_user(request):
        user, via = await run_in_threadpool(_user, request)
        if user is None:
            return None, json_error("web.unauthorized", 401)
        return (user, via), None

    async def api_list(request: Request):
        who, err = await api_user(request)
        if err:
            return err
        drills = request.query_params.get("drills") in ("1", "true")
        body = await run_in_threadpool(lambda: view.status_list_json(server.engine(), drills))
        return Response(body, media_type="application/json")

    async def api_one(request: Request):
        who, err = await api_user(request)
        if err:
            return err
        try:
            data = await run_in_threadpool(lambda: view.status_one(server.engine(), request.path_params["incident"]))
        except Exception as e:
            if view.known(e):
                return JSONResponse({"error": say(e)}, status_code=404)
            raise
        return JSONResponse(data)

    async def api_command(request: Request):
        who, err = await api_user(request)
        if err:
            return err
        user, via = who
        if via == "session":  # a browser's session cookie: the request must carry the page's token
            if not _csrf_ok(request):
                return json_error("web.csrf", 403)
        if user["role"] not in WRITE_ROLES:
            return json_error("web.forbidden", 403)
        try:
            body = await request.json()
        except Exception:
            return json_error("web.bad_request", 400, why="the body must be a JSON object")
        if not isinstance(body, dict):
            return json_error("web.bad_request", 400, why="the body must be a JSON object")
        command = request.path_params["command"]
        try:
            args = _check(command, dict(body))
        except BadRequest as e:
            return JSONResponse({"error": str(e)}, status_code=400 if command in COMMANDS else 404)
        at = args.pop("at", None)
        incident = request.path_params["incident"]
        try:
            state = await run_in_threadpool(_run, incident, command, args, at, user)
        except Exception as e:
            if view.known(e):
                status = 404 if view.missing_incident(e) else 422
                return JSONResponse({"error": say(e)}, status_code=status)
            raise
        return JSONResponse(await run_in_threadpool(lambda: view.status_of(server.engine(), state)))

    routes = [
        Route("/", board),
        Route("/board", board_part),
        Route("/login", login_form, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/events", events),
        Route("/incidents/{incident}", incident_page),
        Route("/incidents/{incident}/{command}", console, methods=["POST"]),
        Route("/api/incidents", api_list),
        Route("/api/incidents/{incident}", api_one),
        Route("/api/incidents/{incident}/{command}", api_command, methods=["POST"]),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(
            SessionMiddleware,
            secret_key=secret or secrets.token_urlsafe(32),  # sessions end when the server restarts
            session_cookie="planengine_session",
            same_site="strict",
            https_only=secure,
            max_age=12 * 3600,  # one duty shift
        ),
    ]

    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def lifespan(app):
        server.start(asyncio.get_running_loop())
        try:
            yield
        finally:
            server.stop()

    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.server = server
    return app


def run(db, plans=None, config=None, host="127.0.0.1", port=8080, secure=False, poll=0.25):
    import uvicorn

    app = create_app(db, plans, config, secure=secure, poll=poll)
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=1)


__all__ = ["create_app", "run"]
