#!/usr/bin/env python3
"""Checks Hangar's rendered Kubernetes manifests offline (deploy/kubernetes/test.sh runs it).

    check.py --repo ROOT --kubernetes-version 1.30.0 [--kubernetes-version …] NAME=RENDERED.yaml …

Every object of every rendering is validated:
- built-in kinds with kubernetes-validate, strict (unknown fields are errors), against each
  Kubernetes version given;
- KEDA's ScaledObject and TriggerAuthentication against the openAPIV3Schema of KEDA's CRDs
  vendored in schemas/keda/ (made strict the same way: an unknown field is an error, where the
  API server would silently prune it), with metadata checked as ObjectMeta.
Then the project's own rules (below, `project_checks`), which tie the manifests to the sources:
setting names, metrics ports, queue name, step timeout, executables.

Prints each failed check (each one with -v), a line per rendering and, last, "N passed, N failed";
exits 1 when any failed.
"""
from __future__ import annotations

import argparse
import copy
import hashlib
import pathlib
import re
import sys

import jsonschema
import kubernetes_validate
import referencing
import yaml

HERE = pathlib.Path(__file__).resolve().parent
KEDA_CRDS = {
    "ScaledObject": HERE / "schemas/keda/crd-scaledobjects.yaml",
    "TriggerAuthentication": HERE / "schemas/keda/crd-triggerauthentications.yaml",
}
SERVICES = ["intake", "scheduler", "recorder", "notifier", "worker"]
# The pod's user in the image (deploy/container/Dockerfile).
IMAGE_UID = 10001


class Report:
    def __init__(self, verbose: bool) -> None:
        self.passed = 0
        self.failed = 0
        self.verbose = verbose

    def check(self, ok: bool, what: str, why: str = "") -> bool:
        if ok:
            self.passed += 1
            if self.verbose:
                print(f"ok   {what}")
        else:
            self.failed += 1
            print(f"FAIL {what}{': ' + why if why else ''}")
        return ok


# ---------------------------------------------------------------------------------------------
# Schemas


def strict(schema: object) -> object:
    """A copy of an OpenAPI v3 (structural) schema in which an object with `properties` takes
    no other field: what `kubectl apply --validate=strict` asks of the API server."""
    if isinstance(schema, dict):
        out = {key: strict(value) for key, value in schema.items()}
        if ("properties" in out and "additionalProperties" not in out
                and not out.get("x-kubernetes-preserve-unknown-fields")):
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    return schema


def load_crd(path: pathlib.Path) -> dict:
    """The CRD from the vendored Helm template: the lines holding `{{ … }}` are Helm's own."""
    text = "\n".join(line for line in path.read_text().splitlines() if "{{" not in line)
    return yaml.safe_load(text)


class CRDValidator:
    def __init__(self, kubernetes_version: str) -> None:
        definitions = kubernetes_validate.utils.schema_contents(
            f"kubernetes-json-schema/v{kubernetes_version}-local-strict/_definitions.json", kubernetes_version)
        self.registry = referencing.Resource.from_contents(definitions) @ referencing.Registry()
        self.schemas: dict[tuple[str, str], dict] = {}
        for kind, path in KEDA_CRDS.items():
            crd = load_crd(path)
            assert crd["spec"]["names"]["kind"] == kind, path
            for version in crd["spec"]["versions"]:
                schema = strict(copy.deepcopy(version["schema"]["openAPIV3Schema"]))
                schema["properties"]["metadata"] = {
                    "$ref": "https://kubernetes.io/api/_definitions.json#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}
                schema["properties"]["apiVersion"]["enum"] = [f"{crd['spec']['group']}/{version['name']}"]
                self.schemas[(f"{crd['spec']['group']}/{version['name']}", kind)] = schema

    def errors(self, obj: dict) -> list[str] | None:
        schema = self.schemas.get((obj.get("apiVersion", ""), obj.get("kind", "")))
        if schema is None:
            return None
        validator = jsonschema.Draft202012Validator(schema, registry=self.registry)
        return [f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}"
                for error in validator.iter_errors(obj)]


