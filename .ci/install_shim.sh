#!/usr/bin/env bash
# Install the offline get-pip shim (get_pip_shim.py) where ansible-test looks for its cached
# get-pip script: ~/.ansible/test/cache/get_pip_<X_Y>.py, X.Y being the pip version that the
# ansible-test in each given venv pins (2.19 -> 24.2, 2.21 -> 25.2).
# Usage: install_shim.sh VENV [VENV ...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache="$HOME/.ansible/test/cache"
for venv in "$@"; do
  pipv=$("$venv/bin/python" - <<'PY'
import pathlib, re, ansible_test
src = (pathlib.Path(ansible_test.__file__).parent / '_internal' / 'python_requirements.py').read_text()
m = re.search(r"pip='([0-9.]+)'", src)
if not m:
    raise SystemExit('cannot find the pinned pip version in ansible_test/_internal/python_requirements.py')
print(m.group(1).replace('.', '_'))
PY
)
  install -D -m 0644 "$here/get_pip_shim.py" "$cache/get_pip_${pipv}.py"
  echo "shim: $cache/get_pip_${pipv}.py (for $venv)"
done
