"""Render a page of the built docsite in headless Chromium and check what a reader would see.

Usage: python .ci/docsite_check.py <docsite output dir>   (the <output dir> of .ci/docsite.sh; pages in html/)

The esa_recipient_access module page is loaded from file:// in a real headless Chromium (installed by
.ci/install_chromium.sh when missing). From the DOM after the browser has run the page it checks the module's title,
the parameter table with the `config` parameter and its suboptions, and the examples; it checks that the page loads
nothing from the network; and from a screenshot (1280x1600) that the page is actually painted, not blank: enough
distinct colours and enough non-background pixels. A guide page (a Markdown guide of docs/) gets the DOM checks too.
Exit status 1 with one line per failed check. The screenshot stays in <output dir>/check/ for a look.
"""

import html.parser
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
MODULE_PAGE = 'collections/mailops/secure_email/esa_recipient_access_module.html'
GUIDE_PAGE = 'collections/mailops/secure_email/docsite/secrets.html'
MIN_COLOURS = 16          # a blank or unstyled error page has one or two
MIN_INK = 0.01            # share of pixels that differ from the page background
TIMEOUT = 90


def find_chromium():
    names = [os.environ.get('CHROMIUM', ''), 'chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']
    for name in names:
        if name and shutil.which(name):
            return shutil.which(name)
    return None


def chromium_binary():
    found = find_chromium()
    if not found:
        subprocess.run(['bash', os.path.join(HERE, 'install_chromium.sh')], check=True)
        found = find_chromium()
    if not found:
        sys.exit('docsite-check: no Chromium after .ci/install_chromium.sh')
    return found


def run_chromium(binary, profile, *args):
    cmd = [binary, '--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
           '--disable-background-networking', '--disable-component-update', '--disable-sync',
           '--disable-default-apps', '--disable-extensions', '--no-first-run', '--no-default-browser-check',
           '--hide-scrollbars', '--user-data-dir=' + profile] + list(args)
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    if result.returncode != 0:
        sys.exit('docsite-check: chromium failed (%d): %s' % (result.returncode, result.stderr[-2000:]))
    return result.stdout