def validate_schemas(report: Report, name: str, objects: list[dict], versions: list[str]) -> None:
    for version in versions:
        crds = CRDValidator(version)
        for obj in objects:
            label = f"{name}: {obj.get('kind')}/{obj.get('metadata', {}).get('name')} (Kubernetes {version})"
            crd_errors = crds.errors(obj)
            if crd_errors is not None:
                report.check(not crd_errors, f"{label} matches KEDA's CRD schema", "; ".join(crd_errors[:5]))
                continue
            try:
                kubernetes_validate.validate(obj, version, strict=True)
                report.check(True, f"{label} is valid (kubernetes-validate, strict)")
            except kubernetes_validate.utils.ValidationError as error:
                path = "/".join(map(str, error.absolute_path))
                report.check(False, f"{label} is valid (kubernetes-validate, strict)", f"{path}: {error.message}")
            except kubernetes_validate.utils.SchemaNotFoundError as error:
                report.check(False, f"{label} has a known schema", error.message)


# ---------------------------------------------------------------------------------------------
# What the sources say


class Sources:
    def __init__(self, repo: pathlib.Path) -> None:
        self.repo = repo
        self.swift = {path: path.read_text() for top in ("Services", "Shared") for path in (repo / top).rglob("*.swift")}
        self.text = "\n".join(self.swift.values())

    def setting_exists(self, name: str) -> bool:
        # Read as a string literal somewhere in the services or the shared code; the per-service
        # database URLs are built as "HANGAR_\(owner.uppercased())_DATABASE_URL".
        if f'"{name}"' in self.text:
            return True
        match = re.fullmatch(r"HANGAR_(INTAKE|SCHEDULER|RECORDER|NOTIFIER)_DATABASE_URL", name)
        return bool(match) and '"HANGAR_\\(owner.uppercased())_DATABASE_URL"' in self.text

    def file(self, relative: str) -> str:
        return (self.repo / relative).read_text()

    def steps_queue(self) -> str:
        match = re.search(r'static let steps = Role\(queue: "([^"]+)"', self.file("Shared/Messaging/HangarTopology.swift"))
        assert match, "the steps role in Shared/Messaging/HangarTopology.swift"
        return match.group(1)

    def default_metrics_port(self, service: str) -> int:
        name = service.capitalize()
        match = re.search(r"defaultPort: (\d+)", self.file(f"Services/{name}/main.swift"))
        assert match, f"defaultPort in Services/{name}/main.swift"
        return int(match.group(1))

    def step_timeout_seconds(self) -> int:
        match = re.search(r"stepTimeout: Duration = \.seconds\((\d+)\)", self.file("Shared/Scheduling/SchedulerConfiguration.swift"))
        assert match, "stepTimeout's default in Shared/Scheduling/SchedulerConfiguration.swift"
        return int(match.group(1))

    def worker_concurrency_default(self) -> int:
        match = re.search(r'"HANGAR_WORKER_CONCURRENCY", default: (\d+)', self.file("Services/Worker/main.swift"))
        assert match
        return int(match.group(1))


# ---------------------------------------------------------------------------------------------
# The project's rules


def selects(selector: dict, labels: dict) -> bool:
    return bool(selector) and all(labels.get(key) == value for key, value in selector.items())


