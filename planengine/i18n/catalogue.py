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
    "refused.event_data_edited": _m(
        "{incident}: event {seq}: its data is not JSON; `plan verify {incident}` lists what is wrong with the record",
        "{incident}：事件记录 {seq} 的数据不是 JSON；`plan verify {incident}` 列出记录中的问题",
    ),
    "refused.event_seq_edited": _m(
        "{incident}: event {seq}: its seq is not an event number; `plan verify {incident}` lists what is wrong"
        " with the record",
        "{incident}：事件记录 {seq} 的序号不是数字；`plan verify {incident}` 列出记录中的问题",
    ),
    "refused.event_unfoldable": _m(
        "{incident}: event {seq}: its data cannot be folded ({error}); `plan verify {incident}` lists what is"
        " wrong with the record",
        "{incident}：事件记录 {seq} 的数据无法折叠（{error}）；`plan verify {incident}` 列出记录中的问题",
    ),
    "refused.log_unreadable": _m(
        "{incident}: the log folds to a state that cannot be read ({error}); `plan verify {incident}` lists what"
        " is wrong with the record",
        "{incident}：事件日志折叠出的状态无法读取（{error}）；`plan verify {incident}` 列出记录中的问题",
    ),
    "refused.event_time_edited": _m(
        "{incident}: event {seq}: its time {at} is not a time; `plan verify {incident}` lists what is wrong"
        " with the record",
        "{incident}：事件记录 {seq} 的时间 {at} 不是有效时间；`plan verify {incident}` 列出记录中的问题",
    ),
    "refused.extract_edited": _m(
        "{incident}: the recorded commands cannot be re-enacted ({what}); `plan verify {incident}` lists"
        " what is wrong with the record",
        "{incident}：所记录的命令无法重演（{what}）；`plan verify {incident}` 列出记录中的问题",
    ),
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
    # the rest of the commands, their subcommands (help.GROUP.SUB) and options (help.opt.[COMMAND.]NAME)
    "help.opt.ack.by": _m("Who confirms.", "确认人。"),
    "help.opt.assign.by": _m("Who assigns it.", "指定人。"),
    "help.opt.decide.by": _m("Who decided.", "决策人。"),
    "help.opt.reopen.by": _m("Who reopens.", "撤销人。"),
    "help.opt.roster.swap.by": _m("Who records the swap.", "登记调班的人。"),
    "help.opt.transfer.by": _m("Who hands it up.", "移送人。"),
    "help.opt.waive.by": _m("Who releases the step.", "豁免决定人。"),
    "help.opt.assign.at": _m(
        "When it happened (ISO 8601; site timezone if no offset).", "发生时间（ISO 8601；无时区时按本地时区）。"
    ),
    "help.opt.roster.swap.at": _m(
        "When it happened (ISO 8601; site timezone if no offset).", "发生时间（ISO 8601；无时区时按本地时区）。"
    ),
    "help.opt.transfer.at": _m(
        "When it happened (ISO 8601; site timezone if no offset).", "发生时间（ISO 8601；无时区时按本地时区）。"
    ),
    "help.opt.report.at": _m(
        "Report as of this time (default: closing time or last event).",
        "报告截至此时（默认：关闭时间或最后一条记录的时间）。",
    ),
    "help.opt.report.lang": _m("Report language (default: the plan's).", "报告语言（默认：预案的语言）。"),
    "help.opt.show.lang": _m("html/pdf language (default: the plan's).", "html/pdf 的语言（默认：预案的语言）。"),
    "help.assign": _m(
        "Give INCIDENT its owner (包案): one named person answers for the case.",
        "为事件 INCIDENT 指定包案人：由一名具体责任人对该案件负责到底。",
    ),
    "help.drill": _m(
        "Run scripted drills, score incidents, turn incidents into drills.",
        "运行演练脚本、为事件评分、将事件转为演练脚本。",
    ),
    "help.drill.extract": _m(
        "Turn a recorded INCIDENT into a drill script that re-enacts it.",
        "将已记录的事件 INCIDENT 转为可重演的演练脚本。",
    ),
    "help.drill.run": _m(
        "Run the drill SCRIPT (instant by default) and print its score.",
        "运行演练脚本 SCRIPT（默认即时完成）并显示评分。",
    ),
    "help.drill.score": _m(
        "Score a drill (or any incident): steps, musters, HSEEP ratings, findings.",
        "为演练（或任一事件）评分：步骤、集结、HSEEP 评级、发现的问题。",
    ),
    "help.graph": _m("Diagram of PLAN's phases and transitions.", "预案 PLAN 的阶段与转换图。"),
    "help.lint": _m(
        "Validate, then warn about unreachable phases, dead ends, unmeetable timers...",
        "先校验，再提示不可达的阶段、走不出的死路、无法满足的时限等问题。",
    ),
    "help.list": _m(
        "Plans on the plan path: id, version, title, source.", "预案路径上的预案：编号、版本、标题、来源。"
    ),
    "help.log": _m("The event log of INCIDENT.", "事件 INCIDENT 的日志。"),
    "help.plugins": _m(
        "Installed plugins with their checks, actions and notifiers.", "已安装的插件及其检查、动作和通知渠道。"
    ),
    "help.replay": _m(
        "Re-apply INCIDENT's commands to its plan version; exit 1 unless the log is reproduced exactly.",
        "按事件 INCIDENT 所用的预案版本重放其命令；日志未能逐条重现时退出码为 1。",
    ),
    "help.report": _m(
        "After-action report of INCIDENT (a drill: the drill evaluation report), or --all --since DATE.",
        "事件 INCIDENT 的处置总结报告（演练则为演练评估报告），或 --all --since 日期 的周期汇总。",
    ),
    "help.roster": _m(
        "Who is on duty (planengine.yaml `roster:`), and swaps.",
        "值班安排（planengine.yaml `roster:`）：谁在值班，以及调班。",
    ),
    "help.roster.show": _m(
        "Who holds each rostered role on DAY (default today, site timezone).",
        "DAY 当天（默认今天，按本地时区）各值班岗位的在岗人员。",
    ),
    "help.roster.swap": _m(
        "Put NAME on duty as ROLE for DAY (a date: that day's shift; or a time: the shift then).",
        "安排 NAME 在 DAY 担任 ROLE 值班（日期：当天的班次；时间：该时刻所在的班次）。",
    ),
    "help.schedule": _m(
        "Recurring duties from planengine.yaml `schedules:`.", "planengine.yaml `schedules:` 中的例行工作。"
    ),
    "help.schedule.list": _m(
        "Each schedule with its next occurrences (and the incident ids they will open).",
        "每项例行工作及其接下来的几次（以及届时生成的事件编号）。",
    ),
    "help.schema": _m(
        "JSON Schema for plan or drill files, for editors.", "预案或演练文件的 JSON Schema，供编辑器使用。"
    ),
    "help.show": _m(
        "A printable checklist of PLAN by phase: step, role, timer (people and phones in html/pdf).",
        "按阶段列出预案 PLAN 的检查单，可打印：步骤、岗位、时限（html/pdf 含人员与电话）。",
    ),
    "help.transfer": _m(
        "Hand INCIDENT up a level (移送): records the receiving centre and the facts.",
        "将事件 INCIDENT 移送上级：记录接收单位和相关事实。",
    ),
    "help.user.add": _m(
        "Create or update account NAME (password hashed with scrypt); asks for the password.",
        "创建或更新账号 NAME（密码以 scrypt 哈希保存）；会提示输入密码。",
    ),
    "help.user.list": _m("Accounts and their roles.", "账号及其角色。"),
    "help.user.token": _m(
        "Print a new API token for NAME (Authorization: Bearer TOKEN); the previous one stops working.",
        "为 NAME 生成新的 API 令牌（Authorization: Bearer TOKEN）；原令牌随即失效。",
    ),
    "help.validate": _m(
        "Check plan and drill files: file:line:col: error: ... per problem.",
        "检查预案和演练文件：每个问题一行 file:line:col: error: ……",
    ),
    "help.verify": _m(
        (
            "Check INCIDENT's record; exit 1 if anything was altered.\n\n"
            "Checks the hash chain (naming the first bad event), the recorded commands against "
            "the log (re-run on the stored plan, as replay does), the stored plan against the "
            "sha256 in its `started` event, and the incidents row, timers, snapshot and cached "
            "status text against the log; prints the head (SEQ:HASH) to keep "
            "outside the database, and with --head checks the log against one kept earlier."
        ),
        (
            "检查事件 INCIDENT 的记录；记录有任何改动时退出码为 1。\n\n"
            "检查哈希链（指出第一条有问题的记录）、记录的命令与日志是否相符（按存储的预案重新执行，"
            "与 replay 相同）、存储的预案与 `started` 记录中的 sha256 是否相符、"
            "事件行、定时器、快照和缓存的状态文本与日志是否相符；显示日志头（SEQ:HASH）供在数据库之外留存，"
            "加 --head 时核对日志是否仍包含先前留存的日志头。"
        ),
    ),
    "help.opt.db": _m("SQLite database file.", "SQLite 数据库文件。"),
    "help.opt.as_json": _m("Machine-readable output on stdout.", "在标准输出上输出机器可读的 JSON。"),
    "help.opt.plans_dir": _m("Directory of plans.", "预案目录。"),
    "help.opt.config_path": _m("Site configuration YAML.", "本地配置文件（YAML）。"),
    "help.opt.ui_lang": _m(
        "Interface language: zh or en (default: PLANENGINE_LANG, the site's lang:, then zh).",
        "界面语言：zh 或 en（默认依次取 PLANENGINE_LANG、本地配置的 lang:、zh）。",
    ),
    "help.opt.assign.to": _m("The person who answers for the case (包案人).", "对案件负责到底的人（包案人）。"),
    "help.opt.transfer.to": _m(
        "The receiving centre (e.g. 县矛盾纠纷调处化解中心).", "接收单位（如 县矛盾纠纷调处化解中心）。"
    ),
    "help.opt.checkin.count": _m("Head count arriving (ICS 211).", "到达人数（ICS 211）。"),
    "help.opt.schedule.list.count": _m("Occurrences to show per schedule.", "每项例行工作显示的次数。"),
    "help.opt.outcome": _m("How it ended.", "处置结果。"),
    "help.opt.note": _m("A remark recorded with the step.", "随步骤记录的说明。"),
    "help.opt.drill.extract.output": _m("Drill file to write ('-': stdout).", "写入的演练文件（'-'：标准输出）。"),
    "help.opt.report.output": _m(
        "Write to FILE (with --all: a directory).", "写入文件 FILE（与 --all 同用时为目录）。"
    ),
    "help.opt.show.output": _m("Write to FILE.", "写入文件 FILE。"),
    "help.opt.drill_id": _m("Drill id (default: from the incident id).", "演练编号（默认取自事件编号）。"),
    "help.opt.drill.extract.force": _m(
        "Replace an existing output file (never a database).", "替换已有的输出文件（从不替换数据库）。"
    ),
    "help.opt.report.force": _m("Replace an existing output file.", "替换已有的输出文件。"),
    "help.opt.show.force": _m("Replace an existing output file.", "替换已有的输出文件。"),
    "help.opt.speed": _m("Pace injects in real time, N x faster.", "按实时节奏推送情景，N 倍速。"),
    "help.opt.start": _m(
        "Shift the exercise to start at this time (ISO 8601, or 'now').",
        "将演练开始时间移至此时（ISO 8601，或 'now'）。",
    ),
    "help.opt.drill.run.incident_id": _m(
        "Incident id (default DRL-YYYYMMDD-NNNN).", "事件编号（默认 DRL-YYYYMMDD-NNNN）。"
    ),
    "help.opt.start.incident_id": _m(
        "Incident id (default INC-YYYYMMDD-NNNN).", "事件编号（默认 INC-YYYYMMDD-NNNN）。"
    ),
    "help.opt.strict": _m("Exit 1 when an inject is refused by the engine.", "有情景被引擎拒绝时退出码为 1。"),
    "help.opt.rule_plan": _m(
        "Use the `scoring:` rule of this plan (id or file) instead of the stored one.",
        "使用此预案（编号或文件）的 `scoring:` 评分规则，而非事件存储的规则。",
    ),
    "help.opt.graph.fmt": _m(
        "Mermaid (Markdown, GitHub, Gitea) or Graphviz DOT (`dot -Tsvg`).",
        "Mermaid（Markdown、GitHub、Gitea）或 Graphviz DOT（`dot -Tsvg`）。",
    ),
    "help.opt.report.fmt": _m("Output format.", "输出格式。"),
    "help.opt.show.fmt": _m(
        "text for the terminal; html or pdf to print for the wall and the duty desk.",
        "text 在终端查看；html 或 pdf 打印上墙、放在值班台。",
    ),
    "help.opt.reopen.reason": _m("Why (on the record).", "理由（记录在案）。"),
    "help.opt.transfer.reason": _m("Why the case goes up a level.", "移送上级的理由。"),
    "help.opt.waive.reason": _m("Why it will not be done (on the record).", "不再办理的理由（记录在案）。"),
    "help.opt.all_": _m(
        "Period summary (and one report per incident) for --since/--until.",
        "--since/--until 期间的周期汇总（以及每起事件一份报告）。",
    ),
    "help.opt.since": _m(
        "With --all: first day (YYYY-MM-DD, site timezone).", "与 --all 同用：起始日（YYYY-MM-DD，本地时区）。"
    ),
    "help.opt.until": _m(
        "With --all: last day, inclusive (default: today).", "与 --all 同用：截止日，含当日（默认今天）。"
    ),
    "help.opt.schedule.list.now": _m(
        "List from this time instead of now (ISO 8601).", "从此时（ISO 8601）而非当前时间起列出。"
    ),
    "help.opt.tick.now": _m("Pretend it is this time (ISO 8601).", "假定当前为此时（ISO 8601）。"),
    "help.opt.host": _m(
        "Address to bind (other desks: see docs/web.md).", "绑定的地址（其他席位访问见 docs/web.md）。"
    ),
    "help.opt.port": _m("TCP port to listen on.", "监听的 TCP 端口。"),
    "help.opt.secure_cookies": _m(
        "Send the session cookie only over HTTPS (behind a TLS proxy).",
        "仅通过 HTTPS 发送会话 Cookie（位于 TLS 代理之后时）。",
    ),
    "help.opt.poll": _m("Seconds between checks for changes.", "检查变化的间隔秒数。"),
    "help.opt.sets": _m("A fact (repeatable).", "一项事实（可重复）。"),
    "help.opt.show_all": _m("Include closed incidents and drills in the list.", "列表中包括已关闭的事件和演练。"),
    "help.opt.status.drills": _m(
        "Include open drills (e.g. a live-paced exercise) in the list.",
        "列表中包括进行中的演练（如按实时节奏进行的演练）。",
    ),
    "help.opt.watch.drills": _m(
        "Show open drills too (a live-paced exercise).", "同时显示进行中的演练（按实时节奏进行的演练）。"
    ),
    "help.opt.role": _m("What the account may do in the browser.", "该账号在浏览器中的权限。"),
    "help.opt.password_stdin": _m(
        "Read the password from standard input (first line).", "从标准输入读取密码（第一行）。"
    ),
    "help.opt.head": _m(
        "A head printed by an earlier verify (or a report) and kept outside the database: the log must still hold it.",
        "先前 verify（或报告）显示、在数据库之外留存的日志头：日志必须仍包含它。",
    ),
    "help.opt.interval": _m("Seconds between ticks.", "两次计时之间的秒数。"),
    "help.opt.once": _m(
        "Tick, deliver and draw once, then exit (for cron).", "计时、发送、绘制各一次后退出（供 cron 使用）。"
    ),
}
