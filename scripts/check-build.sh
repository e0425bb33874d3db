#!/usr/bin/env bash
# Build the collection tarball, install it into an empty path, and check what users get:
# no test equipment inside, `ansible-doc -l` and the site playbook's syntax check work.
set -euo pipefail
root="${MEDIASTACK_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}"
cd "$root"
version=$(python3 -c 'import yaml; print(yaml.safe_load(open("galaxy.yml"))["version"])')
dist="$root/.build/dist"
tarball="$dist/homelab-mediastack-$version.tar.gz"
mkdir -p "$dist"
ansible-galaxy collection build --force --output-path "$dist" . >/dev/null

leaked=$(tar tzf "$tarball" | grep -E '^(tests|molecule|scripts|inventory/lab|\.lab|\.venv|\.build|\.ci|\.pytest_cache)(/|$)' || true)
if [ -n "$leaked" ]; then
  echo "check-build: test or lab files in $tarball:" >&2
  echo "$leaked" >&2
  exit 1
fi

empty=$(mktemp -d)
trap 'rm -rf "$empty"' EXIT
# As a user would: no repository settings, only the empty path (and the dependency
# collections bundled in the `ansible` package, so --no-deps: there is no Galaxy here).
unset ANSIBLE_CONFIG
export ANSIBLE_COLLECTIONS_PATH="$empty"
cd "$empty"
ansible-galaxy collection install --no-deps -p "$empty" "$tarball" >/dev/null
ansible-doc -l homelab.mediastack >/dev/null
ansible-doc -t role -l homelab.mediastack | grep -q baseline
ansible-playbook homelab.mediastack.site --syntax-check -i localhost, >/dev/null
echo "check-build: $tarball ok ($(tar tzf "$tarball" | wc -l) entries; installs, ansible-doc and site syntax check work)"