def project_checks(report: Report, name: str, objects: list[dict], sources: Sources, production: bool) -> None:
    by_kind: dict[str, list[dict]] = {}
    for obj in objects:
        by_kind.setdefault(obj["kind"], []).append(obj)
    deployments = by_kind.get("Deployment", [])
    configmaps = {o["metadata"]["name"]: o for o in by_kind.get("ConfigMap", [])}
    secrets = {o["metadata"]["name"]: o for o in by_kind.get("Secret", [])}
    # The base references these two Secrets without making them (created out of band).
    external_secrets = set() if production else {"hangar", "hangar-keda"}
    p = f"{name}:"

    report.check(sorted(d["metadata"]["name"] for d in deployments) == sorted(f"hangar-{s}" for s in SERVICES),
                 f"{p} one Deployment per service ({', '.join(SERVICES)})")

    # Every setting name in ConfigMaps, Secrets and container env is one the sources read.
    names: set[str] = set()
    for cm in configmaps.values():
        names.update(cm.get("data", {}))
    for secret in secrets.values():
        names.update(k for k in secret.get("data", {}) if k.isupper())
    config: dict[str, str] = {}
    for cm in configmaps.values():
        config.update(cm.get("data", {}))

    for deployment in deployments:
        dname = deployment["metadata"]["name"]
        component = dname.removeprefix("hangar-")
        spec = deployment["spec"]
        pod = spec["template"]["spec"]
        pod_labels = spec["template"]["metadata"].get("labels", {})
        report.check(selects(spec["selector"]["matchLabels"], pod_labels), f"{p} {dname} selects its own pods")
        psc = pod.get("securityContext", {})
        report.check(pod.get("enableServiceLinks") is False, f"{p} {dname} has enableServiceLinks: false",
                     "Service links would add HANGAR_*-looking variables")
        report.check(pod.get("automountServiceAccountToken") is False, f"{p} {dname} mounts no API token")
        report.check(psc.get("seccompProfile", {}).get("type") == "RuntimeDefault", f"{p} {dname} seccomp RuntimeDefault")
        containers = pod.get("containers", [])
        report.check(len(containers) == 1 and not pod.get("initContainers"), f"{p} {dname} runs one container")
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        for c in containers + pod.get("initContainers", []):
            cname = f"{dname}/{c['name']}"
            sc = c.get("securityContext", {})
            non_root = sc.get("runAsNonRoot", psc.get("runAsNonRoot")) is True
            uid = sc.get("runAsUser", psc.get("runAsUser"))
            report.check(non_root and uid == IMAGE_UID, f"{p} {cname} runs as non-root uid {IMAGE_UID}",
                         f"runAsNonRoot={non_root} runAsUser={uid}")
            report.check(sc.get("readOnlyRootFilesystem") is True, f"{p} {cname} has a read-only root filesystem")
            report.check(sc.get("allowPrivilegeEscalation") is False, f"{p} {cname} allowPrivilegeEscalation: false")
            report.check("ALL" in sc.get("capabilities", {}).get("drop", []) and not sc.get("capabilities", {}).get("add"),
                         f"{p} {cname} drops all capabilities")
            report.check(c.get("command") == [f"/usr/local/bin/hangar-{component}"],
                         f"{p} {cname} runs /usr/local/bin/hangar-{component}", f"command {c.get('command')}")
            resources = c.get("resources", {})
            report.check(all(resources.get(kind, {}).get(r) for kind in ("requests", "limits") for r in ("cpu", "memory")),
                         f"{p} {cname} has cpu and memory requests and limits")

            env = {e["name"]: e for e in c.get("env", [])}
            names.update(env)
            values = dict(config)
            for ref in c.get("envFrom", []):
                if "configMapRef" in ref:
                    ok = ref["configMapRef"]["name"] in configmaps
                    report.check(ok, f"{p} {cname} envFrom ConfigMap {ref['configMapRef']['name']} exists")
                else:
                    report.check(False, f"{p} {cname} takes env only from ConfigMaps in bulk", f"{ref}")
            values.update({k: e["value"] for k, e in env.items() if "value" in e})
            for e in env.values():
                ref = e.get("valueFrom", {}).get("secretKeyRef")
                if not ref:
                    continue
                if ref["name"] in external_secrets:
                    continue
                secret = secrets.get(ref["name"])
                has = secret is not None and ref["key"] in secret.get("data", {})
                report.check(has or (ref.get("optional") is True and secret is not None),
                             f"{p} {cname} env {e['name']} from Secret {ref['name']} key {ref['key']}",
                             "no such Secret" if secret is None else "no such key")

            # Ports, probes and the metrics port of the sources.
            ports = {port.get("name"): port["containerPort"] for port in c.get("ports", [])}
            default_port = sources.default_metrics_port(component)
            report.check(ports.get("metrics") == default_port and values.get("HANGAR_METRICS_PORT") == str(default_port),
                         f"{p} {cname} serves metrics on {default_port} (Services/{component.capitalize()}/main.swift)",
                         f"port {ports.get('metrics')}, HANGAR_METRICS_PORT {values.get('HANGAR_METRICS_PORT')}")
            report.check(values.get("HANGAR_METRICS_HOST") == "0.0.0.0", f"{p} {cname} metrics listen on 0.0.0.0")
            for probe, path in (("livenessProbe", "/health/live"), ("readinessProbe", "/health/ready")):
                get = c.get(probe, {}).get("httpGet", {})
                report.check(get.get("path") == path and get.get("port") in ("metrics", default_port),
                             f"{p} {cname} {probe} GET {path} on the metrics port", f"{get}")
            if "HANGAR_DATABASE_URL" in env:
                get = c.get("startupProbe", {}).get("httpGet", {})
                report.check(get.get("path") == "/health/live" and get.get("port") in ("metrics", default_port),
                             f"{p} {cname} has a startupProbe (database and migrations at start)")
            if component == "intake":
                report.check(ports.get("http") == int(values.get("HANGAR_HTTP_PORT", "0"))
                             and values.get("HANGAR_HTTP_HOST") == "0.0.0.0",
                             f"{p} {cname} API listens on 0.0.0.0:{ports.get('http')}")

            # Every path the service writes is on a volume (the root filesystem is read-only).
            mounts = {m["mountPath"].rstrip("/"): m for m in c.get("volumeMounts", [])}
            for m in mounts.values():
                report.check(m["name"] in volumes and not m.get("readOnly"), f"{p} {cname} mounts {m['mountPath']} writable")
            data_dir = values.get("HANGAR_DATA_DIR", "")
            written = {"/tmp": "temporary files", data_dir: "HANGAR_DATA_DIR"}
            if component == "notifier":
                written[values.get("HANGAR_NOTIFIER_OUTBOX", f"{data_dir}/outbox")] = "HANGAR_NOTIFIER_OUTBOX"
                written[f"{data_dir}/webhook-secret"] = "the webhook key file (without HANGAR_WEBHOOK_SECRET)"
            if component == "worker":
                written[values.get("HANGAR_SIMULATED_SERVERS_FILE", f"{data_dir}/simulated-servers.json")] = "HANGAR_SIMULATED_SERVERS_FILE"
            for path, what in written.items():
                under = path.startswith("/") and any(path == m or path.startswith(m + "/") for m in mounts)
                report.check(under, f"{p} {cname} writes {what} ({path or 'unset'}) on a mounted volume")

        if component == "notifier" and production:
            report.check("HANGAR_WEBHOOK_SECRET" in {e["name"] for e in containers[0].get("env", [])},
                         f"{p} {dname} shares one webhook key across replicas (HANGAR_WEBHOOK_SECRET)")
        if component == "worker":
            report.check("replicas" not in spec, f"{p} {dname} has no replicas (KEDA sets the count)")
            grace = pod.get("terminationGracePeriodSeconds", 30)
            timeout = sources.step_timeout_seconds()
            report.check(grace >= timeout, f"{p} {dname} grace period {grace}s covers the step timeout ({timeout}s)")

    for env_name in sorted(names):
        if env_name.startswith(("HANGAR_", "AWS_")):
            report.check(sources.setting_exists(env_name), f"{p} setting {env_name} is read by Services/ or Shared/")
        else:
            report.check(False, f"{p} variable {env_name} is a Hangar or AWS setting")

    # Services select pods of a Deployment and name ports they have.
    for service in by_kind.get("Service", []):
        sname = service["metadata"]["name"]
        targets = [d for d in deployments if selects(service["spec"].get("selector", {}), d["spec"]["template"]["metadata"]["labels"])]
        report.check(len(targets) == 1, f"{p} Service {sname} selects one Deployment")
        if targets:
            c = targets[0]["spec"]["template"]["spec"]["containers"][0]
            port_names = {port.get("name") for port in c.get("ports", [])}
            for port in service["spec"]["ports"]:
                report.check(port.get("targetPort") in port_names, f"{p} Service {sname} port {port.get('name')} targets a named container port")
    metrics_services = {s["metadata"]["name"] for s in by_kind.get("Service", []) if any(port.get("name") == "metrics" for port in s["spec"]["ports"])}
    report.check(metrics_services == {f"hangar-{s}-metrics" for s in SERVICES}, f"{p} a metrics Service per service")

    # PodDisruptionBudgets: minAvailable 1 for every Deployment with 2 replicas or more; none
    # that would block a drain of a single replica.
    pdbs = by_kind.get("PodDisruptionBudget", [])
    for deployment in deployments:
        dname = deployment["metadata"]["name"]
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        mine = [b for b in pdbs if selects(b["spec"]["selector"].get("matchLabels", {}), labels)]
        replicas = deployment["spec"].get("replicas")
        if replicas is not None and replicas >= 2:
            report.check(len(mine) == 1 and mine[0]["spec"].get("minAvailable") == 1, f"{p} {dname} ({replicas} replicas) has a PDB minAvailable 1")
        elif replicas is not None:
            report.check(all(b["spec"].get("minAvailable", 0) < replicas for b in mine), f"{p} {dname} ({replicas} replica) has no PDB that blocks drains")
        else:
            report.check(len(mine) == 1 and mine[0]["spec"].get("maxUnavailable") == 1, f"{p} {dname} (autoscaled) has a PDB maxUnavailable 1")
    for pdb in pdbs:
        report.check(any(selects(pdb["spec"]["selector"].get("matchLabels", {}), d["spec"]["template"]["metadata"]["labels"]) for d in deployments),
                     f"{p} PDB {pdb['metadata']['name']} selects a Deployment")

    # KEDA: the worker Deployment, on the steps queue, over the management API.
    scaled = by_kind.get("ScaledObject", [])
    report.check(len(scaled) == 1, f"{p} one ScaledObject")
    report.check(not by_kind.get("HorizontalPodAutoscaler"), f"{p} no HorizontalPodAutoscaler besides KEDA's")
    auths = {a["metadata"]["name"]: a for a in by_kind.get("TriggerAuthentication", [])}
    queue = sources.steps_queue()
    for so in scaled:
        target = so["spec"]["scaleTargetRef"]
        worker = next((d for d in deployments if d["metadata"]["name"] == target.get("name")), None)
        report.check(target.get("kind", "Deployment") == "Deployment" and worker is not None
                     and worker["spec"]["template"]["spec"]["containers"][0].get("command") == ["/usr/local/bin/hangar-worker"],
                     f"{p} ScaledObject {so['metadata']['name']} targets the worker Deployment", f"{target}")
        report.check(so["spec"].get("minReplicaCount", 0) >= 1, f"{p} ScaledObject keeps at least one worker (server requests)")
        report.check(so["spec"].get("maxReplicaCount", 100) >= so["spec"].get("minReplicaCount", 0), f"{p} ScaledObject min ≤ max")
        triggers = so["spec"]["triggers"]
        report.check(len(triggers) == 1 and triggers[0]["type"] == "rabbitmq", f"{p} ScaledObject has one rabbitmq trigger")
        for trigger in triggers:
            meta = trigger.get("metadata", {})
            report.check(meta.get("queueName") == queue, f"{p} trigger queue is {queue} (Shared/Messaging/HangarTopology.swift)", f"{meta.get('queueName')}")
            report.check(meta.get("protocol") == "http" and meta.get("mode") == "QueueLength",
                         f"{p} trigger reads the management API (protocol http, mode QueueLength)", f"{meta}")
            if worker is not None:
                env = {e["name"]: e.get("value") for e in worker["spec"]["template"]["spec"]["containers"][0].get("env", [])}
                concurrency = env.get("HANGAR_WORKER_CONCURRENCY") or str(sources.worker_concurrency_default())
                report.check(meta.get("value") == concurrency, f"{p} trigger target {meta.get('value')} = a worker's concurrency {concurrency}")
            ref = trigger.get("authenticationRef", {}).get("name")
            auth = auths.get(ref)
            report.check(auth is not None, f"{p} trigger's TriggerAuthentication {ref} exists")
            if auth is not None:
                params = {t["parameter"]: t for t in auth["spec"].get("secretTargetRef", [])}
                host = params.get("host")
                ok = host is not None and (host["name"] in external_secrets
                                           or host["key"] in secrets.get(host["name"], {}).get("data", {}))
                report.check(ok, f"{p} TriggerAuthentication {ref} takes host from an existing Secret key", f"{host}")

    # The production overlay: quorum queues, a pinned image, everything in its namespace.
    if production:
        report.check(config.get("HANGAR_QUEUE_TYPE") == "quorum", f"{p} HANGAR_QUEUE_TYPE=quorum")
        for deployment in deployments:
            image = deployment["spec"]["template"]["spec"]["containers"][0]["image"]
            pinned = "@sha256:" in image or (re.search(r":[^/:]+$", image) is not None and not image.endswith(":latest"))
            report.check(pinned, f"{p} {deployment['metadata']['name']} image {image} is pinned")
        for obj in objects:
            if obj["kind"] != "Namespace":
                report.check(bool(obj["metadata"].get("namespace")), f"{p} {obj['kind']}/{obj['metadata']['name']} has a namespace")
        for name_, replicas in (("hangar-scheduler", 2),):
            d = next(d for d in deployments if d["metadata"]["name"] == name_)
            report.check(d["spec"].get("replicas") == replicas, f"{p} {name_} runs active + hot standby ({replicas})")


