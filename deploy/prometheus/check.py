#!/usr/bin/env python3
"""Helpers of deploy/prometheus/test.sh (Python 3 standard library only).

  check.py ports N                      N free TCP ports on 127.0.0.1, one a line
  check.py dashboard FILE               checks the Grafana dashboard's structure and prints its
                                        queries as a Prometheus rules file (JSON), for
                                        `promtool check rules` to parse every expression
  check.py live URL DASHBOARD RULES [SINCE]
                                        against the Prometheus at URL, which loaded the alerting
                                        rules file RULES: every target up, every rule loaded and
                                        healthy, every dashboard and alert expression evaluates
                                        without error, and every series they read exists (each
                                        metric name, each selector with its label matchers, and
                                        each label an aggregation groups by). Prints tables;
                                        exits 1 when anything is missing or failing.
                                        With SINCE (epoch seconds), first waits until every
                                        target was scraped and every rule evaluated after it.

The expressions and the metric names are taken from the files themselves (a small PromQL
tokenizer finds the selectors), never from a list kept here.
"""

import json
import os
import re
import socket
import sys
import urllib.error
import urllib.parse
import urllib.request

# What Grafana's built-in variables become when an expression is run outside Grafana.
GRAFANA_BUILTINS = {"__rate_interval": "1m", "__interval": "15s", "__range": "5m", "__range_s": "300"}

AGGREGATORS = {
    "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
    "bottomk", "topk", "quantile",
}
KEYWORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or",
    "unless", "offset", "atan2", "start", "end", "inf", "nan",
}

TOKEN = re.compile(
    r"""
    (?P<space>\s+|\#[^\n]*)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)
  | (?P<duration>(?:\d+(?:ms|s|m|h|d|w|y))+(?![\w.]))
  | (?P<number>0x[0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<ident>[A-Za-z_:][A-Za-z0-9_:]*)
  | (?P<op>=~|!~|!=|==|<=|>=|[-+*/%^<>=(){}\[\],:@])
  """,
    re.VERBOSE,
)


def tokenize(expr):
    tokens, pos = [], 0
    while pos < len(expr):
        match = TOKEN.match(expr, pos)
        if not match:
            raise ValueError(f"cannot read the expression at {expr[pos:pos + 20]!r}")
        pos = match.end()
        if match.lastgroup != "space":
            tokens.append((match.lastgroup, match.group()))
    return tokens


class Selector:
    """A vector selector: a metric name and its label matchers."""

    def __init__(self, name, matchers):
        self.name = name
        self.matchers = matchers  # [(label, op, quoted value)]
        self.group_labels = set()  # the labels of `by (…)` clauses over it

    def text(self, extra=()):
        matchers = [f"{label}{op}{value}" for label, op, value in list(self.matchers) + list(extra)]
        return f"{self.name or ''}{{{', '.join(matchers)}}}" if matchers else self.name


