#!/usr/bin/env bash
# Writes Tests/Fixtures/configs/<name>.resolved.yaml: `colad config print` of every shipped
# config (configs/*.yaml). ConfigFilesTests compares each config's resolvedYAML() with its
# fixture, so a change to a shipped config (or to how bases merge) that changes any resolved
# value fails a test. Regenerate only when a value is meant to change or a key is added:
#   swift build && Tests/Fixtures/scripts/make_config_fixtures.sh [REV]
# With REV, the configs are printed as they were at that revision (with today's schema): after a
# key is added, `make_config_fixtures.sh 017bfe7` keeps the fixtures those of the flat configs
# from before `_base_`, so the test still proves the inheritance changed no value.
set -euo pipefail
cd "$(dirname "$0")/../../.."
colad=$(pwd)/${COLAD:-.build/debug/colad}
rev=${1:-}
src=.
if [ -n "$rev" ]; then
  src=$(mktemp -d); trap 'rm -rf "$src"' EXIT
  git archive "$rev" configs | tar -x -C "$src"
fi
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
for f in configs/*.yaml; do
  name=$(basename "$f" .yaml)
  [ -f "$src/$f" ] || { echo "skip $f: not in $rev"; continue; }
  out=Tests/Fixtures/configs/$name.resolved.yaml
  { echo "# Fixture: \`colad config print --config $f\`${rev:+ as it was at $rev}, schema of commit $commit,"
    echo "# written by Tests/Fixtures/scripts/make_config_fixtures.sh (do not edit by hand)."
    (cd "$src" && "$colad" config print --config "$f"); } > "$out.tmp"
  mv "$out.tmp" "$out"
  echo "wrote $out"
done
