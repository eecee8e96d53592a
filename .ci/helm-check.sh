#!/usr/bin/env bash
# Lints the Helm chart and validates what it renders, for the defaults and every helm/keygate/ci/*.yaml example.
# helm and kubeconform are optional: a missing tool is reported as SKIPPED and the script still exits 0, because
# the chart's vitest checks (helm/keygate/tests) run everywhere and these tools are not installed on every machine.
# KUBE_VERSION picks the Kubernetes version to render and validate for; KUBECONFORM_SCHEMA_LOCATION adds a schema
# location (e.g. a local mirror) for machines without network access.
set -euo pipefail
cd "$(dirname "$0")/.."

chart=helm/keygate
kube_version="${KUBE_VERSION:-1.30.0}"
value_sets=("" "$chart"/ci/*.yaml)

if ! command -v helm >/dev/null 2>&1; then
  echo "helm-check: SKIPPED helm lint, helm template and kubeconform: helm is not on PATH."
  echo "helm-check: the chart was checked only by its vitest tests (values schema, template references, models file)."
  exit 0
fi

for values in "${value_sets[@]}"; do
  args=()
  if [[ -n "$values" ]]; then
    args=(-f "$values")
  fi
  echo "helm-check: helm lint ${values:-(default values)}"
  helm lint "$chart" "${args[@]}"
done

if ! command -v kubeconform >/dev/null 2>&1; then
  echo "helm-check: SKIPPED kubeconform: it is not on PATH (helm lint ran)."
  exit 0
fi

schema_args=(-schema-location default)
if [[ -n "${KUBECONFORM_SCHEMA_LOCATION:-}" ]]; then
  schema_args+=(-schema-location "$KUBECONFORM_SCHEMA_LOCATION")
fi
for values in "${value_sets[@]}"; do
  args=()
  if [[ -n "$values" ]]; then
    args=(-f "$values")
  fi
  echo "helm-check: helm template | kubeconform ${values:-(default values)}"
  # ServiceMonitor is a CRD without a built-in schema, hence -ignore-missing-schemas.
  helm template keygate "$chart" --namespace keygate --kube-version "$kube_version" "${args[@]}" \
    | kubeconform -strict -summary -ignore-missing-schemas -kubernetes-version "$kube_version" "${schema_args[@]}"
done
echo "helm-check: helm lint and kubeconform passed for ${#value_sets[@]} value sets."
