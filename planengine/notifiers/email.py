"""email: SMTP, with STARTTLS and login when configured; UTF-8 subject and body.

Recipients are the addresses of the role's people (the plan's roles, and the
site configuration's ``people:``). A role with no address is a failure that
retrying cannot mend, so it is reported at once.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr

from planengine.notifiers.base import DEFAULT_TIMEOUT, EMAIL, ChannelConfigError, DeliveryError, check_timeout


def email(host, sender, port=25, starttls=False, tls=False, user=None, password=None, timeout=DEFAULT_TIMEOUT):
    """SMTP mail (STARTTLS and login when configured), UTF-8."""
    if not isinstance(host, str) or not host.strip() or any(c in host for c in "/ @"):
        raise ChannelConfigError("host", "is not a host name")
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        raise ChannelConfigError("port", "must be a port number (1-65535)")
    if not isinstance(sender, str) or not EMAIL.match(sender):
        raise ChannelConfigError("sender", "is not an email address")
    if (user is None) != (password is None):
        raise ChannelConfigError("user" if user is None else "password", "user and password go together")
    timeout = check_timeout(timeout)

    def send(message):
        to = [p for p in message.get("to") or () if p.get("email")]
        if not to:
            names = ", ".join(p["name"] for p in message.get("to") or ()) or message["role"]
            raise DeliveryError(f"no email address for {names} (add it under people: in planengine.yaml)", True)
        mail = EmailMessage()
        mail["Subject"] = message["subject"]
        mail["From"] = sender
        mail["To"] = ", ".join(formataddr((p["name"], p["email"])) for p in to)
        mail["X-Planengine-Key"] = message["key"]
        mail.set_content(message["message"], charset="utf-8")
        try:
            cls = smtplib.SMTP_SSL if tls else smtplib.SMTP
            with cls(host, port, timeout=timeout) as smtp:
                if starttls and not tls:
                    smtp.starttls(context=ssl.create_default_context())
                if user is not None:
                    smtp.login(user, password)
                smtp.send_message(mail)
        except smtplib.SMTPAuthenticationError as e:
            raise DeliveryError(f"SMTP login refused ({e.smtp_code})") from None
        except smtplib.SMTPRecipientsRefused as e:
            raise DeliveryError(f"SMTP refused {', '.join(e.recipients)}") from None
        except smtplib.SMTPResponseException as e:
            raise DeliveryError(f"SMTP {e.smtp_code}") from None
        except (smtplib.SMTPException, OSError) as e:
            if isinstance(e, TimeoutError) or "timed out" in str(e):
                raise DeliveryError(f"no answer within {timeout:g}s") from None
            raise DeliveryError(f"SMTP: {getattr(e, 'strerror', None) or type(e).__name__}") from None

    return send
