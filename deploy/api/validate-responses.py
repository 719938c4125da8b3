#!/usr/bin/env python3
"""Checks HTTP responses recorded by the end-to-end tests against the API document.

    validate-responses.py DOCUMENT RESPONSES.jsonl

RESPONSES.jsonl has one JSON object per response, as Tests/Harness writes them when
HANGAR_TEST_RESPONSE_LOG names a file: method, path, query, status, contentType, body.

Every response to a documented operation must be documented for its status and content
type, and its body must match the schema (openapi-core). A path the document does not have
must have answered 404, a method a documented path does not take 405. Prints what it checked,
the operations no test reached, and each kind of mismatch with a count and one example;
exits 1 on any mismatch.
"""
import json
import re
import sys
from collections import defaultdict
from urllib.parse import parse_qsl

import yaml

from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def templates(document):
    """Each documented path as a regular expression, most literal segments first."""
    compiled = []
    for path, item in document["paths"].items():
        pattern = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path)) + "$"
        literal = sum(1 for part in path.split("/") if part and not part.startswith("{"))
        compiled.append((literal, path, re.compile(pattern), item))
    compiled.sort(key=lambda entry: -entry[0])
    return compiled


def events(stream):
    """The Server-Sent Events of a stream's text, each as {event, data, id, retry}; comments and
    blocks without data (the opening `retry:`) are left out."""
    found = []
    for block in stream.replace("\r\n", "\n").split("\n\n"):
        event = {}
        data = []
        for line in block.split("\n"):
            if not line or line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "data":
                data.append(value)
            elif name == "retry" and value.isdigit():
                event["retry"] = int(value)
            elif name in ("event", "id"):
                event[name] = value
        if data:
            event["data"] = "\n".join(data)
            found.append(event)
    return found


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    document_path, log_path = sys.argv[1], sys.argv[2]
    # Problem details are JSON too (RFC 9457); openapi-core knows only application/json by itself.
    # An event stream's schema describes one event (as schemathesis reads it too): each event is
    # handed over on its own, as JSON.
    config = Config(extra_media_type_deserializers={
        "application/problem+json": json.loads,
        "text/event-stream": json.loads,
    })
    openapi = OpenAPI.from_file_path(document_path, config=config)  # also validates the document itself
    with open(document_path) as file:
        document = yaml.safe_load(file)
    host = document["servers"][0]["url"]
    paths = templates(document)
    operations = {(m, p) for p, item in document["paths"].items() for m in item if m in METHODS}

    checked = 0
    reached = set()
    failures = defaultdict(list)
    with open(log_path) as file:
        records = [json.loads(line) for line in file if line.strip()]
    for record in records:
        method = record["method"].lower()
        path = record["path"]
        status = record["status"]
        match = next(((p, item) for _, p, regex, item in paths if regex.match(path)), None)
        if match is None:
            if status != 404:
                failures[f"{method.upper()} {path}: not in the document, yet answered {status}"].append(record)
            continue
        template, item = match
        if method not in item:
            if status not in (404, 405):
                failures[f"{method.upper()} {template}: method not in the document, yet answered {status}"].append(record)
            continue
        reached.add((method, template))
        request = MockRequest(host, method, path, args=dict(parse_qsl(record.get("query") or "")))
        content_type = (record.get("contentType") or "").split(";")[0].strip()
        if content_type == "text/event-stream" and status == 200:
            bodies = [json.dumps(event) for event in events(record["body"])]
        else:
            bodies = [record["body"]]
        checked += 1
        try:
            for body in bodies:
                response = MockResponse(
                    data=body.encode(), status_code=status, content_type=content_type or None,
                    headers={"Content-Type": record.get("contentType") or ""})
                openapi.validate_response(request, response)
        except Exception as error:  # noqa: BLE001 - every kind of mismatch is reported
            reason = str(error).splitlines()[0][:200]
            causes = []
            cause = error
            while cause is not None and len(causes) < 4:
                details = getattr(cause, "schema_errors", None)
                if details:
                    causes.extend(e.message[:200] for e in details[:3])
                cause = cause.__cause__ or cause.__context__
            failures[f"{method.upper()} {template} {status} {content_type}: {reason} {'; '.join(causes)}"].append(record)

    print(f"{checked} responses to documented operations checked, {len(records)} recorded")
    unreached = sorted(operations - reached)
    print(f"{len(reached)} of {len(operations)} operations reached by the tests")
    for method, path in unreached:
        print(f"  not reached: {method.upper()} {path}")
    if failures:
        print(f"{len(failures)} kinds of mismatch:")
        for reason, examples in sorted(failures.items(), key=lambda entry: -len(entry[1])):
            example = examples[0]
            print(f"- {len(examples)}× {reason}")
            print(f"    e.g. {example['method']} {example['path']}?{example.get('query') or ''} → {example['body'][:300]}")
        sys.exit(1)
    print("every response matches the document")


if __name__ == "__main__":
    main()
