#!/usr/bin/env bash
# Print the path of a working python interpreter of version X.Y (argument), or fail.
# Tries pythonX.Y on PATH (a pyenv shim works only when that version is selected, so each
# candidate is actually run), then the pyenv installations X.Y.*: under $PYENV_ROOT,
# `pyenv root`, next to the pyenv executable, and ~/.pyenv.
set -u
want=${1:?usage: find_python.sh X.Y}
candidates=()
if p=$(command -v "python$want" 2>/dev/null); then candidates+=("$p"); fi
roots=("${PYENV_ROOT:-}")
if command -v pyenv >/dev/null 2>&1; then
  roots+=("$(pyenv root 2>/dev/null)")
  roots+=("$(cd "$(dirname "$(readlink -f "$(command -v pyenv)")")/.." 2>/dev/null && pwd)")
fi
roots+=("$HOME/.pyenv" /root/.pyenv /opt/pyenv)
for root in "${roots[@]}"; do
  [ -n "$root" ] && [ -d "$root/versions" ] || continue
  while IFS= read -r p; do candidates+=("$p"); done < <(ls -d "$root"/versions/"$want".*/bin/"python$want" 2>/dev/null | sort -V -r)
done
for p in /usr/local/bin/"python$want" /usr/bin/"python$want"; do candidates+=("$p"); done
for p in "${candidates[@]}"; do
  [ -x "$p" ] || continue
  if "$p" -c "import sys; sys.exit(0 if '%d.%d' % sys.version_info[:2] == '$want' else 1)" >/dev/null 2>&1; then
    # resolve pyenv shims to the real interpreter
    "$p" -c 'import sys; print(sys.executable)'
    exit 0
  fi
done
echo "find_python.sh: no working python$want found (PATH, pyenv, /usr/bin)" >&2
exit 1