def vendored_schemas(report: Report) -> None:
    """The vendored CRDs are the files SOURCE.md names, unchanged."""
    source = (HERE / "schemas/keda/SOURCE.md").read_text()
    for path in KEDA_CRDS.values():
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        report.check(f"{digest}  {path.name}" in source, f"schemas/keda/{path.name} is the vendored copy (sha256 in SOURCE.md)", digest)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repo", required=True, type=pathlib.Path)
    parser.add_argument("--kubernetes-version", action="append", required=True)
    parser.add_argument("-v", "--verbose", action="store_true", help="print the checks that pass too")
    parser.add_argument("renderings", nargs="+", help="NAME=FILE; a NAME of production gets the production rules")
    args = parser.parse_args()
    report = Report(args.verbose)
    sources = Sources(args.repo)
    vendored_schemas(report)
    for item in args.renderings:
        name, _, path = item.partition("=")
        objects = [o for o in yaml.safe_load_all(pathlib.Path(path).read_text()) if o]
        before = report.passed + report.failed
        report.check(bool(objects), f"{name}: {len(objects)} objects rendered")
        validate_schemas(report, name, objects, args.kubernetes_version)
        project_checks(report, name, objects, sources, production=name == "production")
        kinds = sorted({o["kind"] for o in objects})
        print(f"{name}: {len(objects)} objects ({', '.join(kinds)}), {report.passed + report.failed - before} checks")
    print(f"{report.passed} passed, {report.failed} failed")
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
