"""The cluster test (deploy/cluster/test.sh runs it on a cluster that deploy/cluster/up.sh started).

Submits DEPLOYMENTS deployments over ENVIRONMENTS environments through the load balancer, each
notifying one address, and while they run SIGKILLs, one after the other: a broker node, the
active scheduler, an intake, a recorder, a notifier and a worker, restarting each a few seconds
later (deploy/cluster/up.sh starts what is not running; node.sh starts the node). Then checks:

  * every deployment succeeded: the six steps in order (stop_preparation_server skipped), its
    version;
  * each email went out exactly once (the SMTP sink's files, by deployment and event);
  * with --aws-environments N, the first N environments are on the aws provider against a moto
    server (seeded with deploy/moto/seed.py): each of their deployments made exactly one image
    and one launch template version, killed workers or not (deploy/cluster/effects.py);
  * the longest stall in progress (steps finished, read from the recorder's tables) after each
    kill, printed with the figures.

It keeps the environments and submissions in <state>/submissions.json. Run again with
--compare-on URL (a Hangar on a single node), it makes the same environments there, submits the
same deployments, and checks that each one's history (status, version, steps in order with
their status) is the same as on the cluster.

Exits 1 when a check fails. Standard library only (psql for the progress reads; moto's venv
for seeding and counting cloud effects).
"""

import argparse
import collections
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request

STEPS = ["validate", "stop_preparation_server", "create_image", "create_models", "replace_instances", "finalize"]
EXPECTED = {"stop_preparation_server": "skipped"}


def request(url, method="GET", token="dev-viewer-token", body=None, attempts=20, key=""):
    data = json.dumps(body).encode() if body is not None else None
    for attempt in range(attempts):
        try:
            req = urllib.request.Request(url, data=data, method=method, headers={
                "Authorization": "Bearer " + token, "Content-Type": "application/json", "Idempotency-Key": key})
            with urllib.request.urlopen(req, timeout=10) as answer:
                return answer.status, json.loads(answer.read() or b"null")
        except urllib.error.HTTPError as error:
            if error.code < 500:
                return error.code, json.loads(error.read() or b"null")
        except Exception:
            pass
        time.sleep(0.25 * (attempt + 1))  # an intake killed mid-request: the load balancer retries elsewhere
    raise RuntimeError("%s %s: no answer" % (method, url))


def psql(args, sql):
    out = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-p", str(args.pg_port), "-U", "hangar", "-d", "hangar", "-Atc", sql],
        env=dict(os.environ, PGPASSWORD="hangar"), capture_output=True, text=True)
    return out.stdout.strip()


def progress(args):
    text = psql(args, "SELECT count(*) FROM \"cluster%d_recorder\".history_steps WHERE status IN ('succeeded','skipped')" % args.base)
    return int(text) if text.isdigit() else None


def start_clients(count, total, work, not_before=lambda index: None):
    """Starts `count` threads that together call work(index) once for each index below `total`,
    each taking the next one, index i not before not_before(i) (a time, or None); returns them."""
    indexes = iter(range(total))
    lock = threading.Lock()

    def client():
        while True:
            with lock:
                index = next(indexes, None)
            if index is None:
                return
            at = not_before(index)
            if at is not None and at > time.time():
                time.sleep(at - time.time())
            work(index)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    return threads


def pid_of_port(port):
    out = subprocess.run(["ss", "-Htnp", "sport = :%d" % port], capture_output=True, text=True).stdout
    for part in out.split("pid=")[1:]:
        return int(part.split(",")[0])
    return None


