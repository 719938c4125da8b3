#!/usr/bin/env python3
"""A loopback SMTP server for Hangar's tests, on aiosmtpd.

Every message it accepts is written to DIR as <n>.json (envelope, TLS and AUTH state, the
headers as received, the decoded subject and the decoded text and HTML parts) next to the
raw <n>.eml, so a test can read back exactly what arrived. Once listening it writes
DIR/.ready. Recipients whose local part starts with "reject" get 550, with "tempfail" 451.

  sink.py --port 2525 --dir /tmp/mail [--starttls] [--auth user:password] [--delay-ms 150]

--starttls offers STARTTLS with a self-signed certificate for 127.0.0.1 and localhost,
made with openssl on first use (DIR/cert.pem is the CA file to trust) and requires it
before MAIL. --auth requires AUTH PLAIN or LOGIN with those credentials (after STARTTLS
when both are given). --delay-ms answers MAIL, RCPT, the end of DATA and QUIT that much later,
like a slow server (a sender killed mid-session then dies in every phase of it).
"""
import argparse
import asyncio
import email
import json
import os
import signal
import ssl
import subprocess
import threading
import time
from email import policy

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Sink:
    def __init__(self, directory, delay=0.0):
        self.directory = directory
        self.delay = delay
        self.count = 0
        self.lock = threading.Lock()

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        await asyncio.sleep(self.delay)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 OK"

    async def handle_QUIT(self, server, session, envelope):
        await asyncio.sleep(self.delay)
        return "221 2.0.0 Bye"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        await asyncio.sleep(self.delay)
        local = address.split("@")[0].lower()
        if local.startswith("reject"):
            return "550 5.1.1 no such mailbox"
        if local.startswith("tempfail"):
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.delay)
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        message = email.message_from_bytes(raw, policy=policy.default)
        text = message.get_body(("plain",))
        html = message.get_body(("html",))
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": session.ssl is not None,
            "authenticated": bool(session.authenticated),
            "header_names": [name for name, _ in message.raw_items()],
            "headers": {name: str(value) for name, value in message.items()},
            "subject": str(message["subject"] or ""),
            "text": text.get_content() if text is not None else None,
            "html": html.get_content() if html is not None else None,
        }
        with self.lock:
            self.count += 1
            base = os.path.join(self.directory, "%d-%06d" % (os.getpid(), self.count))
        with open(base + ".eml", "wb") as handle:
            handle.write(raw)
        with open(base + ".tmp", "w", encoding="utf-8") as handle:
            json.dump(record, handle)
        os.rename(base + ".tmp", base + ".json")
        return "250 2.0.0 accepted"


def certificate(directory):
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    if not os.path.exists(cert):
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2",
             "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--starttls", action="store_true")
    parser.add_argument("--auth", help="user:password")
    parser.add_argument("--delay-ms", type=int, default=0)
    parser.add_argument("--detached", action="store_true", help="keep running when the parent ends (a long-running recipe)")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    ready = os.path.join(args.dir, ".ready")
    if os.path.exists(ready):
        os.remove(ready)

    options = {}
    if args.starttls:
        options.update(tls_context=certificate(args.dir), require_starttls=True)
    if args.auth:
        user, password = args.auth.split(":", 1)

        def authenticate(server, session, envelope, mechanism, data):
            ok = isinstance(data, LoginPassword) and data.login.decode() == user and data.password.decode() == password
            return AuthResult(success=ok, handled=False)  # handled=False: answer 535 on failure

        options.update(authenticator=authenticate, auth_required=True, auth_require_tls=args.starttls)

    controller = Controller(Sink(args.dir, args.delay_ms / 1000), hostname=args.host, port=args.port, **options)
    controller.start()
    with open(ready, "w") as handle:
        handle.write(str(os.getpid()))
    print("smtp sink on %s:%d, messages in %s" % (args.host, args.port, args.dir), flush=True)
    stop = threading.Event()
    # A parent may have blocked these (the mask is inherited): take them back.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    parent = os.getppid()
    while not stop.is_set() and (args.detached or os.getppid() == parent):  # also ends when its parent (a test run) dies
        stop.wait(1)
    controller.stop()


if __name__ == "__main__":
    main()