def selectors(expr):
    """The vector selectors of a PromQL expression, each with the labels that the
    aggregations enclosing it group by (`by`, not `without`)."""
    tokens = tokenize(expr)
    found = []
    frames = []  # open aggregations: [paren depth of their arguments, labels, selectors]
    depth = 0
    i = 0

    def label_list(i):
        # tokens[i] is "(": reads "(a, b)"; returns (labels, index after ")")
        labels = []
        i += 1
        while tokens[i][1] != ")":
            if tokens[i][0] in ("ident", "string"):
                labels.append(tokens[i][1].strip("\"'`"))
            i += 1
        return labels, i + 1

    def peek(i):
        return tokens[i][1] if i < len(tokens) else None

    while i < len(tokens):
        kind, text = tokens[i]
        if kind == "ident" and text in AGGREGATORS and peek(i + 1) in ("(", "by", "without"):
            labels = []
            i += 1
            if tokens[i][1] in ("by", "without"):
                keyword = tokens[i][1]
                grouping, i = label_list(i + 1)
                labels = grouping if keyword == "by" else []
            # tokens[i] is the "(" of the arguments
            depth += 1
            frames.append([depth, set(labels), []])
            i += 1
            continue
        if kind == "ident" and text in ("on", "ignoring", "group_left", "group_right") and peek(i + 1) == "(":
            _, i = label_list(i + 1)
            continue
        if kind == "ident" and text in KEYWORDS:
            i += 1
            continue
        if kind == "ident" and peek(i + 1) == "(":  # a function
            i += 1
            continue
        if text == "(":
            depth += 1
        elif text == ")":
            if frames and frames[-1][0] == depth:
                _, labels, members = frames.pop()
                if peek(i + 1) in ("by", "without"):
                    grouping, end = label_list(i + 2)
                    if peek(i + 1) == "by":
                        labels |= set(grouping)
                    i = end - 1
                for selector in members:
                    selector.group_labels |= labels
            depth -= 1
        elif text == "[":  # a range or a subquery's range: skip to "]"
            while tokens[i][1] != "]":
                i += 1
        elif kind == "ident" or text == "{":
            name = text if kind == "ident" else None
            matchers = []
            if kind == "ident" and peek(i + 1) == "{":
                i += 1
            if tokens[i][1] == "{":
                i += 1
                while tokens[i][1] != "}":
                    if tokens[i][1] == ",":
                        i += 1
                        continue
                    label, op, value = tokens[i][1], tokens[i + 1][1], tokens[i + 2][1]
                    if op not in ("=", "!=", "=~", "!~"):
                        raise ValueError(f"cannot read the matcher {label}{op}{value} in {expr}")
                    matchers.append((label, op, value))
                    i += 3
            selector = Selector(name, matchers)
            found.append(selector)
            for frame in frames:
                frame[2].append(selector)
        i += 1
    return found


# ---------------------------------------------------------------------------------------
# The Grafana dashboard


def panels(dashboard):
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", [])  # collapsed rows keep their panels inside


def substitute(expr, variables):
    def replace(match):
        name = match.group(1) or match.group(2)
        if name in GRAFANA_BUILTINS:
            return GRAFANA_BUILTINS[name]
        if name not in variables:
            raise KeyError(name)
        return variables[name]

    return re.sub(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)", replace, expr)


def dashboard_queries(path):
    """[(where, PromQL expression)] of the dashboard's panels and variables, with the
    variables replaced; raises ValueError naming every structural problem."""
    with open(path) as file:
        dashboard = json.load(file)
    problems = []
    inputs = {item.get("name"): item for item in dashboard.get("__inputs", [])}
    if inputs.get("DS_PROMETHEUS", {}).get("pluginId") != "prometheus":
        problems.append("no __inputs entry DS_PROMETHEUS for a prometheus data source")
    variables, queries = {}, []
    for variable in dashboard.get("templating", {}).get("list", []):
        name = variable.get("name")
        if variable.get("type") == "datasource":
            variables[name] = "DS"
            continue
        # Not the "All" value (.*, which also matches series without the label): a value
        # that needs the label, so that a filter on a label the series lack is reported.
        variables[name] = ".+"
        if variable.get("datasource", {}).get("uid") != "${datasource}":
            problems.append(f"variable {name}: datasource is not ${{datasource}}")
        query = variable.get("query")
        query = query.get("query") if isinstance(query, dict) else query
        match = re.fullmatch(r"\s*label_values\((.+),\s*(\w+)\s*\)\s*", query or "")
        if not match:
            problems.append(f"variable {name}: expected label_values(<selector>, <label>), got {query!r}")
            continue
        # The variable needs series of the selector that carry its label.
        queries.append((f"variable ${name}", f"count by ({match.group(2)}) ({match.group(1)})"))
    if "datasource" not in variables:
        problems.append("no datasource variable named datasource")
    ids = set()
    for panel in panels(dashboard):
        title = panel.get("title", "?")
        if panel.get("type") == "row":
            continue
        if panel.get("id") in ids:
            problems.append(f"panel {title!r}: id {panel.get('id')} used twice")
        ids.add(panel.get("id"))
        for key in ("x", "y", "w", "h"):
            if not isinstance(panel.get("gridPos", {}).get(key), int):
                problems.append(f"panel {title!r}: gridPos.{key} missing")
        if panel.get("datasource", {}).get("uid") != "${datasource}":
            problems.append(f"panel {title!r}: datasource is not ${{datasource}}")
        targets = panel.get("targets", [])
        if not targets:
            problems.append(f"panel {title!r}: no queries")
        refs = [target.get("refId") for target in targets]
        if len(set(refs)) != len(refs) or None in refs:
            problems.append(f"panel {title!r}: refIds missing or repeated: {refs}")
        for target in targets:
            if target.get("datasource", panel.get("datasource")) != panel.get("datasource"):
                problems.append(f"panel {title!r} {target.get('refId')}: not the panel's datasource")
            expr = target.get("expr", "")
            if not expr.strip():
                problems.append(f"panel {title!r} {target.get('refId')}: empty expr")
                continue
            try:
                queries.append((f"panel {title!r} {target.get('refId')}", substitute(expr, variables)))
            except KeyError as unknown:
                problems.append(f"panel {title!r} {target.get('refId')}: unknown variable ${unknown.args[0]}")
    for where, expr in queries:
        try:
            if not [s for s in selectors(expr) if s.name]:
                problems.append(f"{where}: no metric found in {expr}")
        except (ValueError, IndexError) as error:
            problems.append(f"{where}: {error}")
    if problems:
        raise ValueError("\n".join(problems))
    return queries


