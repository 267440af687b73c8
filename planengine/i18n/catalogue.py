"""Every interface message in zh and en (tests/test_i18n.py checks both exist and take the same fields).

Keys group by where the text shows: ``refused.*`` (the core's refusals: the
``en`` text is the exact template the core raises), ``board.*`` (the text
board), ``web.*`` (the browser pages), ``help.*`` (command help),
``status.*`` and ``value.*`` (values as people read them).
"""

from __future__ import annotations


def _m(en: str, zh: str) -> dict:
    return {"en": en, "zh": zh}


MESSAGES: dict = {
    # -- refusals raised by the core (en = the template in core/) --------------------
    "refused.unknown_command": _m("unknown command '{name}'", "未知命令 '{name}'"),
    "refused.not_started": _m("incident {incident} has not been started", "事件 {incident} 尚未启动"),
    "refused.closed": _m(
        "incident {incident} is closed (`plan reopen INC --by NAME --reason TEXT` reopens it)",
        "事件 {incident} 已关闭（可用 `plan reopen 事件 --by 姓名 --reason 理由` 重新打开）",
    ),
    "refused.before_open": _m(
        "{at} is before incident {incident} opened ({opened})", "{at} 早于事件 {incident} 的启动时间（{opened}）"
    ),
    "refused.is_decision": _m(
        "step '{step}' is a decision: answer it with `plan decide` ({answers})",
        "步骤 '{step}' 是决策步骤：请用 `plan decide` 作答（{answers}）",
    ),
    "refused.not_decision": _m("step '{step}' is not a decision step", "步骤 '{step}' 不是决策步骤"),
    "refused.bad_answer": _m(
        "step '{step}': answer must be one of {answers}", "步骤 '{step}'：答案须为 {answers} 之一"
    ),
    "refused.check_fails": _m(
        "step '{step}' cannot be done: check '{check}' does not pass{why}",
        "步骤 '{step}' 不能完成：检查 '{check}' 未通过{why}",
    ),
    "refused.unknown_role": _m("unknown role '{role}'{hint}", "未知角色 '{role}'{hint}"),
    "refused.not_activated": _m(
        "step '{step}' has not been activated in {incident}", "步骤 '{step}' 在事件 {incident} 中尚未启动"
    ),
    "refused.event_nothing": _m(
        "event '{name}' does nothing in phase '{phase}'{hint}", "事件 '{name}' 在阶段 '{phase}' 不起作用{hint}"
    ),
    "refused.event_condition": _m(
        "event '{name}': the transition's condition does not hold now", "事件 '{name}'：转换条件当前不成立"
    ),
    "refused.close_missing": _m(
        "cannot close: required facts not recorded: {facts} (use `plan set`)",
        "不能关闭：必填事实尚未记录：{facts}（用 `plan set` 记录）",
    ),
    "refused.unknown_step": _m("unknown step '{step}'{hint}", "未知步骤 '{step}'{hint}"),
    "refused.not_active": _m("step '{step}' is not active: {why}", "步骤 '{step}' 尚未启动：{why}"),
    "refused.before_last": _m(
        "{at} is before the last event of incident {incident} ({last}): the log keeps time order;"
        " record it at {last} or later and say when it happened (--note / plan note)",
        "{at} 早于事件 {incident} 的最后一条记录（{last}）：日志按时间顺序记录；"
        "请以 {last} 或之后的时间记录，并在备注中说明实际发生时间（--note / plan note）",
    ),
    "refused.close_required": _m(
        "cannot close: required step(s) pending: {steps}"
        " (do them, or release each with `plan waive INC STEP --by NAME --reason TEXT`)",
        "不能关闭：必办步骤尚未完成：{steps}（请完成，或用 `plan waive 事件 步骤 --by 姓名 --reason 理由` 逐项豁免）",
    ),
    "refused.already": _m("step '{step}' is already {status}", "步骤 '{step}' 已经{status}"),
    "refused.before_active": _m(
        "step '{step}' became active at {activated}: it cannot be done at {at}",
        "步骤 '{step}' 于 {activated} 启动：不能在 {at} 完成",
    ),
    "refused.no_step_number": _m(
        "no step {n} on the board of {incident} (steps 1-{count})",
        "事件 {incident} 的清单上没有第 {n} 项（共 1-{count} 项）",
    ),
    "refused.ambiguous_step": _m(
        "'{ref}' could be any of {steps}: type more of it", "'{ref}' 可能是以下任一步骤：{steps}，请多输入几个字"
    ),
    "refused.ambiguous_role": _m(
        "'{ref}' could be any of {roles}: type more of it", "'{ref}' 可能是以下任一角色：{roles}，请多输入几个字"
    ),
    "refused.no_incident": _m("no incident '{incident}' in {db}", "数据库 {db} 中没有事件 '{incident}'"),
    "refused.no_database": _m(
        "no database at {db} (start an incident first, or pass --db)",
        "{db} 处没有数据库（请先启动事件，或用 --db 指定）",
    ),
    "refused.no_current": _m(
        "which incident? give its id, or set one with `plan use INC`",
        "哪个事件？请给出事件编号，或先用 `plan use 事件编号` 设定当前事件",
    ),
    "refused.bad_user": _m(
        "bad user name {name!r}: up to {max} characters, no spaces", "用户名 {name!r} 无效：最多 {max} 个字符，不含空格"
    ),
    "refused.bad_role": _m("unknown role {role!r}: one of {roles}", "未知账号角色 {role!r}：可选 {roles}"),
    "refused.no_password": _m("a password is needed", "需要设置密码"),
    "refused.no_user": _m("no user {name!r} (plan user add)", "没有用户 {name!r}（用 plan user add 添加）"),
    # -- the text board (cli/board.py) ----------------------------------------------------
    "board.phase": _m("phase", "阶段"),
    "board.level": _m("level", "级别"),
    "board.opened": _m("opened", "启动"),
    "board.closed": _m("CLOSED", "已关闭"),
    "board.drill": _m("DRILL", "演练"),
    "board.facts": _m("facts", "事实"),
    "board.settings": _m("local settings", "本地设定"),
    "board.site": _m("planengine.yaml", "本中心设定"),
    "board.missing": _m(
        "missing required facts: {facts}  (plan set INC fact=value)", "缺少必填事实：{facts}（plan set 事件 事实=值）"
    ),
    "board.due": _m("due {time}", "时限 {time}"),
    "board.done": _m("done {time}", "完成 {time}"),
    "board.by": _m("by {name}", "由 {name}"),
    "board.late": _m("({ago} late)", "（超时 {ago}）"),
    "board.overdue": _m("OVERDUE {ago}", "逾期 {ago}"),
    "board.waived": _m("waived {time}", "豁免 {time}"),
    "board.waits_for": _m("clock starts when {step} is done", "待 {step} 完成后起算"),
    "board.round": _m("round {n}", "第 {n} 轮"),
    "board.required": _m("REQUIRED", "必办"),
    "board.skipped_line": _m(
        "skipped (not done when the phase was left or the incident closed): {steps}",
        "已跳过（离开阶段或关闭事件时未完成）：{steps}",
    ),
    "board.checked_in": _m("{count}/{strength} checked in", "已到 {count}/{strength}"),
    "board.legend": _m(
        "  [ ] pending  [x] done  [!] done late  [O] overdue  [-] skipped (phase left)  [~] waived"
        "  (steps by number: plan done INC 3)",
        "  [ ] 待办  [x] 完成  [!] 超时完成  [O] 逾期  [-] 跳过（已离开阶段）  [~] 豁免"
        "  （可用编号：plan done 事件 3）",
    ),
    "board.none_open": _m("no open incidents", "没有进行中的事件"),
    "board.hidden_drills": _m(
        "({count} open drill(s): plan status --drills)", "（{count} 个进行中的演练：plan status --drills）"
    ),
    "board.using": _m("current incident: {incident}", "当前事件：{incident}"),
    "board.user_added": _m("user {name} ({role}) saved", "已保存用户 {name}（{role}）"),
    "board.serving": _m(
        "serving the wall board on http://{host}:{port}/ (Ctrl-C stops)",
        "指挥大屏已在 http://{host}:{port}/ 提供服务（Ctrl-C 停止）",
    ),
    # -- values -----------------------------------------------------------------------------
    "value.yes": _m("yes", "是"),
    "value.no": _m("no", "否"),
    "status.pending": _m("pending", "待办"),
    "status.done": _m("done", "完成"),
    "status.late": _m("done late", "超时完成"),
    "status.overdue": _m("overdue", "逾期"),
    "status.skipped": _m("skipped", "跳过"),
    "status.waived": _m("waived", "豁免"),
    "kind.live": _m("live", "实战"),
    "kind.drill": _m("drill", "演练"),
    "kind.routine": _m("routine", "日常"),
    # -- the browser pages ---------------------------------------------------------------------
    "web.title": _m("Command centre board", "应急指挥大屏"),
    "web.board": _m("Board", "大屏"),
    "web.open_incidents": _m("{count} open incident(s)", "进行中事件 {count} 起"),
    "web.no_incidents": _m("No open incidents", "当前没有进行中的事件"),
    "web.updated": _m("updated {time}", "更新于 {time}"),
    "web.stale": _m(
        "Connection lost: the data on this screen may be out of date; last heard from the server at",
        "连接中断：本屏数据可能已过期，最后一次收到服务器消息：",
    ),
    "web.drill_mark": _m("DRILL", "演练"),
    "web.phase": _m("Phase", "阶段"),
    "web.level": _m("Level", "级别"),
    "web.opened": _m("Opened", "启动时间"),
    "web.elapsed": _m("elapsed", "已历时"),
    "web.left": _m("left", "剩余"),
    "web.over": _m("overdue", "逾期"),
    "web.no_deadline": _m("no deadline", "无时限"),
    "web.muster": _m("Muster", "集结"),
    "web.call": _m("Who to call", "联系人"),
    "web.failures": _m("Notifications not delivered: {count}", "通知未送达：{count} 条"),
    "web.recent": _m("Recent events", "最新动态"),
    "web.facts": _m("Facts", "事实"),
    "web.steps": _m("Steps", "步骤"),
    "web.step": _m("Step", "步骤"),
    "web.role": _m("Role", "责任方"),
    "web.due": _m("Due", "时限"),
    "web.status": _m("Status", "状态"),
    "web.done_at": _m("Done", "完成"),
    "web.more_steps": _m("… {count} more", "……另有 {count} 项"),
    "web.missing": _m("Missing required facts: {facts}", "缺少必填事实：{facts}"),
    "web.console": _m("Console", "操作台"),
    "web.log": _m("Log", "事件日志"),
    "web.login": _m("Log in", "登录"),
    "web.logout": _m("Log out", "退出"),
    "web.user": _m("User name", "用户名"),
    "web.password": _m("Password", "密码"),
    "web.bad_login": _m("Wrong user name or password", "用户名或密码错误"),
    "web.too_many": _m("Too many attempts: wait {seconds} s", "尝试次数过多：请 {seconds} 秒后再试"),
    "web.viewer_only": _m("You may only read (viewer account)", "只读账号：只能查看"),
    "web.signed_in": _m("Signed in as {name} ({role})", "当前用户 {name}（{role}）"),
    "web.cmd.done": _m("Mark done", "标记完成"),
    "web.cmd.checkin": _m("Check in", "到位签到"),
    "web.cmd.set": _m("Record facts", "记录事实"),
    "web.cmd.event": _m("Fire event", "触发事件"),
    "web.cmd.note": _m("Note", "记录备注"),
    "web.cmd.ack": _m("Acknowledge", "确认收到"),
    "web.cmd.decide": _m("Decide", "决策"),
    "web.cmd.close": _m("Close incident", "关闭事件"),
    "web.cmd.waive": _m("Waive step", "豁免步骤"),
    "web.cmd.reopen": _m("Reopen", "重新打开"),
    "web.f.step": _m("Step (id, number or title)", "步骤（编号、序号或标题开头）"),
    "web.f.role": _m("Team (role)", "队伍（角色）"),
    "web.f.count": _m("Head count", "人数"),
    "web.f.facts": _m("Facts (key=value, one per line)", "事实（键=值，每行一个）"),
    "web.f.name": _m("Event", "事件名"),
    "web.f.text": _m("Text", "内容"),
    "web.f.answer": _m("Answer", "答案"),
    "web.f.outcome": _m("Outcome", "处置结果"),
    "web.f.reason": _m("Reason", "理由"),
    "web.f.note": _m("Remark", "备注"),
    "web.f.by": _m("By (who did it)", "执行人"),
    "web.f.at": _m("When (21:04, -6m or ISO; empty = now)", "时间（21:04、-6m 或完整时间；留空为现在）"),
    "web.saved": _m("Recorded", "已记录"),
    "web.forbidden": _m("forbidden: this account may only read", "禁止：此账号只能查看"),
    "web.unauthorized": _m(
        "log in first (or send Authorization: Bearer TOKEN)", "请先登录（或发送 Authorization: Bearer 令牌）"
    ),
    "web.csrf": _m(
        "the form is stale or forged (no valid CSRF token): reload the page",
        "表单已过期或来源不明（CSRF 令牌无效）：请刷新页面",
    ),
    "web.bad_request": _m("bad request: {why}", "请求无效：{why}"),
    "web.not_found": _m("not found", "未找到"),
    "web.back": _m("Back to the board", "返回大屏"),
    "web.events_here": _m("events here: {names}", "本阶段可触发：{names}"),
    "web.answers": _m("answers: {answers}", "可选答案：{answers}"),
    "web.done_count": _m("{done}/{total} steps done", "已完成 {done}/{total} 项"),
    "web.overdue_total": _m("{count} overdue", "逾期 {count} 项"),
    "web.call_label": _m("Call", "联系"),
    "web.as_text": _m("shown as text", "按文本显示"),
    "ev.started": _m("started", "启动"),
    "ev.fact_set": _m("facts", "记录事实"),
    "ev.level_changed": _m("level", "级别变更"),
    "ev.phase_entered": _m("phase", "进入阶段"),
    "ev.step_activated": _m("step active", "步骤启动"),
    "ev.step_done": _m("done", "完成"),
    "ev.step_skipped": _m("skipped", "跳过"),
    "ev.step_waived": _m("waived", "豁免"),
    "ev.step_reopened": _m("reopened", "撤销完成"),
    "ev.checkin": _m("check-in", "到位"),
    "ev.step_overdue": _m("OVERDUE", "逾期"),
    "ev.reminder": _m("reminder", "提醒"),
    "ev.ack": _m("acknowledged", "确认收到"),
    "ev.decision": _m("decision", "决策"),
    "ev.notify_queued": _m("notification queued", "通知待发"),
    "ev.notify_delivered": _m("notification delivered", "通知已送达"),
    "ev.notify_failed": _m("notification FAILED", "通知失败"),
    "ev.note": _m("note", "备注"),
    "ev.event": _m("event", "事件"),
    "ev.closed": _m("closed", "关闭"),
    "ev.reopened": _m("reopened", "重新打开"),
    # -- command help ---------------------------------------------------------------------------
    "help.cli": _m("Run emergency plans and drills as YAML state machines.", "以 YAML 状态机运行应急预案与演练。"),
    "help.start": _m(
        "Open an incident of PLAN; prints its id and first steps.", "启动预案 PLAN 的一起事件；显示事件编号和首批步骤。"
    ),
    "help.done": _m("Mark STEP of INCIDENT done.", "标记事件的步骤 STEP 已完成（STEP 可为编号、清单序号或标题开头）。"),
    "help.checkin": _m(
        "A team (ROLE) reports mustered or arrived, with head count.", "队伍（ROLE）报告集结或到达，可附人数。"
    ),
    "help.ack": _m("A person confirms an order (STEP) was received.", "确认收到指令（STEP）。"),
    "help.decide": _m("Answer decision STEP with ANSWER.", "以 ANSWER 回答决策步骤 STEP。"),
    "help.set": _m("Record facts (re-evaluates level and conditions).", "记录事实（重新评估级别与条件）。"),
    "help.event": _m("Fire the plan event NAME.", "触发预案事件 NAME。"),
    "help.note": _m("Add a free-text entry to the log.", "在日志中记录一条备注。"),
    "help.close": _m("Close INCIDENT.", "关闭事件。"),
    "help.status": _m(
        "Open incidents, or one INCIDENT in full. With --json and no INCIDENT: a JSON list, one incident a line.",
        "进行中的事件，或一起事件的详情。不指定事件加 --json：JSON 列表，每起事件一行。",
    ),
    "help.tick": _m(
        "Fire every due timer once, then deliver queued notifications.", "触发所有到期计时器，并发送待发通知。"
    ),
    "help.watch": _m("Tick continuously and redraw a board of open incidents.", "持续计时并刷新进行中事件的看板。"),
    "help.waive": _m(
        "Release STEP (a required duty) that will not be done, on the record.",
        "豁免不再办理的必办步骤 STEP（记录在案）。",
    ),
    "help.reopen": _m(
        "Undo a mistaken `done` of STEP (pending again, same deadline), or a close (back to its phase).",
        "撤销误标的步骤完成（恢复待办，时限不变），或撤销关闭（回到关闭前的阶段）。",
    ),
    "help.use": _m(
        "Make INCIDENT the current one, so later commands may omit it.", "设定当前事件，之后的命令可省略事件编号。"
    ),
    "help.serve": _m("Serve the duty console and wall board in a browser.", "在浏览器中提供值班操作台和指挥大屏。"),
    "help.user": _m("Accounts for `plan serve`.", "`plan serve` 的账号管理。"),
    "help.opt.at": _m(
        "When it happened: 21:04 (today), -6m (six minutes ago) or ISO 8601 (plan timezone if no offset).",
        "发生时间：21:04（今天）、-6m（六分钟前）或 ISO 8601（无时区时按预案时区）。",
    ),
    "help.opt.by": _m("Who did it.", "执行人。"),
    "help.opt.lang": _m("Interface language: zh or en.", "界面语言：zh 或 en。"),
}
