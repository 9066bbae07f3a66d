"""Extract dependency collections from the PyPI ``ansible`` wheel.

Galaxy is not reachable from CI, so the collections this collection depends on (galaxy.yml
``dependencies``) are taken from the ``ansible`` community package wheel instead.

Usage: python3 unpack_deps.py WHEEL DEST NAMESPACE/NAME [NAMESPACE/NAME ...]

Writes DEST/ansible_collections/<namespace>/<name>/ for each requested collection, replacing any
previous copy. Nothing else from the wheel is extracted.
"""

import os
import shutil
import sys
import zipfile


def main(argv):
    if len(argv) < 4:
        sys.stderr.write(__doc__)
        return 2
    wheel, dest, wanted = argv[1], argv[2], argv[3:]
    root = os.path.join(dest, 'ansible_collections')
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        for coll in wanted:
            prefix = 'ansible_collections/%s/' % coll.strip('/')
            members = [n for n in names if n.startswith(prefix) and not n.endswith('/')]
            if not members:
                sys.stderr.write('%s: no %s in the wheel\n' % (wheel, prefix))
                return 1
            target = os.path.join(root, coll)
            shutil.rmtree(target, ignore_errors=True)
            for name in members:
                rel = name[len('ansible_collections/'):]
                out = os.path.normpath(os.path.join(root, rel))
                if not out.startswith(os.path.normpath(root) + os.sep):
                    sys.stderr.write('refusing unsafe path %s\n' % name)
                    return 1
                os.makedirs(os.path.dirname(out), exist_ok=True)
                with zf.open(name) as src, open(out, 'wb') as dst:
                    shutil.copyfileobj(src, dst)
            print('unpacked %s (%d files) into %s' % (coll, len(members), target))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