def active_scheduler(args, run):
    req = urllib.request.Request("http://127.0.0.1:%d/api/queues/%%2F/hangar.scheduler" % (args.base + 11))
    req.add_header("Authorization", "Basic Z3Vlc3Q6Z3Vlc3Q=")
    with urllib.request.urlopen(req, timeout=10) as answer:
        queue = json.loads(answer.read())
    for consumer in queue.get("consumer_details", []):
        if consumer.get("active"):
            pid = pid_of_port(consumer["channel_details"]["peer_port"])
            for name in ("scheduler-1", "scheduler-2"):
                if pid is not None and open(os.path.join(run, name + ".pid")).read().strip() == str(pid):
                    return name
    return "scheduler-1"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--base", type=int, required=True)
    parser.add_argument("--state", required=True)
    parser.add_argument("--pg-port", type=int, default=5432)
    parser.add_argument("--deployments", type=int, default=300)
    parser.add_argument("--environments", type=int, default=30)
    parser.add_argument("--restart-after", type=float, default=3)
    parser.add_argument("--throughput", action="store_true",
                        help="no kills and zero-time steps: how many deployments per second the cluster finishes")
    parser.add_argument("--aws-environments", type=int, default=0)
    parser.add_argument("--moto", help="the moto server the workers use (with --aws-environments)")
    parser.add_argument("--moto-python", help="moto's venv's python (boto3)")
    parser.add_argument("--compare-on", metavar="URL", help="replay the submissions on this single-node Hangar and compare")
    args = parser.parse_args()
    if args.throughput:
        return throughput(args)
    if args.compare_on:
        return compare(args)
    here = os.path.dirname(os.path.abspath(__file__))
    run = os.path.join(args.state, "run")
    mail = os.path.join(args.state, "mail")
    tag = "%x" % int(time.time())

    envs = ["ct-%s-%d" % (tag, i) for i in range(args.environments)]
    specs = {}
    templates = {}
    for number, name in enumerate(envs):
        spec = {"name": name, "provider": "simulated", "target": {"stepDurationMs": 50}}
        if number < args.aws_environments:
            seed = json.loads(subprocess.run(
                [args.moto_python, os.path.join(here, "..", "moto", "seed.py"), "--endpoint", args.moto, "--name", name,
                 "--instances", "2", "--versions", "2"], check=True, capture_output=True, text=True).stdout)
            spec = {"name": name, "provider": "aws", "target": {
                "region": seed["region"], "preparationInstanceId": seed["preparationInstanceId"],
                "launchTemplateId": seed["launchTemplateId"], "autoScalingGroupName": seed["autoScalingGroupName"],
                "keepModelVersions": 3, "checkAfterSeconds": 0.2, "warmupSeconds": 0}}
            templates[name] = seed["launchTemplateId"]
        specs[name] = spec
        status, answer = request(args.url + "/v1/environments", "POST", "dev-admin-token", spec)
        assert status == 201, (status, answer)

    submitted = {}
    lock = threading.Lock()

    def submit(index):
        env = envs[index % len(envs)]
        body = {"version": "v%d" % index, "notify": {"emails": ["d%d-%s@example.com" % (index, tag)]}}
        # The same Idempotency-Key on a retry: a request whose intake died after accepting it
        # is answered with the same deployment, not submitted twice.
        status, answer = request(args.url + "/v1/environments/%s/deployments" % env, "POST", "dev-deployer-token",
                                 body, key="%s-%d" % (tag, index))
        assert status == 202, (status, answer)
        with lock:
            submitted[answer["id"]] = (index, env, body["version"])

    samples = []  # (time, steps finished)
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            value = progress(args)
            if value is not None:
                samples.append((time.time(), value))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.time()
    # Eight clients at once; deployment i goes out no earlier than i/N of the way through the
    # kills, so that work is in flight at every kill.
    span = 6 * (args.restart_after + 2) + 2
    submitters = start_clients(8, args.deployments, submit, lambda index: started + index * span / args.deployments)

    kills = []
    time.sleep(2)
    pause = 2  # between a restart and the next kill
    for what in ["broker node 2", "active scheduler", "intake-1", "recorder-1", "notifier-1", "worker-1"]:
        at = time.time()
        if what == "broker node 2":
            subprocess.run([os.path.join(here, "node.sh"), "kill", "2"], check=True)
        else:
            name = active_scheduler(args, run) if what == "active scheduler" else what
            pid = int(open(os.path.join(run, name + ".pid")).read())
            os.kill(pid, 9)
            what = "%s (%s)" % (what, name) if what == "active scheduler" else what
        print("killed %s at +%.1f s" % (what, at - started), flush=True)
        kills.append((what, at))
        time.sleep(args.restart_after)
        if what == "broker node 2":
            subprocess.run([os.path.join(here, "node.sh"), "start", "2"], check=True, capture_output=True)
        else:
            subprocess.run([os.path.join(here, "up.sh"), "--services"], check=True, capture_output=True,
                           env=dict(os.environ, HANGAR_CLUSTER_PORT_BASE=str(args.base), HANGAR_STATE_DIR=args.state))
        time.sleep(pause)
    for thread in submitters:
        thread.join()

    deadline = time.time() + 300
    finished = {}
    while time.time() < deadline and len(finished) < len(submitted):
        for ident in list(submitted):
            if ident in finished:
                continue
            status, details = request(args.url + "/v1/deployments/" + ident)
            if status == 200 and details["status"] in ("succeeded", "failed", "cancelled", "rejected"):
                finished[ident] = details
        time.sleep(0.5)
    elapsed = time.time() - started
    stop.set()

    failures = []
    for ident, (index, env, version) in submitted.items():
        details = finished.get(ident)
        if details is None:
            failures.append("%s (%s #%d) did not finish" % (ident, env, index))
            continue
        steps = [(s["name"], s["status"]) for s in details["steps"]]
        expected = [(name, EXPECTED.get(name, "succeeded")) for name in STEPS]
        if details["status"] != "succeeded" or steps != expected or details.get("version") != version:
            failures.append("%s: %s %s version %s" % (ident, details["status"], steps, details.get("version")))

    # Emails: one file per message, its JSON names the recipients and the subject.
    sent = collections.Counter()
    for name in os.listdir(mail):
        if name.endswith(".json"):
            message = json.load(open(os.path.join(mail, name)))
            for to in message.get("to", message.get("rcpt_tos", [])):
                if tag in to:
                    sent[(to, message.get("subject", ""))] += 1
    doubled = [key for key, count in sent.items() if count > 1]
    recipients = {to for to, _ in sent}
    missing = [i for i in range(args.deployments) if "d%d-%s@example.com" % (i, tag) not in recipients]

    with open(os.path.join(args.state, "submissions.json"), "w") as file:
        json.dump({"environments": [specs[name] for name in envs],
                   "submissions": [{"index": index, "environment": env, "version": version, "id": ident}
                                   for ident, (index, env, version) in sorted(submitted.items(), key=lambda item: item[1][0])]},
                  file, indent=1)

    # Cloud effects of the deployments on the aws provider: one image and one model each.
    on_aws = {ident.lower(): templates[env] for ident, (_, env, _) in submitted.items() if env in templates}
    effects_failed = []
    if on_aws:
        counted = subprocess.run([args.moto_python, os.path.join(here, "effects.py"), "--endpoint", args.moto],
                                 input=json.dumps(on_aws), capture_output=True, text=True)
        if counted.returncode != 0:
            effects_failed = ["could not count them: " + counted.stderr.strip()[-500:]]
        else:
            effects_failed = ["%s made %d images and %d launch template versions" % (ident, c["images"], c["models"])
                              for ident, c in sorted(json.loads(counted.stdout).items()) if c["images"] != 1 or c["models"] != 1]

    print("deployments: %d submitted over the %.0f s of the kills, %d succeeded, the last %.1f s after the first submit" % (
        len(submitted), span, sum(1 for d in finished.values() if d["status"] == "succeeded"), elapsed))
    print("emails: %d sent, %d sent more than once, %d deployments without one" % (sum(sent.values()), len(doubled), len(missing)))
    if on_aws:
        print("cloud effects: %d deployments on the aws provider (moto), %d with other than one image and one launch "
              "template version" % (len(on_aws), len(effects_failed)))
    for number, (what, at) in enumerate(kills):
        until = kills[number + 1][1] if number + 1 < len(kills) else at + 20
        window = [(t, v) for t, v in samples if at <= t <= until]
        longest, last_t, last_v = 0.0, at, None
        for t, v in window:
            if last_v is None or v > last_v:
                longest = max(longest, t - last_t)
                last_t, last_v = t, v
        print("longest stall after killing %s (until the next kill): %.1f s" % (what, longest))
    for failure in failures[:10]:
        print("FAILED: " + failure)
    if doubled:
        print("FAILED: emails sent twice: %s" % doubled[:5])
    if missing:
        print("FAILED: no email for deployments %s" % missing[:10])
    for failure in effects_failed[:10]:
        print("FAILED: cloud effects: " + failure)
    sys.exit(1 if failures or doubled or missing or effects_failed else 0)


