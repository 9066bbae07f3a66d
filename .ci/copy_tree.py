"""Copy the collection's working tree into a scratch location (a real copy, not a symlink).

Usage: python3 copy_tree.py SRC DEST [--git-init]

DEST is deleted first. When SRC is a git work tree, the files copied are the ones git knows about
or would add (``git ls-files --cached --others --exclude-standard``), so anything .gitignore lists
(tests/output, .venv*, .build, .lab, __pycache__, tests/integration/inventory, ...) stays out.
Without git, a fixed exclude list is used. Either way the names in EXCLUDE_DIRS are never copied.

--git-init creates an empty git repository in DEST. ansible-test looks for a ``.git`` directory
upwards from the collection; without one of its own, a scratch tree under this (git-ignored)
``.build/`` folder would be resolved against the parent repository, where every file is ignored.
"""

import os
import shutil
import subprocess
import sys

EXCLUDE_DIRS = {'.git', '.build', '.lab', 'dist', '__pycache__', '.pytest_cache', '.ansible',
                '.mypy_cache', '.tox', '.nox'}
EXCLUDE_PREFIXES = ('.venv',)
EXCLUDE_SUBPATHS = ('tests/output', 'bench/results')
EXCLUDE_SUFFIXES = ('.pyc', '.pyo', '.tar.gz')


def excluded(rel):
    parts = rel.split('/')
    if any(p in EXCLUDE_DIRS or p.startswith(EXCLUDE_PREFIXES) for p in parts):
        return True
    if any(rel == s or rel.startswith(s + '/') for s in EXCLUDE_SUBPATHS):
        return True
    return rel.endswith(EXCLUDE_SUFFIXES)


def git_files(src):
    try:
        top = subprocess.run(['git', '-C', src, 'rev-parse', '--show-toplevel'], check=True,
                             capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    if os.path.realpath(top) != os.path.realpath(src):
        return None
    out = subprocess.run(['git', '-C', src, 'ls-files', '-z', '--cached', '--others',
                          '--exclude-standard'], check=True, capture_output=True).stdout
    return sorted({p for p in out.decode('utf-8', 'surrogateescape').split('\0') if p})


def walk_files(src):
    files = []
    for root, dirs, names in os.walk(src):
        rel_root = os.path.relpath(root, src)
        rel_root = '' if rel_root == '.' else rel_root + '/'
        dirs[:] = [d for d in dirs if not excluded(rel_root + d)]
        files.extend(rel_root + n for n in names)
    return sorted(files)


def main(argv):
    args = [a for a in argv[1:] if not a.startswith('--')]
    if len(args) != 2:
        sys.stderr.write(__doc__)
        return 2
    src, dest = (os.path.abspath(a) for a in args)
    if dest == src or dest.startswith(src + os.sep) and not dest.startswith(os.path.join(src, '.build') + os.sep):
        sys.stderr.write('refusing to copy %s into %s\n' % (src, dest))
        return 2
    files = git_files(src)
    if files is None:
        files = walk_files(src)
    shutil.rmtree(dest, ignore_errors=True)
    count = 0
    for rel in files:
        if excluded(rel):
            continue
        s = os.path.join(src, rel)
        if not os.path.lexists(s) or os.path.isdir(s) and not os.path.islink(s):
            continue  # deleted in the work tree but still in the index, or a submodule
        d = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(d), exist_ok=True)
        shutil.copy2(s, d, follow_symlinks=False)
        count += 1
    if '--git-init' in argv:
        subprocess.run(['git', 'init', '-q', dest], check=True)
    print('copied %d files to %s' % (count, dest))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
