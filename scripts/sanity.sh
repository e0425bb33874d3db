#!/usr/bin/env bash
# Run `ansible-test sanity` on the collection. ansible-test needs the collection at
# .../ansible_collections/homelab/mediastack; the repository root is not, so the files git
# knows (tracked, plus untracked ones not ignored) are copied there and made a git repository.
set -euo pipefail
root="${MEDIASTACK_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}"
python="${PYTHON_VERSION:-$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')}"

# ansible-test downloads a get-pip script for its virtualenvs from a host that is not
# reachable here. Cache a stand-in that uses the stdlib's ensurepip and PyPI instead.
pip_version=$(python3 - <<'PY'
import re, ansible_test, os
src = open(os.path.join(os.path.dirname(ansible_test.__file__), "_internal", "python_requirements.py")).read()
print(re.search(r"pip='([0-9.]+)'", src).group(1))
PY
)
cache="$HOME/.ansible/test/cache"
mkdir -p "$cache"
cat >"$cache/get_pip_${pip_version//./_}.py" <<'PY'
"""get-pip stand-in written by homelab.mediastack scripts/sanity.sh (no get-pip host here)."""
import subprocess
import sys

args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade"])
if args:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--disable-pip-version-check"] + args)
PY

# A private copy per run, so runs side by side do not trample each other.
mkdir -p "$root/.build"
work=$(mktemp -d "$root/.build/sanity.XXXXXX")
trap 'rm -rf "$work"' EXIT
dest="$work/ansible_collections/homelab/mediastack"
mkdir -p "$dest"
(cd "$root" && git ls-files -z --cached --others --exclude-standard) |
  rsync -a --from0 --ignore-missing-args --files-from=- "$root/" "$dest/"
cd "$dest"
git init -q && git add -A
ansible-test sanity --venv --python "$python" --color no "$@"