def history(details):
    """What must be the same wherever a deployment ran: its status, version and its steps in
    order with their status."""
    return {"status": details["status"], "version": details.get("version"),
            "steps": [(step["name"], step["status"]) for step in details["steps"]]}


def compare(args):
    """The cluster's submissions again on a single node: the same history for each."""
    with open(os.path.join(args.state, "submissions.json")) as file:
        recorded = json.load(file)
    for spec in recorded["environments"]:
        status, answer = request(args.compare_on + "/v1/environments", "POST", "dev-admin-token", spec)
        assert status == 201, (status, answer)
    submissions = recorded["submissions"]
    single = {}
    lock = threading.Lock()

    def submit(number):
        entry = submissions[number]
        status, answer = request(args.compare_on + "/v1/environments/%s/deployments" % entry["environment"], "POST",
                                 "dev-deployer-token", {"version": entry["version"]})
        assert status == 202, (status, answer)
        with lock:
            single[entry["id"]] = answer["id"]

    started = time.time()
    for thread in start_clients(8, len(submissions), submit):
        thread.join()
    finished = {}
    while time.time() - started < 300 and len(finished) < len(single):
        for cluster_id, single_id in single.items():
            if cluster_id not in finished:
                status, details = request(args.compare_on + "/v1/deployments/" + single_id)
                if status == 200 and details["status"] in ("succeeded", "failed", "cancelled", "rejected"):
                    finished[cluster_id] = details
        time.sleep(0.5)
    different = []
    for entry in submissions:
        status, on_cluster = request(args.url + "/v1/deployments/" + entry["id"])
        on_single = finished.get(entry["id"])
        if on_single is None:
            different.append("#%d did not finish on the single node" % entry["index"])
        elif status != 200 or history(on_cluster) != history(on_single):
            different.append("#%d: cluster %s (%s), single node %s (%s)" % (
                entry["index"], history(on_cluster) if status == 200 else status, on_cluster.get("reason") if status == 200 else "",
                history(on_single), on_single.get("reason")))
    print("histories: %d deployments run again on a single node in %.1f s, %d the same as on the cluster (status, "
          "version, steps in order with their status)" % (len(submissions), time.time() - started, len(submissions) - len(different)))
    for difference in different[:10]:
        print("FAILED: " + difference)
    return 1 if different else 0


