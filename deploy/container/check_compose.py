#!/usr/bin/env python3
"""The container setup's project checks, which the compose specification's JSON schema and
hadolint cannot express: docker-compose.yml, deploy/container/ and .dockerignore against what
the services are (their sources and Package.swift).

- every Hangar service (an executable whose main serves metrics) runs in compose with
  HANGAR_METRICS_HOST=0.0.0.0 and a healthcheck on /health/ready of its metrics port, which no
  published port exposes; the tools (CLI, hangar-migrate-queues) only on demand (a profile);
- the Prometheus config scrapes each of them (job hangar-<service>, its compose name and
  port) and the broker's rabbitmq_prometheus endpoint on 15692; its files are mounted;
- every file a service writes (SQLite stores, the notifier's outbox and webhook key, the
  simulated servers' file) and the infrastructure's data lie on named volumes;
- secrets come from git-ignored env files with committed examples holding placeholders only;
- every HANGAR_* and AWS_* variable set is one the sources read;
- the image: base images pinned to versions, the committed Package.resolved forced, every
  shipped executable and the resource bundles copied, a non-root USER, a HEALTHCHECK;
  .dockerignore keeps out .build, .hangar and env files and lets in every source file of the
  package's targets.

Usage: check_compose.py [--self-test]. Prints one line per check and, last,
"container: N passed, N failed"; exits 1 on any failure. --self-test also breaks copies of
the compose file in memory (one defect each) and requires each to be caught.
Needs ruamel.yaml (deploy/container/test.sh runs it in its venv).
"""

from __future__ import annotations

import copy
import re
import subprocess
import sys
from pathlib import Path

from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "deploy/container/Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"

# Settings whose values are secrets: never in docker-compose.yml, only in env files.
SECRET_NAMES = re.compile(
    r"^(HANGAR_TOKENS|HANGAR_SMTP_URL|HANGAR_WEBHOOK_SECRET|HANGAR_AMQP_URL|HANGAR_RABBITMQ_MANAGEMENT_URL"
    r"|HANGAR_([A-Z]+_)?DATABASE_URL|HANGAR_TOKEN|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN"
    r"|.*PASSWORD.*|.*_PASS|.*SECRET.*)$"
)
# What every Hangar service needs set, beyond defaults (docs/configuration.md).
REQUIRED = {"*": ["HANGAR_AMQP_URL"], "hangar-intake": ["HANGAR_TOKENS"]}
# The infrastructure's state, by image name.
INFRA_STATE = {"rabbitmq": "/var/lib/rabbitmq", "postgres": "/var/lib/postgresql/data", "prom/prometheus": "/prometheus"}
RABBITMQ_PROMETHEUS_PORT = 15692


def load_yaml(path: Path):
    return YAML(typ="safe", pure=True).load(path.read_text())


def git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)


# MARK: What the sources say


class Sources:
    """Package.swift's products and targets, the services' metrics ports, stores and variables."""

    def __init__(self) -> None:
        manifest = (ROOT / "Package.swift").read_text()
        self.manifest = manifest
        # target name -> path
        self.targets: dict[str, str] = {}
        declarations = re.split(r"\.(?=(?:executableTarget|target|testTarget|systemLibrary|plugin|binaryTarget)\()", manifest)
        for declaration in declarations[1:]:
            name = re.match(r"\w+\(\s*name:\s*\"(\w+)\"", declaration)
            path = re.search(r"path:\s*\"([^\"]+)\"", declaration)
            if name and path:
                self.targets[name.group(1)] = path.group(1)
        # executable product -> target path, for the executables under Services/ (shipped ones)
        self.executables: dict[str, str] = {}
        for name, target in re.findall(r"\.executable\(name:\s*\"([^\"]+)\",\s*targets:\s*\[\"(\w+)\"\]\)", manifest):
            path = self.targets.get(target, "")
            if path.startswith("Services/"):
                self.executables[name] = path
        # services: executable -> (default metrics port, ServiceEnvironment name, store owners)
        self.services: dict[str, tuple[int, str, list[str]]] = {}
        for name, path in self.executables.items():
            main = ROOT / path / "main.swift"
            if not main.exists():
                continue
            text = main.read_text()
            port = re.search(r"defaultPort:\s*(\d+)", text)
            service = re.search(r"ServiceEnvironment\(service:\s*\"([\w-]+)\"\)", text)
            if not (port and service):
                continue
            owners = []
            if re.search(r"environment\.database\(\)", text):
                owners.append(service.group(1))
            owners += re.findall(r"environment\.database\(owner:\s*\"(\w+)\"", text)
            self.services[name] = (int(port.group(1)), service.group(1), owners)
        self.tools = sorted(set(self.executables) - set(self.services))
        # Variables read: string literals in Services/ and Shared/, and the per-service
        # database URL built from the ServiceEnvironment's name.
        self.variables: set[str] = set()
        names = set()
        dynamic_database_url = False
        for source in sorted([*ROOT.glob("Services/**/*.swift"), *ROOT.glob("Shared/**/*.swift")]):
            text = source.read_text()
            self.variables.update(re.findall(r"\"((?:HANGAR|AWS)_[A-Z0-9_]+)\"", text))
            names.update(re.findall(r"ServiceEnvironment\(service:\s*\"([\w-]+)\"", text))
            if "HANGAR_\\(owner.uppercased())_DATABASE_URL" in text:
                dynamic_database_url = True
        if dynamic_database_url:
            self.variables.update(f"HANGAR_{name.upper()}_DATABASE_URL" for name in names if "-" not in name)


