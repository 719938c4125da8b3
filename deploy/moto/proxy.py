#!/usr/bin/env python3
"""A test double in front of moto, for the AWS provider's tests (standard library only).

    deploy/moto/proxy.py --port P --upstream http://127.0.0.1:M [--delay-ms 150] [--instance-refresh [--refresh-rollback]]
                         [--unreachable-instance i-…]… [--draining-checks N] [--gateway-errors N]

- Every request is forwarded to moto after `--delay-ms` milliseconds, so that a worker killed
  every few seconds is killed in the middle of its cloud calls, as it would be against AWS.
- With `--instance-refresh` it answers the Auto Scaling instance refresh calls that moto 5.2.1
  does not implement (StartInstanceRefresh, DescribeInstanceRefreshes, CancelInstanceRefresh)
  with AWS's documented shapes and rules: one refresh at a time per group (a second start is
  refused with `InstanceRefreshInProgress`); a refresh is `Pending`, then `InProgress`, then
  `Successful` after `--refresh-checks` describe calls. It keeps the refresh's bookkeeping
  only: it does not replace the group's instances (moto's rolling path does that for real).
  It keeps each refresh's `Preferences.*` parameters (AutoRollback, AlarmSpecification,
  CheckpointPercentages…) for the tests to read. With `--refresh-rollback`, a refresh started
  with `AutoRollback` goes `RollbackInProgress` (its reason: the instances failed their health
  checks) instead of `Successful`, then `RollbackSuccessful`, as AWS reports a refresh it undid:
  the group's instances stay on the configuration before it, which is where they are.
- With `--unreachable-instance ID` (repeatable), Systems Manager's `GetCommandInvocation` for
  that instance answers `Failed` with a reason on standard error, as AWS does when the command
  could not run there (moto 5.2.1 answers every invocation `Success`).
- With `--draining-checks N`, Elastic Load Balancing's `DescribeTargetHealth` reports a target
  deregistered from its target group as `draining` (users still connected) for the first N
  times it is asked about it, as AWS does during the deregistration delay (moto reports it
  `unused` at once).
- With `--gateway-errors N`, the first N POSTs are answered by the proxy itself with a 503 HTML
  page, as a load balancer or gateway in front of an endpoint does when it is overloaded.
- `GET /hangar-proxy/refreshes` lists the refreshes started, as JSON (with their preferences),
  for the tests to count and read.

It runs in the foreground; stop it with SIGTERM.
"""
import argparse
import http.client
import http.server
import json
import os
import re
import signal
import sys
import threading
import time
import urllib.parse
import uuid

NS = "http://autoscaling.amazonaws.com/doc/2011-01-01/"
ACTIVE = ("Pending", "InProgress", "Cancelling", "RollbackInProgress")


