#!/usr/bin/env bash
# The collection's docsite: module, plugin and role docs (antsibull-docs) plus the Markdown guides of docs/*.md,
# built to HTML with Sphinx, offline (no intersphinx inventories, no remote theme assets), warnings as errors.
#
#   .ci/docsite.sh <collections path> <output dir>
#
# <collections path> holds ansible_collections/mailops/secure_email (and the dependency collections); antsibull-docs,
# sphinx-build and python (with myst-parser) must be on PATH (`make docsite` puts .venv/bin first).
# Output: <output dir>/html/ (the site; index.html), <output dir>/src/ (the generated Sphinx sources).
#
# The guides: docs/docsite/extra-docs.yml lists them, and each has a short RST stub in docs/docsite/rst/ with the
# guide's name (what `antsibull-docs lint-collection-docs` and other antsibull-docs builds see). Here, after
# antsibull-docs has written the stubs into the site sources, each stub is replaced by its Markdown guide (same
# document name, so the table of contents and links between guides resolve), which Sphinx reads with myst-parser.
# Links from a guide to other files of the repository become links to the repository on GitHub (links.yml).
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 <collections path> <output dir>" >&2
  exit 2
fi
COLLECTIONS=$(cd "$1" && pwd)
mkdir -p "$2"
OUT=$(cd "$2" && pwd)
COLL="$COLLECTIONS/ansible_collections/mailops/secure_email"
for tool in antsibull-docs sphinx-build python; do
  command -v "$tool" >/dev/null 2>&1 || { echo "docsite: $tool not on PATH (run through make, or put .venv/bin first)" >&2; exit 1; }
done
[ -f "$COLL/galaxy.yml" ] || { echo "docsite: no collection at $COLL" >&2; exit 1; }
python -c 'import myst_parser' 2>/dev/null \
  || { echo "docsite: myst-parser is not installed (pinned in .ci/requirements-tools.txt; run make venv)" >&2; exit 1; }

SRC="$OUT/src"
HTML="$OUT/html"
rm -rf "$SRC" "$HTML" "$OUT/doctrees"
mkdir -p "$SRC"
chmod 700 "$SRC" # antsibull-docs writes only into a directory that only its owner can write to

start=$(date +%s)
# 1. RST for the modules, plugins, roles and the extra docs (stubs), links.yml applied.
ANSIBLE_COLLECTIONS_PATH="$COLLECTIONS" ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false antsibull-docs collection --use-current --fail-on-error \
  --no-add-antsibull-docs-version --dest-dir "$SRC" mailops.secure_email

# 2. The Markdown guides in place of their stubs, the site's index and conf.py. (Sphinx reports a problem in a guide
#    at src/.../docsite/<guide>.md: two lines below the line in docs/<guide>.md, for the label added on top.)
python - "$COLLECTIONS" "$COLL" "$SRC" "$OUT/ansible.inv" <<'PY'
import pathlib
import re
import sys

import yaml

collections = pathlib.Path(sys.argv[1])
coll = pathlib.Path(sys.argv[2])
src = pathlib.Path(sys.argv[3])
inventory = pathlib.Path(sys.argv[4])
site_dir = src / "collections" / "mailops" / "secure_email" / "docsite"
label_prefix = "ansible_collections.mailops.secure_email.docsite."

galaxy = yaml.safe_load((coll / "galaxy.yml").read_text(encoding="utf-8"))
links = yaml.safe_load((coll / "docs/docsite/links.yml").read_text(encoding="utf-8"))
gh = links["edit_on_github"]
repo_url = f"https://github.com/{gh['repository']}"
extra = yaml.safe_load((coll / "docs/docsite/extra-docs.yml").read_text(encoding="utf-8"))
listed = {entry if isinstance(entry, str) else entry["ref"]
          for section in extra.get("sections") or [] for entry in section["toctree"]}

guides = {p.stem: p for p in sorted((coll / "docs").glob("*.md"))}
stubs = {p.stem for p in (coll / "docs/docsite/rst").glob("*.rst")}
problems = [f"docs/{name}.md is not listed in docs/docsite/extra-docs.yml" for name in guides if name not in listed]
problems += [f"docs/{name}.md has no stub docs/docsite/rst/{name}.rst" for name in guides if name not in stubs]
problems += [f"docs/docsite/rst/{name}.rst has no guide docs/{name}.md" for name in stubs if name not in guides]
if problems:
    sys.exit("docsite: guides and docs/docsite out of step:\n  " + "\n  ".join(problems))

LINK = re.compile(r"\]\(([^)\s]+)\)")


def rewrite(match: re.Match) -> str:
    target = match.group(1)
    if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
        return match.group(0)  # a URL, or an anchor in the same guide
    path, _, anchor = target.partition("#")
    if "/" not in path and path.endswith(".md") and path[:-3] in guides:
        return match.group(0)  # another guide: myst-parser resolves it to that page
    resolved = (coll / "docs" / path).resolve()
    try:
        rel = resolved.relative_to(coll.resolve()).as_posix()
    except ValueError:
        sys.exit(f"docsite: link {target!r} points outside the collection")
    if not resolved.exists():
        sys.exit(f"docsite: link {target!r} in a guide points to a missing file")
    kind = "tree" if resolved.is_dir() else "blob"
    url = f"{repo_url}/{kind}/{gh['branch']}/{rel}" + (f"#{anchor}" if anchor else "")
    return f"]({url})"