def throughput(args):
    """Zero-time deployments submitted by 16 clients at once, nothing killed: the time from the
    first submit until the recorder has them all succeeded."""
    tag = "%x" % int(time.time())
    envs = ["tp-%s-%d" % (tag, i) for i in range(args.environments)]
    for name in envs:
        status, _ = request(args.url + "/v1/environments", "POST", "dev-admin-token", {"name": name, "provider": "simulated", "target": {}})
        assert status == 201, status
    count = lambda: int(psql(args, "SELECT count(*) FROM \"cluster%d_recorder\".history_deployments d WHERE d.status = 'succeeded' "
                                    "AND d.environment_name LIKE 'tp-%s-%%'" % (args.base, tag)) or 0)
    def submit(index):
        status, _ = request(args.url + "/v1/environments/%s/deployments" % envs[index % len(envs)], "POST", "dev-deployer-token",
                            {"version": "v%d" % index})
        assert status == 202, status

    started = time.time()
    clients = start_clients(16, args.deployments, submit)
    for thread in clients:
        thread.join()
    submitted = time.time() - started
    while count() < args.deployments and time.time() - started < 600:
        time.sleep(0.2)
    elapsed = time.time() - started
    print("throughput: %d zero-time deployments over %d environments, submitted in %.1f s, all succeeded %.1f s after the first: %.0f /s"
          % (args.deployments, len(envs), submitted, elapsed, args.deployments / elapsed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
