"""command: run a program per recipient (an SMS gateway's CLI), the message on stdin; never a shell.

``argv`` items may hold ``{phone}``, ``{name}``, ``{role}`` and ``{incident}``;
with ``{phone}`` or ``{name}`` the program runs once per person of the role
(people without a phone are reported), otherwise once. Exit status 0 is
delivered.
"""

from __future__ import annotations

import os
import subprocess

from planengine.notifiers.base import DEFAULT_TIMEOUT, ChannelConfigError, DeliveryError, check_timeout

PLACEHOLDERS = ("{phone}", "{name}", "{role}", "{incident}")


def fill(argv, values: dict) -> list:
    """Placeholders by plain replacement: a person's name can never reach anything but its own argument."""
    out = []
    for arg in argv:
        for ph in PLACEHOLDERS:
            arg = arg.replace(ph, values.get(ph[1:-1], ""))
        out.append(arg)
    return out


def command(argv, timeout=DEFAULT_TIMEOUT):
    """Run a program (argv with {phone} {name} {role} {incident}), the message on stdin; exit 0 is delivered."""
    if isinstance(argv, str) or not isinstance(argv, list) or not argv or not all(isinstance(a, str) for a in argv):
        raise ChannelConfigError("argv", "must be a list of strings: [program, arg, ...] (no shell)")
    program = argv[0]
    if os.sep in program and not os.access(program, os.X_OK):
        raise ChannelConfigError("argv", "names a program that is not an executable file")
    timeout = check_timeout(timeout)
    per_person = any("{phone}" in a or "{name}" in a for a in argv)
    needs_phone = any("{phone}" in a for a in argv)

    def run(values, text):
        try:
            done = subprocess.run(fill(argv, values), input=text, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise DeliveryError(f"{os.path.basename(program)}: no exit within {timeout:g}s") from None
        except OSError as e:
            raise DeliveryError(f"{os.path.basename(program)}: {e.strerror}") from None
        if done.returncode != 0:
            why = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise DeliveryError(
                f"{os.path.basename(program)} exited {done.returncode}" + (f": {why[-1][:200]}" if why else "")
            )

    def send(message):
        text = message["message"].encode("utf-8")
        base = {"role": message["role"], "incident": message["incident"]}
        if not per_person:
            run(base, text)
            return
        people = list(message.get("to") or ())
        missing = [p["name"] for p in people if needs_phone and not p.get("phone")]
        targets = [p for p in people if not (needs_phone and not p.get("phone"))]
        if not targets:
            raise DeliveryError(f"nobody to call: no phone number for {', '.join(missing) or message['role']}", True)
        for p in targets:
            run(dict(base, phone=p.get("phone") or "", name=p["name"], role=p.get("role") or base["role"]), text)
        if missing:
            raise DeliveryError(f"sent to the others; no phone number for {', '.join(missing)}", True)

    return send