class Page(html.parser.HTMLParser):
    """What the checks need from a DOM: headings, ids, tables, code blocks and remote resources."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []
        self.h1 = []
        self.ids = set()
        self.table_classes = []
        self.pre = []
        self.remote = []
        self.text = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get('id'):
            self.ids.add(attrs['id'])
        if tag == 'table':
            self.table_classes.append(attrs.get('class') or '')
        for key in ('src', 'href'):
            value = attrs.get(key) or ''
            loads = tag in ('script', 'img', 'iframe') or (tag == 'link' and 'stylesheet' in (attrs.get('rel') or ''))
            if loads and key in attrs and value.startswith(('http:', 'https:', '//')):
                self.remote.append(value)
        if tag in ('h1', 'pre'):
            self.stack.append([tag, []])

    def handle_endtag(self, tag):
        if self.stack and self.stack[-1][0] == tag:
            name, parts = self.stack.pop()
            (self.h1 if name == 'h1' else self.pre).append(''.join(parts))

    def handle_data(self, data):
        for entry in self.stack:
            entry[1].append(data)
        self.text.append(data)


def parse(dom):
    page = Page()
    page.feed(dom)
    return page


def png_pixels(path):
    """Decode an 8-bit, non-interlaced RGB/RGBA PNG (what Chromium writes) to rows of pixel tuples."""
    with open(path, 'rb') as f:
        data = f.read()
    if data[:8] != b'\x89PNG\r\n\x1a\n':
        raise ValueError('not a PNG')
    pos, idat, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack('>I4s', data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b'IHDR':
            header = struct.unpack('>IIBBBBB', chunk)
        elif kind == b'IDAT':
            idat.append(chunk)
        elif kind == b'IEND':
            break
    width, height, depth, colour, interlace = header[0], header[1], header[2], header[3], header[6]
    channels = {2: 3, 6: 4}.get(colour)
    if depth != 8 or channels is None or interlace:
        raise ValueError('unsupported PNG (depth %d, colour type %d, interlace %d)' % (depth, colour, interlace))
    raw = zlib.decompress(b''.join(idat))
    stride = width * channels
    rows, prev = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = prev[i]
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + ((left + up) >> 1)) & 0xFF
            elif kind == 4:
                upleft = prev[i - channels] if i >= channels else 0
                p = left + up - upleft
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - upleft)
                pred = left if pa <= pb and pa <= pc else (up if pb <= pc else upleft)
                line[i] = (line[i] + pred) & 0xFF
        rows.append([tuple(line[x:x + 3]) for x in range(0, stride, channels)])
        prev = line
    return width, height, rows


def check_module_page(page, failures):
    title = 'mailops.secure_email.esa_recipient_access module'
    if not any(h.startswith(title) for h in page.h1):
        failures.append('module page: no <h1> starting with %r (found %r)' % (title, page.h1))
    if not any('ansible-option-table' in c for c in page.table_classes):
        failures.append('module page: no parameter table (table.ansible-option-table)')
    for anchor in ('parameter-config', 'parameter-config/action', 'parameter-listener'):
        if anchor not in page.ids:
            failures.append('module page: the parameter table has no row %r' % anchor)
    if 'examples' not in page.ids:
        failures.append('module page: no Examples section')
    if not any('mailops.secure_email.esa_recipient_access:' in p for p in page.pre):
        failures.append('module page: no example task that calls mailops.secure_email.esa_recipient_access')
    if page.remote:
        failures.append('module page: loads from the network: %s' % ', '.join(page.remote[:5]))


def check_guide_page(page, failures):
    if not any(h.startswith('Secrets') for h in page.h1):
        failures.append('guide page: the Markdown guide docs/secrets.md was not rendered (h1: %r)' % page.h1)
    if 'configuration-backups' not in page.ids:
        failures.append('guide page: no heading anchor configuration-backups (links between guides use them)')
    if page.remote:
        failures.append('guide page: loads from the network: %s' % ', '.join(page.remote[:5]))


def check_screenshot(png, failures):
    try:
        width, height, rows = png_pixels(png)
    except (OSError, ValueError, TypeError, zlib.error) as exc:
        failures.append('screenshot: cannot read %s: %s' % (png, exc))
        return
    counts = {}
    for row in rows[::2]:
        for pixel in row[::2]:
            counts[pixel] = counts.get(pixel, 0) + 1
    total = sum(counts.values())
    background, most = max(counts.items(), key=lambda kv: kv[1])
    ink = 1 - most / total
    print('docsite-check: screenshot %dx%d, %d colours, %.1f%% of pixels off the background %s'
          % (width, height, len(counts), ink * 100, background))
    if len(counts) < MIN_COLOURS:
        failures.append('screenshot: %d distinct colours (< %d): the page looks blank' % (len(counts), MIN_COLOURS))
    if ink < MIN_INK:
        failures.append('screenshot: only %.2f%% of pixels are not background: the page looks blank' % (ink * 100))


def main():
    if len(sys.argv) != 2:
        sys.exit('usage: %s <docsite output dir>' % sys.argv[0])
    out = os.path.abspath(sys.argv[1])
    module_page = os.path.join(out, 'html', MODULE_PAGE)
    guide_page = os.path.join(out, 'html', GUIDE_PAGE)
    for path in (module_page, guide_page):
        if not os.path.isfile(path):
            sys.exit('docsite-check: %s is missing; build the docsite first (.ci/docsite.sh)' % path)
    binary = chromium_binary()
    check_dir = os.path.join(out, 'check')
    os.makedirs(check_dir, exist_ok=True)
    png = os.path.join(check_dir, 'esa_recipient_access_module.png')
    if os.path.exists(png):
        os.remove(png)
    failures = []
    with tempfile.TemporaryDirectory(prefix='docsite-chromium-') as profile:
        url = 'file://' + module_page
        check_module_page(parse(run_chromium(binary, profile, '--dump-dom', url)), failures)
        check_guide_page(parse(run_chromium(binary, profile, '--dump-dom', 'file://' + guide_page)), failures)
        run_chromium(binary, profile, '--screenshot=' + png, '--window-size=1280,1600', url)
    if not os.path.isfile(png):
        failures.append('screenshot: chromium wrote no %s' % png)
    else:
        check_screenshot(png, failures)
    for failure in failures:
        print('docsite-check: FAIL ' + failure)
    if failures:
        return 1
    print('docsite-check: %s renders in %s (title, parameter table, examples, painted); guide page rendered'
          % (MODULE_PAGE, os.path.basename(binary)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