class Refreshes:
    """The emulated instance refreshes, by group."""

    def __init__(self, checks, roll_back=False):
        self.checks = checks
        self.roll_back = roll_back
        self.lock = threading.Lock()
        self.by_group = {}  # group -> [refresh dict], newest first

    def start(self, group, preferences=None):
        with self.lock:
            for refresh in self.by_group.get(group, []):
                if refresh["Status"] in ACTIVE:
                    return None, refresh
            refresh = {"InstanceRefreshId": str(uuid.uuid4()), "Status": "Pending", "PercentageComplete": 0,
                       "Group": group, "Checks": 0, "StartTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                       "Preferences": preferences or {}}
            self.by_group.setdefault(group, []).insert(0, refresh)
            return refresh, None

    def describe(self, group, ids):
        """Answers the refreshes as they are, then moves each active one a step on."""
        with self.lock:
            found = [r for r in self.by_group.get(group, []) if not ids or r["InstanceRefreshId"] in ids]
            answer = [dict(r) for r in found]
            for refresh in found:
                if refresh["Status"] not in ACTIVE:
                    continue
                refresh["Checks"] += 1
                if refresh["Status"] == "Cancelling":
                    refresh["Status"] = "Cancelled"
                elif refresh["Status"] == "RollbackInProgress":
                    refresh["Status"] = "RollbackSuccessful"
                elif self.roll_back and refresh["Preferences"].get("AutoRollback") == "true" and refresh["Checks"] >= self.checks:
                    # --refresh-rollback: the new instances fail their health checks; AWS puts
                    # the group back on its previous configuration.
                    refresh["Status"] = "RollbackInProgress"
                    refresh["StatusReason"] = "instances failed their health checks (emulated)"
                elif refresh["Checks"] >= self.checks:
                    refresh["Status"], refresh["PercentageComplete"] = "Successful", 100
                else:
                    refresh["Status"] = "InProgress"
                    refresh["PercentageComplete"] = int(100 * refresh["Checks"] / self.checks)
            return answer

    def cancel(self, group):
        with self.lock:
            for refresh in self.by_group.get(group, []):
                if refresh["Status"] in ("Pending", "InProgress"):
                    refresh["Status"] = "Cancelling"
                    return refresh
            return None

    def all(self):
        with self.lock:
            return [dict(r) for refreshes in self.by_group.values() for r in refreshes]


def error_xml(code, message):
    return (f'<ErrorResponse xmlns="{NS}"><Error><Type>Sender</Type><Code>{code}</Code>'
            f"<Message>{message}</Message></Error><RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>")


def result_xml(action, inner):
    return (f'<{action}Response xmlns="{NS}"><{action}Result>{inner}</{action}Result>'
            f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata></{action}Response>")


def make_handler(upstream, delay, refreshes, unreachable=(), draining_checks=0, gateway_errors=0):
    draining_seen = {}  # target id -> times reported draining
    draining_lock = threading.Lock()
    gateway = {"left": gateway_errors}  # POSTs still to answer with a gateway's 503
    gateway_lock = threading.Lock()

    target = urllib.parse.urlsplit(upstream)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def reply(self, status, body, content_type="text/xml"):
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            if self.path == "/hangar-proxy/refreshes":
                return self.reply(200, json.dumps(refreshes.all() if refreshes else []), "application/json")
            self.forward(b"")

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            with gateway_lock:
                overloaded = gateway["left"] > 0
                gateway["left"] -= 1 if overloaded else 0
            if overloaded:
                page = "<html><head><title>503 Service Temporarily Unavailable</title></head><body>gateway</body></html>"
                return self.reply(503, page, "text/html")
            if refreshes is not None and self.emulate(body):
                return
            if unreachable and self.fail_invocation(body):
                return
            if draining_checks and b"Action=DescribeTargetHealth" in body:
                return self.forward(body, rewrite=self.report_draining)
            self.forward(body)

        def report_draining(self, data):
            """`unused` (deregistered) targets are `draining` for their first checks."""
            text = data.decode("utf-8", "replace")

            def member(match):
                block = match.group(0)
                target = re.search(r"<Id>([^<]+)</Id>", block)
                if not target or "<State>unused</State>" not in block:
                    return block
                with draining_lock:
                    seen = draining_seen.get(target.group(1), 0)
                    if seen >= draining_checks:
                        return block
                    draining_seen[target.group(1)] = seen + 1
                return block.replace("<State>unused</State>", "<State>draining</State>").replace(
                    "Target.NotRegistered", "Target.DeregistrationInProgress")

            return re.sub(r"<member>.*?</member>", member, text, flags=re.S).encode()

        def fail_invocation(self, body):
            if self.headers.get("X-Amz-Target") != "AmazonSSM.GetCommandInvocation":
                return False
            request = json.loads(body or b"{}")
            if request.get("InstanceId") not in unreachable:
                return False
            time.sleep(delay)
            self.reply(200, json.dumps({
                "CommandId": request.get("CommandId"), "InstanceId": request["InstanceId"], "Status": "Failed",
                "StatusDetails": "Failed", "ResponseCode": 1, "StandardOutputContent": "",
                "StandardErrorContent": "wall: cannot open terminals\n"}), "application/x-amz-json-1.1")
            return True

        def emulate(self, body):
            form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
            action = (form.get("Action") or [""])[0]
            group = (form.get("AutoScalingGroupName") or [""])[0]
            if action == "StartInstanceRefresh":
                time.sleep(delay)
                preferences = {k[len("Preferences."):]: v[0] for k, v in form.items() if k.startswith("Preferences.")}
                started, active = refreshes.start(group, preferences)
                if active:
                    self.reply(400, error_xml(
                        "InstanceRefreshInProgress",
                        f"An Instance Refresh is already in progress and blocks the execution of this Instance Refresh."))
                else:
                    self.reply(200, result_xml(action, f"<InstanceRefreshId>{started['InstanceRefreshId']}</InstanceRefreshId>"))
                return True
            if action == "DescribeInstanceRefreshes":
                time.sleep(delay)
                ids = [v[0] for k, v in form.items() if k.startswith("InstanceRefreshIds.member.")]
                members = "".join(
                    f"<member><InstanceRefreshId>{r['InstanceRefreshId']}</InstanceRefreshId>"
                    f"<AutoScalingGroupName>{group}</AutoScalingGroupName><Status>{r['Status']}</Status>"
                    f"<PercentageComplete>{r['PercentageComplete']}</PercentageComplete>"
                    + (f"<StatusReason>{r['StatusReason']}</StatusReason>" if r.get("StatusReason") else "")
                    + f"<StartTime>{r['StartTime']}</StartTime></member>"
                    for r in refreshes.describe(group, ids))
                self.reply(200, result_xml(action, f"<InstanceRefreshes>{members}</InstanceRefreshes>"))
                return True
            if action == "CancelInstanceRefresh":
                time.sleep(delay)
                cancelled = refreshes.cancel(group)
                if cancelled is None:
                    self.reply(400, error_xml("ActiveInstanceRefreshNotFound", "No in progress or pending Instance Refresh found."))
                else:
                    self.reply(200, result_xml(action, f"<InstanceRefreshId>{cancelled['InstanceRefreshId']}</InstanceRefreshId>"))
                return True
            return False

        def forward(self, body, rewrite=None):
            time.sleep(delay)
            connection = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
            try:
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "keep-alive")}
                connection.request(self.command, self.path, body=body, headers=headers)
                answer = connection.getresponse()
                data = answer.read()
            except OSError as error:
                return self.reply(502, error_xml("ProxyError", f"moto did not answer: {error}"))
            finally:
                connection.close()
            if rewrite is not None and answer.status == 200:
                data = rewrite(data)
            self.send_response(answer.status)
            for key, value in answer.getheaders():
                if key.lower() not in ("connection", "keep-alive", "transfer-encoding", "content-length", "server", "date"):
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True, help="moto's URL, e.g. http://127.0.0.1:5000")
    parser.add_argument("--delay-ms", type=int, default=0)
    parser.add_argument("--instance-refresh", action="store_true")
    parser.add_argument("--refresh-checks", type=int, default=3)
    parser.add_argument("--refresh-rollback", action="store_true",
                        help="a refresh started with AutoRollback rolls back after --refresh-checks describe calls")
    parser.add_argument("--unreachable-instance", action="append", default=[])
    parser.add_argument("--draining-checks", type=int, default=0)
    parser.add_argument("--gateway-errors", type=int, default=0)
    args = parser.parse_args()
    # A parent may have blocked or ignored SIGTERM (the mask is inherited): stop on it anyway.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM, signal.SIGINT])
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    refreshes = Refreshes(args.refresh_checks, args.refresh_rollback) if args.instance_refresh else None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(args.upstream, args.delay_ms / 1000, refreshes, set(args.unreachable_instance),
                                                                          args.draining_checks, args.gateway_errors))
    server.daemon_threads = True
    print(f"proxy on 127.0.0.1:{args.port} -> {args.upstream} (delay {args.delay_ms} ms, instance refresh "
          f"{'emulated' if refreshes else 'forwarded'})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