for name, guide in guides.items():
    out, fence = [f"({label_prefix}{name})=", ""], None
    for line in guide.read_text(encoding="utf-8").splitlines():
        opener = re.match(r"^\s*(```+|~~~+)", line)
        if fence is None and opener:
            fence = opener.group(1)
            if line.strip() == fence:
                line = line.replace(fence, fence + "text", 1)  # a block without a language is plain text
        elif fence is not None and line.strip().startswith(fence):
            fence = None
        elif fence is None:
            line = LINK.sub(rewrite, line)
        out.append(line)
    (site_dir / f"{name}.rst").unlink()
    (site_dir / f"{name}.md").write_text("\n".join(out) + "\n", encoding="utf-8")

# An intersphinx inventory written here instead of fetched: the labels of the Ansible docsite that the generated
# pages refer to (return values, configuration, plugin types) and a label for every plugin of ansible.builtin and of
# the dependency collections, so that these references become links to docs.ansible.com without a download.
import zlib  # noqa: E402

import ansible  # noqa: E402

entries = [
    ("common_return_values", "reference_appendices/common_return_values.html#common-return-values", "Return Values"),
    ("ansible_configuration_settings", "reference_appendices/config.html#ansible-configuration-settings",
     "Ansible Configuration Settings"),
    ("action_plugins", "plugins/action.html#action-plugins", "Action plugins"),
    ("playbooks_variables", "playbook_guide/playbooks_variables.html#playbooks-variables", "Using variables"),
]
core = pathlib.Path(ansible.__file__).parent
roots = [("ansible", "builtin", core / "modules", core / "plugins")]
for ns_dir in sorted((collections / "ansible_collections").iterdir()):
    for name_dir in sorted(p for p in ns_dir.iterdir() if p.is_dir()):
        if (ns_dir.name, name_dir.name) != ("mailops", "secure_email"):
            roots.append((ns_dir.name, name_dir.name, name_dir / "plugins" / "modules", name_dir / "plugins"))
for ns, name, modules, plugins in roots:
    kinds = [("module", modules)] + [(d.name, d) for d in sorted(plugins.iterdir()) if d.is_dir() and d.name != "modules"]
    for kind, folder in kinds:
        for f in sorted(folder.glob("*")):
            if f.suffix not in (".py", ".yml", ".yaml") or f.stem.startswith("_"):
                continue
            label = f"ansible_collections.{ns}.{name}.{f.stem}_{kind}"
            anchor = label.replace(".", "-").replace("_", "-")
            entries.append((label, f"collections/{ns}/{name}/{f.stem}_{kind}.html#{anchor}", f"{ns}.{name}.{f.stem}"))
body = "".join(f"{label} std:label -1 {uri} {title}\n" for label, uri, title in entries)
inventory.write_bytes(b"# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n"
                      b"# The remainder of this file is compressed using zlib.\n" + zlib.compress(body.encode()))

heading = f"{galaxy['namespace']}.{galaxy['name']} {galaxy['version']}"
(src / "index.rst").write_text(f"""\
.. _docsite_root_index:

{heading}
{"=" * len(heading)}

{galaxy['description'].strip()}

The reference of every module, plugin and role, and the guides.

.. toctree::
   :maxdepth: 2

   collections/mailops/secure_email/index

.. toctree::
   :maxdepth: 1
   :caption: Indexes

   collections/index
   collections/environment_variables

Source, issues and releases: `{gh['repository']} on GitHub <{repo_url}>`__.
""", encoding="utf-8")
PY

cat > "$OUT/conf.py" <<'PY'
# Generated by .ci/docsite.sh. Offline on purpose: no inventory downloads, a theme shipped with Sphinx.
import os

project = "mailops.secure_email"
copyright = "mailops.secure_email contributors"
html_title = "mailops.secure_email"
html_short_title = "mailops.secure_email"

extensions = ["sphinx.ext.intersphinx", "sphinx_antsibull_ext", "myst_parser"]
# A local inventory (written by .ci/docsite.sh), never a download; links still go to docs.ansible.com.
intersphinx_mapping = {"ansible_devel": ("https://docs.ansible.com/projects/ansible/devel/",
                                         os.path.join(os.path.dirname(os.path.abspath(__file__)), "ansible.inv"))}
intersphinx_timeout = 1
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}

pygments_style = "ansible"
highlight_language = "YAML+Jinja"
default_role = "any"
nitpicky = True

# Slugs for the guides' headings, so that links such as secrets.md#configuration-backups resolve.
myst_heading_anchors = 4

html_theme = "alabaster"
html_show_sphinx = False
html_use_index = False
html_copy_source = False
html_show_sourcelink = False
PY

mid=$(date +%s)
# 3. HTML. -W: every warning fails the build (--keep-going reports them all first).
sphinx-build -b html -q -W --keep-going -j 2 -c "$OUT" -d "$OUT/doctrees" "$SRC" "$HTML"
end=$(date +%s)
echo "docsite: $HTML/index.html ($(find "$HTML" -name '*.html' | wc -l) pages; antsibull-docs $((mid - start))s, sphinx $((end - mid))s)"
