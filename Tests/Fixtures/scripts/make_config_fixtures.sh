#!/usr/bin/env bash
# Writes Tests/Fixtures/configs/<name>.resolved.yaml: `colad config print` of every shipped
# config (configs/*.yaml). ConfigFilesTests compares each config's resolvedYAML() with its
# fixture, so a change to a shipped config (or to how bases merge) that changes any resolved
# value fails a test. Regenerate only when a value is meant to change or a key is added:
#   swift build && Tests/Fixtures/scripts/make_config_fixtures.sh
set -euo pipefail
cd "$(dirname "$0")/../../.."
colad=${COLAD:-.build/debug/colad}
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
for f in configs/*.yaml; do
  name=$(basename "$f" .yaml)
  out=Tests/Fixtures/configs/$name.resolved.yaml
  { echo "# Fixture: \`colad config print --config $f\` at commit $commit,"
    echo "# written by Tests/Fixtures/scripts/make_config_fixtures.sh (do not edit by hand)."
    "$colad" config print --config "$f"; } > "$out.tmp"
  mv "$out.tmp" "$out"
  echo "wrote $out"
done