def command_dashboard(path):
    try:
        queries = dashboard_queries(path)
    except (ValueError, json.JSONDecodeError) as error:
        print(f"{path}: {error}", file=sys.stderr)
        return 1
    rules = [{"record": f"dashboard:query_{n}", "expr": expr} for n, (_, expr) in enumerate(queries)]
    print(json.dumps({"groups": [{"name": "dashboard", "rules": rules}]}, indent=1))
    print(f"{path}: {len(queries)} queries", file=sys.stderr)
    return 0


# ---------------------------------------------------------------------------------------
# The live check


def api(url, path, **params):
    query = urllib.parse.urlencode(params, doseq=True)
    try:
        with urllib.request.urlopen(f"{url}/api/v1/{path}?{query}", timeout=30) as response:
            body = json.load(response)
    except urllib.error.HTTPError as error:
        body = json.load(error)
    if body.get("status") != "success":
        raise RuntimeError(f"{body.get('errorType')}: {body.get('error')}")
    return body["data"]


def table(rows, header):
    widths = [max(len(str(row[n])) for row in rows + [header]) for n in range(len(header))]
    for row in [header] + rows:
        print("  " + "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip())


def parse_time(text):
    # "2024-01-02T03:04:05.123456789Z" (Prometheus' RFC 3339 with nanoseconds) -> epoch seconds
    from datetime import datetime, timezone

    match = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)", text)
    if not match:
        return 0.0
    seconds = datetime.fromisoformat(match.group(1) + ("+00:00" if match.group(3) == "Z" else match.group(3)))
    return seconds.replace(tzinfo=seconds.tzinfo or timezone.utc).timestamp() + float("0." + (match.group(2) or "0"))


def wait_for_scrapes(url, since, timeout=30):
    """Waits until every target was scraped, and every rule group evaluated, after `since`
    (epoch seconds): then what happened before `since` is in Prometheus."""
    import time

    deadline = time.time() + timeout
    while True:
        targets = api(url, "targets")["activeTargets"]
        groups = api(url, "rules")["groups"]
        late = [t["scrapeUrl"] for t in targets if parse_time(t.get("lastScrape", "")) < since]
        late += [f"rule group {g['name']}" for g in groups if parse_time(g.get("lastEvaluation", "")) < since]
        if targets and not late:
            return
        if time.time() > deadline:
            print(f"  not scraped or evaluated since the workload ended (after {timeout} s): {', '.join(late)}")
            return
        time.sleep(0.25)


