#!/usr/bin/env bash
# Checks the Swift sources against the repository's .swift-format (swift-format ships with the
# toolchain). CI runs it first; `swift format format -i -r Shared Services Tests Benchmarks
# Package.swift` fixes almost everything it reports.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
swift format lint --strict --recursive --parallel Shared Services Tests Benchmarks Package.swift
echo "== swift format lint: clean"