# MARK: The Dockerfile and .dockerignore


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(instruction, arguments) with continuation lines joined and comments dropped."""
    instructions, current = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#") or (not stripped and not current):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        current += stripped
        if current:
            word, _, rest = current.partition(" ")
            instructions.append((word.upper(), rest.strip()))
        current = ""
    return instructions


class DockerIgnore:
    """Docker's .dockerignore matching (moby/patternmatcher): the last pattern matching a path
    or one of its parent folders decides; `!` re-includes."""

    def __init__(self, text: str) -> None:
        self.patterns: list[tuple[re.Pattern, bool]] = []
        for line in text.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            exclusion = line.startswith("!")
            pattern = line[1:].strip() if exclusion else line
            pattern = pattern.lstrip("/").removeprefix("./").rstrip("/")
            self.patterns.append((re.compile("^" + self._regex(pattern) + "$"), exclusion))

    @staticmethod
    def _regex(pattern: str) -> str:
        out, i = "", 0
        while i < len(pattern):
            c = pattern[i]
            if pattern.startswith("**/", i):
                out, i = out + "(?:.*/)?", i + 3
            elif pattern.startswith("**", i):
                out, i = out + ".*", i + 2
            elif c == "*":
                out, i = out + "[^/]*", i + 1
            elif c == "?":
                out, i = out + "[^/]", i + 1
            else:
                out, i = out + re.escape(c), i + 1
        return out

    def excluded(self, path: str) -> bool:
        parts = path.split("/")
        candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        result = False
        for regex, exclusion in self.patterns:
            if any(regex.match(candidate) for candidate in candidates):
                result = not exclusion
        return result


# MARK: Compose helpers


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return {k: (None if v is None else str(v)) for k, v in env.items()}


def env_files(service: dict) -> list[str]:
    files = service.get("env_file") or []
    if isinstance(files, str):
        files = [files]
    return [f if isinstance(f, str) else f["path"] for f in files]


def parse_env_file(path: Path) -> tuple[dict[str, str], set[str]]:
    """KEY=VALUE lines, and the names of commented-out settings (#KEY=)."""
    values, commented = {}, set()
    for line in path.read_text().splitlines():
        line = line.strip()
        if match := re.match(r"^#\s*([A-Z][A-Z0-9_]*)=", line):
            commented.add(match.group(1))
        elif line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    return values, commented


def command_of(service: dict) -> str | None:
    command = service.get("command")
    if isinstance(command, str):
        command = command.split()
    return command[0] if command else None


def mounts(service: dict) -> list[dict]:
    """Each volume of a service as {type, source, target}."""
    result = []
    for volume in service.get("volumes") or []:
        if isinstance(volume, str):
            parts = volume.split(":")
            if len(parts) == 1:
                result.append({"type": "anonymous", "source": None, "target": parts[0]})
            else:
                source = parts[0]
                kind = "bind" if source.startswith((".", "/", "~")) else "volume"
                result.append({"type": kind, "source": source, "target": parts[1]})
        else:
            result.append({"type": volume.get("type", "volume"), "source": volume.get("source"), "target": volume["target"]})
    return result


def under(path: str, folder: str) -> bool:
    folder = folder.rstrip("/")
    return path == folder or path.startswith(folder + "/")


def mount_of(service: dict, path: str) -> dict | None:
    candidates = [m for m in mounts(service) if under(path, m["target"])]
    return max(candidates, key=lambda m: len(m["target"])) if candidates else None


def published(service: dict) -> list[tuple[str | None, str]]:
    """(host address, container port) of each published port."""
    result = []
    for port in service.get("ports") or []:
        if isinstance(port, dict):
            result.append((port.get("host_ip"), str(port.get("target"))))
            continue
        text = str(port)
        if text.startswith("["):
            address, _, rest = text[1:].partition("]:")
            parts = [address, *rest.split(":")]
        else:
            parts = text.split(":")
        if len(parts) == 3:
            result.append((parts[0], parts[2].split("/")[0]))
        else:
            result.append((None, parts[-1].split("/")[0]))
    return result


def targets_of(job: dict) -> list[tuple[str, int]]:
    """(host, port) of a scrape job's static and DNS targets."""
    result = []
    for static in job.get("static_configs") or []:
        for target in static.get("targets") or []:
            host, _, port = str(target).rpartition(":")
            result.append((host, int(port) if port.isdigit() else -1))
    for dns in job.get("dns_sd_configs") or []:
        for name in dns.get("names") or []:
            result.append((name, int(dns.get("port", -1))))
    return result


# MARK: The checks


class Checker:
    def __init__(self, sources: Sources, compose: dict, quiet: bool = False) -> None:
        self.sources = sources
        self.compose = compose
        self.quiet = quiet
        self.passed = 0
        self.failed = 0
        self.failures: list[str] = []
        self.duplicates: dict[str, list[str]] = {}
        self.dockerfile = DOCKERFILE.read_text()
        self.instructions = dockerfile_instructions(self.dockerfile)
        self.ignore = DockerIgnore(DOCKERIGNORE.read_text()) if DOCKERIGNORE.exists() else DockerIgnore("")
        self.image_env = {}
        for word, args in self.instructions:
            if word == "FROM":
                self.image_env = {}
            elif word == "ENV":
                self.image_env.update(re.findall(r"([A-Z_][A-Z0-9_]*)=(\S+)", args))

    def check(self, description: str, ok: bool, detail: str = "") -> bool:
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            self.failures.append(description)
        if not self.quiet:
            print(f"{'ok  ' if ok else 'FAIL'} {description}" + (f": {detail}" if detail else ""))
        return ok

    def section(self, title: str) -> None:
        if not self.quiet:
            print(title)

    def services(self) -> dict[str, dict]:
        return self.compose.get("services") or {}

    def env_file_values(self, service: dict) -> tuple[dict[str, str], set[str]]:
        """The settings of a service's env files: the real file where it exists, else its example."""
        values, commented = {}, set()
        for name in env_files(service):
            path = ROOT / name
            source = path if path.exists() else Path(str(path) + ".example")
            if source.exists():
                file_values, file_commented = parse_env_file(source)
                values.update(file_values)
                commented |= file_commented
        return values, commented

    def settings(self, service: dict) -> dict[str, str]:
        values, _ = self.env_file_values(service)
        values.update({k: v for k, v in environment(service).items() if v is not None})
        return {k: v for k, v in values.items() if v != ""}

    def hangar_services(self) -> dict[str, tuple[str, dict]]:
        """executable -> (compose name, service) for the Hangar services found in compose."""
        found = {}
        for name, service in self.services().items():
            executable = command_of(service)
            if executable in self.sources.services:
                found.setdefault(executable, []).append((name, service))
        self.duplicates = {k: [n for n, _ in v] for k, v in found.items() if len(v) > 1}
        return {k: v[0] for k, v in found.items()}

    def metrics_port(self, executable: str, service: dict) -> int | None:
        value = environment(service).get("HANGAR_METRICS_PORT")
        if value is None:
            return self.sources.services[executable][0]
        return int(value) if value.isdigit() else None

    # -- the image

    def check_image(self) -> None:
        self.section("== the image (deploy/container/Dockerfile, Package.resolved, .dockerignore)")
        tracked = git("ls-files", "--error-unmatch", "Package.resolved").returncode == 0
        ignored = git("check-ignore", "-q", "Package.resolved").returncode == 0
        self.check("Package.resolved is committed (tracked by git, not ignored)", tracked and not ignored)
        resolved = (ROOT / "Package.resolved").read_text().lower()
        normalize = lambda url: url.lower().removesuffix(".git")  # noqa: E731
        urls = re.findall(r"\.package\(url:\s*\"([^\"]+)\"", self.sources.manifest)
        missing = [u for u in urls if normalize(u) not in resolved]
        self.check(f"Package.resolved pins all {len(urls)} dependencies of Package.swift", not missing, ", ".join(missing))

        stages = {args.split()[-1].lower() for word, args in self.instructions if word == "FROM" and " as " in args.lower()}
        bases = [args.split()[0] for word, args in self.instructions if word == "FROM"]
        for base in bases:
            if base.lower() in stages:
                continue
            self.check(f"base image {base} is pinned to a version", bool(re.search(r":v?\d+\.\d+", base)) and "latest" not in base)
        runs = " ".join(args for word, args in self.instructions if word == "RUN")
        swift_calls = re.findall(r"swift (?:build|package resolve)[^;&|]*", runs)
        unforced = [c for c in swift_calls if "--force-resolved-versions" not in c]
        self.check(
            f"every swift build / package resolve ({len(swift_calls)}) uses the committed Package.resolved (--force-resolved-versions)",
            bool(swift_calls) and not unforced, "; ".join(unforced))
        copies = [args for word, args in self.instructions if word == "COPY"]
        self.check("Package.resolved is copied into the build", any("Package.resolved" in c and "--from" not in c for c in copies))
        products = re.search(r"products=\"([^\"]+)\"", runs)
        built = set(products.group(1).split()) if products else set()
        shipped = set(self.sources.executables)
        self.check(
            f"the image builds and copies every shipped executable ({', '.join(sorted(shipped))})",
            built == shipped, f"built {sorted(built)}")
        self.check("the image copies the executables' resource bundles (*.resources)", ".resources" in runs)
        final = self.instructions[max(i for i, (w, _) in enumerate(self.instructions) if w == "FROM"):]
        users = [args for word, args in final if word == "USER"]
        self.check("the final stage runs as a non-root USER", bool(users) and users[-1].split(":")[0] not in ("root", "0"), str(users))
        health = [args for word, args in final if word == "HEALTHCHECK"]
        self.check("the final stage has a HEALTHCHECK", bool(health) and "NONE" not in health[-1].upper().split())
        if health and "hangar-healthcheck" in health[-1]:
            probe = [c for c in copies if c.split()[-1].endswith("/hangar-healthcheck")]
            source = probe[0].split()[-2] if probe else ""
            if self.check("the HEALTHCHECK's probe is copied into the image", bool(probe) and (ROOT / source).exists(), source):
                defaults = {e: int(p) for e, p in re.findall(r"\*(hangar-[\w-]+)\*\)\s*port=(\d+)", (ROOT / source).read_text())}
                expected = {e: port for e, (port, _, _) in self.sources.services.items()}
                self.check(f"{source} knows each service's default metrics port", defaults == expected, str(defaults))

        # .dockerignore
        self.check(".dockerignore exists", DOCKERIGNORE.exists())
        for path in [".build/release/hangar-intake", ".hangar/data/scheduler.sqlite", "Shared/.build/x"]:
            self.check(f".dockerignore excludes {path}", self.ignore.excluded(path))
        for name in sorted({f for s in self.services().values() for f in env_files(s)}):
            self.check(f".dockerignore excludes the env file {name}", self.ignore.excluded(name))
        copy_sources = []
        for c in copies:
            parts = [p for p in c.split() if not p.startswith("--")]
            if "--from" in c:
                continue
            copy_sources += parts[:-1]
        for source in copy_sources:
            self.check(f"the COPY source {source} is in the build context", (ROOT / source).exists() and not self.ignore.excluded(source))
        target_paths = sorted({p for p in self.sources.targets.values()})
        uncopied = [p for p in target_paths if not any(under(p, s.rstrip("/")) for s in copy_sources)]
        self.check(f"the COPYs cover all {len(target_paths)} target folders of Package.swift", not uncopied, ", ".join(uncopied))
        files = git("ls-files", "--", *target_paths).stdout.split()
        left_out = [f for f in files if self.ignore.excluded(f)]
        self.check(f"the build context holds every tracked file of those targets ({len(files)})", bool(files) and not left_out, ", ".join(left_out[:5]))

    # -- the services

    def check_services(self) -> None:
        self.section("== the services (docker-compose.yml)")
        found = self.hangar_services()
        queue_types = {}
        for executable in sorted(self.sources.services):
            if not self.check(f"{executable} runs in docker-compose.yml, as one service (scaled by replicas)",
                              executable in found and executable not in self.duplicates, str(self.duplicates.get(executable, ""))):
                continue
            name, service = found[executable]
            env = environment(service)
            settings = self.settings(service)
            built = (service.get("build") or {}) if isinstance(service.get("build"), dict) else {}
            self.check(f"{name}: built from deploy/container/Dockerfile", built.get("dockerfile") == "deploy/container/Dockerfile")
            self.check(f"{name}: HANGAR_METRICS_HOST=0.0.0.0 (Prometheus reaches it)", env.get("HANGAR_METRICS_HOST") == "0.0.0.0",
                       str(env.get("HANGAR_METRICS_HOST")))
            port = self.metrics_port(executable, service)
            self.check(f"{name}: its metrics port is a number ({port})", port is not None)
            health = service.get("healthcheck") or {}
            test = health.get("test") or []
            test = " ".join(test) if isinstance(test, list) else str(test)
            urls = re.findall(r"https?://(?:127\.0\.0\.1|localhost|\[::1\]):(\d+)/health/ready", test)
            self.check(f"{name}: healthcheck GETs /health/ready on its metrics port {port}",
                       not health.get("disable") and bool(urls) and all(int(u) == port for u in urls), test or "none")
            exposed = [(host, target) for host, target in published(service) if target == str(port)]
            self.check(f"{name}: its metrics port is not published", not exposed, str(exposed))
            for required in REQUIRED["*"] + REQUIRED.get(executable, []):
                self.check(f"{name}: {required} is set", required in settings)
            queue_types[name] = settings.get("HANGAR_QUEUE_TYPE", "classic")
        self.check("every Hangar service has the same HANGAR_QUEUE_TYPE", len(set(queue_types.values())) <= 1, str(queue_types))

        for name, service in self.services().items():
            executable = command_of(service)
            if executable in self.sources.tools:
                self.check(f"{name}: the tool {executable} runs only on demand (a profile)", bool(service.get("profiles")))
            elif not service.get("profiles"):
                health = service.get("healthcheck") or {}
                self.check(f"{name}: has a healthcheck", bool(health.get("test")) and not health.get("disable"))
            for host, target in published(service):
                self.check(f"{name}: port {target} is published on loopback only", host in ("127.0.0.1", "::1"), str(host))
            image = service.get("image", "")
            if image and not service.get("build"):
                self.check(f"{name}: image {image} is pinned to a version", bool(re.search(r":v?\d+\.\d+", image)) and "latest" not in image)

    # -- state on volumes

    def check_state(self) -> None:
        self.section("== state on volumes")
        declared = set((self.compose.get("volumes") or {}).keys())
        owners_volume: dict[str, tuple[str, str]] = {}  # store owner -> (volume, path) where it lives

        def on_volume(name: str, service: dict, path: str, what: str) -> dict | None:
            mount = mount_of(service, path)
            ok = mount is not None and (
                (mount["type"] == "volume" and mount["source"] in declared) or mount["type"] == "bind")
            where = f"{mount['type']} {mount['source']}" if mount else "the container's own file system"
            self.check(f"{name}: {what} {path} lies on a named volume", ok, "" if ok else where)
            return mount if ok else None

        found = self.hangar_services()
        for executable, (name, service) in sorted(found.items()):
            settings = self.settings(service)
            data = settings.get("HANGAR_DATA_DIR") or self.image_env.get("HANGAR_DATA_DIR", "./.hangar/data")
            _, service_name, owners = self.sources.services[executable]
            for owner in owners:
                url = settings.get(f"HANGAR_{owner.upper()}_DATABASE_URL") or settings.get("HANGAR_DATABASE_URL")
                if url and not url.startswith("sqlite"):
                    self.check(f"{name}: the {owner} store is in PostgreSQL ({url.split('@')[-1]})", url.startswith("postgres"))
                    continue
                path = f"{data}/{owner}.sqlite"
                mount = on_volume(name, service, path, f"the {owner} store")
                if mount and owner == service_name:
                    owners_volume[owner] = (mount["source"], mount["target"])
            if executable == "hangar-notifier":
                on_volume(name, service, settings.get("HANGAR_NOTIFIER_OUTBOX") or f"{data}/outbox", "the email outbox")
                on_volume(name, service, f"{data}/webhook-secret", "the webhook key")
            if executable == "hangar-worker":
                servers = settings.get("HANGAR_SIMULATED_SERVERS_FILE") or f"{data}/simulated-servers.json"
                if servers != "off":
                    on_volume(name, service, servers, "the simulated servers' file")
        # A store read by another service (intake reads the recorder's history) must be the same volume.
        for executable, (name, service) in sorted(found.items()):
            settings = self.settings(service)
            data = settings.get("HANGAR_DATA_DIR") or self.image_env.get("HANGAR_DATA_DIR", "./.hangar/data")
            _, service_name, owners = self.sources.services[executable]
            for owner in owners:
                if owner == service_name or owner not in owners_volume:
                    continue
                mount = mount_of(service, f"{data}/{owner}.sqlite")
                self.check(f"{name}: reads the {owner} store from the volume it is written to",
                           mount is not None and mount["source"] == owners_volume[owner][0])
        for name, service in self.services().items():
            image = service.get("image", "")
            for prefix, path in INFRA_STATE.items():
                if image.split(":")[0] == prefix:
                    on_volume(name, service, path, "its data")

    # -- secrets and variables

    def check_settings(self) -> None:
        self.section("== secrets and settings")
        all_files = sorted({f for s in self.services().values() for f in env_files(s)})
        for name in all_files:
            example = Path(str(ROOT / name) + ".example")
            ignored = git("check-ignore", "-q", name).returncode == 0
            self.check(f"{name} is git-ignored, with a committed example",
                       ignored and example.exists() and git("check-ignore", "-q", name + ".example").returncode != 0)
            if example.exists():
                values, _ = parse_env_file(example)
                real = [k for k, v in values.items() if SECRET_NAMES.match(k) and v and "CHANGE-ME" not in v]
                self.check(f"{name}.example holds placeholders only (CHANGE-ME or empty)", not real, ", ".join(real))
        for name, service in self.services().items():
            inline = [k for k in environment(service) if SECRET_NAMES.match(k)]
            self.check(f"{name}: no secret in docker-compose.yml (env files only)", not inline, ", ".join(inline))
        used = {}
        for name, service in self.services().items():
            values, commented = self.env_file_values(service)
            for key in [*environment(service), *values, *commented]:
                if key.startswith(("HANGAR_", "AWS_")):
                    used.setdefault(key, set()).add(name)
        unknown = {k: sorted(v) for k, v in used.items() if k not in self.sources.variables}
        self.check(f"every HANGAR_*/AWS_* variable set ({len(used)}) is read by Services/ or Shared/",
                   bool(used) and not unknown, str(unknown))

    # -- Prometheus

    def check_prometheus(self) -> None:
        self.section("== Prometheus")
        candidates = [(n, s) for n, s in self.services().items() if str(s.get("image", "")).startswith("prom/prometheus")]
        if not self.check("a Prometheus service runs in docker-compose.yml", bool(candidates)):
            return
        name, service = candidates[0]
        command = service.get("command") or []
        config_path = next((c.split("=", 1)[1] for c in command if c.startswith("--config.file=")), "/etc/prometheus/prometheus.yml")

        def repo_file(target: str) -> Path | None:
            mount = mount_of(service, target)
            if not mount or mount["type"] != "bind" or mount["target"] != target:
                return None
            path = (ROOT / mount["source"]).resolve()
            return path if path.is_file() else None

        config_file = repo_file(config_path)
        if not self.check(f"{name}: its config {config_path} is mounted from the repository", config_file is not None):
            return
        config = load_yaml(config_file)
        for rule in config.get("rule_files") or []:
            self.check(f"{name}: the rule file {rule} is mounted from the repository", repo_file(rule) is not None)
        jobs = {job["job_name"]: job for job in config.get("scrape_configs") or []}
        found = self.hangar_services()
        for executable in sorted(self.sources.services):
            job = jobs.get(executable)
            if not self.check(f"{config_file.relative_to(ROOT)} has the job {executable}", job is not None):
                continue
            if executable not in found:
                continue
            compose_name, service_def = found[executable]
            port = self.metrics_port(executable, service_def)
            targets = targets_of(job)
            self.check(f"job {executable} scrapes {compose_name}:{port}",
                       bool(targets) and all(t == (compose_name, port) for t in targets), str(targets))
        stale = [j for j in jobs if j.startswith("hangar-") and j not in self.sources.services]
        self.check("no hangar-* job without a service", not stale, ", ".join(stale))
        brokers = [n for n, s in self.services().items() if str(s.get("image", "")).startswith("rabbitmq:")]
        broker_targets = [t for job in jobs.values() for t in targets_of(job)]
        self.check(f"the broker's rabbitmq_prometheus endpoint ({', '.join(brokers)}:{RABBITMQ_PROMETHEUS_PORT}) is scraped",
                   bool(brokers) and all((b, RABBITMQ_PROMETHEUS_PORT) in broker_targets for b in brokers))

    def run(self) -> None:
        self.check_image()
        self.check_services()
        self.check_state()
        self.check_settings()
        self.check_prometheus()


# MARK: Self-test: each defect must be caught


def self_test(sources: Sources, compose: dict) -> list[str]:
    """Breaks copies of the compose file, one defect each; returns the defects not caught by
    the check meant for them."""

    def service(c, executable):
        return next(s for s in c["services"].values() if command_of(s) == executable)

    def drop_healthcheck(c):
        service(c, "hangar-scheduler").pop("healthcheck", None)

    def loopback_metrics(c):
        service(c, "hangar-worker")["environment"]["HANGAR_METRICS_HOST"] = "127.0.0.1"

    def no_notifier_volume(c):
        service(c, "hangar-notifier").pop("volumes", None)

    def unknown_variable(c):
        service(c, "hangar-intake")["environment"]["HANGAR_NOT_A_SETTING"] = "1"

    def public_port(c):
        service(c, "hangar-intake")["ports"] = ["8080:8080"]

    def secret_inline(c):
        service(c, "hangar-intake")["environment"]["HANGAR_TOKENS"] = "admin:admin:secret"

    def moved_metrics_port(c):
        service(c, "hangar-worker")["environment"]["HANGAR_METRICS_PORT"] = "9199"

    def sqlite_without_volume(c):
        s = service(c, "hangar-recorder")
        s["env_file"] = ["deploy/container/env/hangar.env"]

    def unpinned_image(c):
        c["services"]["postgres"]["image"] = "postgres:latest"

    # Each defect with (part of) the description of the check that must fail.
    defects = [
        (drop_healthcheck, "scheduler: has a healthcheck"),
        (loopback_metrics, "worker: HANGAR_METRICS_HOST=0.0.0.0"),
        (no_notifier_volume, "notifier: the email outbox"),
        (unknown_variable, "variable set"),
        (public_port, "intake: port 8080 is published on loopback only"),
        (secret_inline, "intake: no secret in docker-compose.yml"),
        (moved_metrics_port, "job hangar-worker scrapes worker:9199"),
        (sqlite_without_volume, "recorder: the recorder store"),
        (unpinned_image, "postgres: image postgres:latest is pinned"),
    ]
    missed = []
    for defect, expected in defects:
        broken = copy.deepcopy(compose)
        for s in broken["services"].values():  # unshare the merged anchors
            if isinstance(s.get("environment"), dict):
                s["environment"] = dict(s["environment"])
        defect(broken)
        checker = Checker(sources, broken, quiet=True)
        checker.run()
        if not any(expected in failure for failure in checker.failures):
            missed.append(defect.__name__)
    return missed


def main() -> int:
    sources = Sources()
    compose = load_yaml(COMPOSE)
    print("Hangar services (from their sources): "
          + ", ".join(f"{e} :{p}" for e, (p, _, _) in sorted(sources.services.items()))
          + f"; tools: {', '.join(sources.tools)}; {len(sources.variables)} variables read")
    checker = Checker(sources, compose)
    checker.run()
    if "--self-test" in sys.argv[1:]:
        missed = self_test(sources, compose)
        checker.check("self-test: each of 9 defects broken into a copy of the compose file is caught", not missed,
                      ("missed " + ", ".join(missed)) if missed else "")
    print(f"container: {checker.passed} passed, {checker.failed} failed")
    return 1 if checker.failed else 0


if __name__ == "__main__":
    sys.exit(main())