def command_live(url, dashboard_path, rules_path, since=None):
    failures = []
    if since:
        wait_for_scrapes(url, since)

    print("== scrape targets")
    targets = api(url, "targets")["activeTargets"]
    rows = []
    for target in sorted(targets, key=lambda t: (t["labels"]["job"], t["labels"]["instance"])):
        rows.append([target["health"], target["labels"]["job"], target["scrapeUrl"], target.get("lastError", "")])
        if target["health"] != "up":
            failures.append(f"target {target['scrapeUrl']} is {target['health']}: {target.get('lastError')}")
    table(rows, ["HEALTH", "JOB", "URL", "ERROR"])

    print("== alerting rules (evaluated by this Prometheus)")
    expressions = []
    rows = []
    loaded = 0
    for group in api(url, "rules")["groups"]:
        if os.path.realpath(group["file"]) != os.path.realpath(rules_path):
            continue
        for rule in group["rules"]:
            loaded += 1
            ok = rule["health"] == "ok" and not rule.get("lastError")
            rows.append(["ok" if ok else "ERROR", rule["name"], rule["state"], rule.get("lastError", "")])
            if not ok:
                failures.append(f"rule {rule['name']}: {rule['health']} {rule.get('lastError', '')}")
            expressions.append((f"alert {rule['name']}", rule["query"]))
    table(rows or [["-", "-", "-", "-"]], ["EVAL", "ALERT", "STATE", "ERROR"])
    if loaded == 0:
        failures.append(f"no rule of {rules_path} is loaded")
    expressions += dashboard_queries(dashboard_path)

    print(f"== expressions ({len(expressions)}): evaluated now")
    errors = 0
    for where, expr in expressions:
        try:
            api(url, "query", query=expr)
        except RuntimeError as error:
            errors += 1
            print(f"  ERROR  {where}: {error}\n         {expr}")
            failures.append(f"{where} does not evaluate: {error}")
    if not errors:
        print("  all evaluate without error")

    # Every selector, and every label grouped by, must match series.
    uses = {}  # (selector text, extra label or None) -> set of places
    names = {}  # metric name -> set of places
    for where, expr in expressions:
        for selector in selectors(expr):
            if not selector.name:
                continue
            names.setdefault(selector.name, set()).add(where)
            uses.setdefault((selector.text(), None), set()).add(where)
            for label in sorted(selector.group_labels):
                uses.setdefault((selector.text([(label, "!=", '""')]), label), set()).add(where)

    def count(match):
        return len(api(url, "series", **{"match[]": match}))

    print(f"== metric names ({len(names)})")
    rows = []
    for name in sorted(names):
        found = count(name)
        rows.append(["found" if found else "MISSING", found, name, len(names[name])])
        if not found:
            failures.append(f"no series of {name} (used by {', '.join(sorted(names[name]))})")
    table(rows, ["STATUS", "SERIES", "METRIC", "USES"])

    print(f"== selectors and grouping labels ({len(uses)}): only those without series")
    rows = []
    for (match, label), places in sorted(uses.items()):
        name = re.match(r"[\w:]+", match).group()
        if not count(name):
            continue  # already reported above
        if not count(match):
            what = f"label {label}" if label else "selector"
            rows.append(["MISSING", what, match, ", ".join(sorted(places))])
            failures.append(f"no series for {match} (used by {', '.join(sorted(places))})")
    if rows:
        table(rows, ["STATUS", "WHAT", "MATCH", "USED BY"])
    else:
        print("  every selector and grouping label has series")

    if failures:
        print(f"== FAILED ({len(failures)})")
        for failure in failures:
            print(f"  - {failure}")
        return 1
    print(f"== OK: {len(names)} metrics, {len(uses)} selectors, {len(expressions)} expressions")
    return 0


def command_ports(count):
    sockets = []
    for _ in range(count):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        sockets.append(s)
    for s in sockets:
        print(s.getsockname()[1])
        s.close()
    return 0


def main(argv):
    if len(argv) == 2 and argv[0] == "ports":
        return command_ports(int(argv[1]))
    if len(argv) == 2 and argv[0] == "dashboard":
        return command_dashboard(argv[1])
    if len(argv) in (4, 5) and argv[0] == "live":
        return command_live(argv[1].rstrip("/"), argv[2], argv[3], float(argv[4]) if len(argv) == 5 else None)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
