#!/bin/bash
# test_html_reports.sh - the three HTML reports (issue 15, "Done when") from
# the demo's own kind of data, rendered by headless Chromium as a reader
# would see them. A short lab run does what scripts/demo does, smaller:
# nfsbench's random-4k profile (4 connections x 16 slots, 70/30 reads and
# writes) for 3 s, captured at the four points by nfscap capture with its
# per-RPC trace, then
#   - nfscap report --html of the storage node's capture,
#   - nfscap attribute --html of the four captures and the trace,
#   - nfstune sweep --dry --html of a 2 x 2 grid (connections x slots) of
#     nfsbench reads.
# Each page is rendered by Chromium (--screenshot and --dump-dom at once):
# the PNG must not be blank; and its DOM (parsed by python3) must hold the plots
# the issue asks for, every plot with data (non-empty lines, areas, rects
# or points), both axes titled, ticks on both, and no "too few RPCs" note.
# SCREENSHOTS=1 also writes docs/report.png, docs/attribution.png and
# docs/sweep.png (the README shows them; optipng shrinks them when present).
. "$(dirname "$0")/../lib.sh"
skip_unless_root
for c in chromium jq python3; do
	command -v $c >/dev/null || { echo "skip - $(basename "$0"): $c not installed (make deps)"; exit 77; }
done
t_setup
cd "$ROOT" || exit 1
NB=$ROOT/bin/nfsbench
# without the background-networking flags Chromium tries connections this
# machine refuses (and waits for them)
chrome() { # url args...
	local url=$1 prof
	shift
	prof=$(mktemp -d "$T_TMP/chrome.XXXXXX")
	timeout -k 5 90 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$prof" "$@" "$url" 2>>"$T_TMP/chrome.err"
}
py() { python3 - "$@"; }
T0=$(date +%s)
took() { echo "#   ($(($(date +%s) - T0)) s so far)"; }

"$LAB" down >/dev/null 2>&1
check "lab up" "$LAB" up

# ---- the demo's load, shorter and on a smaller fileset ---------------------------
grep -v '^ *//' configs/random-4k.json | jq '.fileset.size = "16m" | .fileset.directory = "nfsbench/html"' \
	>"$T_TMP/random-4k.json"
check "nfsbench lays out the fileset (not captured)" \
	"$LAB" exec guest1 "$NB" --profile "$T_TMP/random-4k.json" --url "nfs://$SIP/export" --ops 1 --json \
	--output "$T_TMP/layout.json"
"$LAB" capture start --rpc "$T_TMP/pcap" >"$T_TMP/capture.log" 2>&1
check "nfsbench random-4k for 3 s, captured at four points, with its trace" \
	"$LAB" exec guest1 "$NB" --profile "$T_TMP/random-4k.json" --url "nfs://$SIP/export" --time 3s --ramp 500ms \
	--trace "$T_TMP/load.trace" --json --output "$T_TMP/load.json"
"$LAB" capture stop >>"$T_TMP/capture.log" 2>&1
P=$T_TMP/pcap
report() { bin/nfscap report "$P/storage.pcap" --html "$T_TMP/report.html" >"$T_TMP/report.txt"; }
attribute() {
	bin/nfscap attribute --app "$T_TMP/load.trace" --vantage guest="$P/guest1.pcap" \
		--vantage host-in="$P/host-in1.pcap" --vantage host-out="$P/host-out.pcap" \
		--vantage storage="$P/storage.pcap" --html "$T_TMP/attribution.html" >"$T_TMP/attribution.txt"
}
took
check "nfscap report --html (the storage node's capture)" report
check "nfscap attribute --html (four points and the trace)" attribute

# ---- a 2 x 2 sweep of nfsbench options: nothing on the host changes -------------
jq -n --arg ns "$LAB_NS-guest1" --arg nb "$NB" --arg url "nfs://$SIP/null" '{
	benchmark: ["ip", "netns", "exec", $ns, $nb, "--url", $url, "--rw", "read", "--bs", "64k",
		    "--size", "64m", "--file", "html-sweep.dat", "--time", "200ms", "--ramp", "100ms",
		    "--no-progress", "--json"],
	metric: "ops.read.bytes_per_sec", goal: "max",
	space: {connections: {values: [1, 4], set: "--connections"}, slots: {values: [1, 8], set: "--slots"}},
	strategy: "grid", repeats: 3, confirm: 0, settle: "0s", timeout: "30s"}' >"$T_TMP/sweep.json"
sweep() {
	bin/nfstune --state-dir "$T_TMP/state" --html "$T_TMP/sweep.html" sweep --dry "$T_TMP/sweep.json" \
		>"$T_TMP/sweep.txt" 2>"$T_TMP/sweep.err"
}
check "nfstune sweep --dry --html (connections x slots)" sweep || tail -n 5 "$T_TMP/sweep.err" | sed 's/^/#   /'
took
# Chromium gets the machine's two cores to itself
"$LAB" down >/dev/null 2>&1

# ---- rendered ----------------------------------------------------------------------
for r in report attribution sweep; do
	f=$T_TMP/$r.html
	[ -s "$f" ] || { not_ok "$r.html was written"; continue; }
	chrome "file://$f" --screenshot="$T_TMP/$r.png" --window-size=1280,2000 --dump-dom >"$T_TMP/$r.dom"
	check "$r.html: Chromium renders it, and the picture is not blank" py "$T_TMP/$r.png" <<'EOF'
import struct, sys, zlib
data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
pos, idat, hdr = 8, b'', None
while pos < len(data):
    n, kind = struct.unpack('>I4s', data[pos:pos + 8])
    if kind == b'IHDR':
        hdr = struct.unpack('>IIBBBBB', data[pos + 8:pos + 8 + 13])
    elif kind == b'IDAT':
        idat += data[pos + 8:pos + 8 + n]
    pos += 12 + n
w, h, depth, ctype, _, _, interlace = hdr
assert depth == 8 and interlace == 0 and ctype in (2, 6), hdr
raw = zlib.decompress(idat)
stride = 1 + w * (3 if ctype == 2 else 4)
rows = {raw[i:i + stride] for i in range(0, len(raw), stride)}
# one colour everywhere filters every row alike: a page of plots and
# tables gives hundreds of different rows
print('#   %dx%d, %d bytes, %d different rows' % (w, h, len(data), len(rows)))
sys.exit(0 if w == 1280 and h == 2000 and len(rows) > 200 else 1)
EOF
	check "$r.html: every plot has data, both axes titled and ticked" py "$T_TMP/$r.dom" "$r" <<'EOF'
import sys
from html.parser import HTMLParser

class Plots(HTMLParser):
    def __init__(self):
        super().__init__()
        self.plots, self.cur, self.text, self.h2, self.in_h2 = [], None, None, '', False
        self.headings = []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = (a.get('class') or '').split()
        if tag == 'h2':
            self.in_h2, self.h2 = True, ''
        if tag == 'svg' and 'plot' in cls:
            self.cur = {'title': self.h2, 'data': 0, 'axis x': '', 'axis y': '', 'tick x': 0, 'tick y': 0,
                        'note': '', 'rects': 0}
            self.plots.append(self.cur)
        if self.cur is None:
            return
        if 'data' in cls:
            if tag in ('polyline', 'polygon'):
                if len((a.get('points') or '').split()) >= 1:
                    self.cur['data'] += 1
            elif tag == 'rect':
                if float(a.get('width', 0)) > 0 and float(a.get('height', 0)) > 0:
                    self.cur['data'] += 1
                    self.cur['rects'] += 1
            elif tag == 'circle':
                self.cur['data'] += 1
        if tag == 'text':
            for k in ('axis-title', 'tick', 'note'):
                if k in cls:
                    self.text = k + (' ' + cls[1] if k != 'note' and len(cls) > 1 else '')
                    if k == 'tick':
                        self.cur['tick ' + cls[1]] += 1
    def handle_endtag(self, tag):
        if tag == 'svg':
            self.cur = None
        if tag == 'text':
            self.text = None
        if tag == 'h2':
            self.in_h2 = False
            self.headings.append(self.h2)
    def handle_data(self, d):
        if self.in_h2:
            self.h2 += d
        if self.cur is not None and self.text:
            if self.text.startswith('axis-title'):
                self.cur['axis ' + self.text.split()[1]] += d.strip()
            elif self.text == 'note':
                self.cur['note'] += d.strip()

dom, kind = sys.argv[1], sys.argv[2]
p = Plots()
p.feed(open(dom, encoding='utf-8').read())
want = {
    'report': ['Latency over time (heatmap', 'Latency percentiles per second', 'Latency CDF per operation',
               'Latency tail per operation', 'Operations per second', 'Bytes per second', 'RPCs in flight'],
    'attribution': ['Share of latency per operation', 'slowest RPCs', 'over time: p50, p99', 'Mean share per RPC'],
    'sweep': ['The metric at every point', 'over the grid of connections and slots'],
}[kind]
tables = {'report': ['Operations', 'Clients', 'Connections (RPC) and their TCP health', 'TCP (all connections)'],
          'attribution': ['Latency per operation: p50 / p99'], 'sweep': ['Points']}[kind]
bad = []
for w in want:
    if not any(w in pl['title'] for pl in p.plots):
        bad.append('no plot "%s"' % w)
for t in tables:
    if not any(h.startswith(t) for h in p.headings):
        bad.append('no table "%s"' % t)
for pl in p.plots:
    name = pl['title'][:60] or '(untitled)'
    if not pl['data']:
        bad.append('%s: no data drawn' % name)
    for ax in 'xy':
        if not pl['axis ' + ax]:
            bad.append('%s: %s axis has no title' % (name, ax))
        if pl['tick ' + ax] < 2:
            bad.append('%s: %s axis has %d tick labels' % (name, ax, pl['tick ' + ax]))
    if pl['note']:
        bad.append('%s: says "%s"' % (name, pl['note']))
    if 'heatmap' in pl['title'] and pl['rects'] < 10:
        bad.append('%s: %d cells' % (name, pl['rects']))
    if 'over the grid' in pl['title'] and pl['rects'] < 4:
        bad.append('%s: %d of the 4 cells' % (name, pl['rects']))
print('#   %d plots: %s' % (len(p.plots), ', '.join('%s (%d)' % (pl['title'][:28], pl['data']) for pl in p.plots)))
for b in bad:
    print('#   ' + b)
sys.exit(1 if bad or not p.plots else 0)
EOF
	if [ -n "${SCREENSHOTS:-}" ]; then
		# the README's pictures: the top of each page, at 1200 pixels
		chrome "file://$f" --screenshot="$ROOT/docs/$r.png" --window-size=1200,1500 >/dev/null
		! command -v optipng >/dev/null || optipng -quiet -o2 "$ROOT/docs/$r.png"
	fi
done
took
check "the sweep's x axis names the settings (connections / slots), not point numbers" \
	grep -q '>1 / 8<' "$T_TMP/sweep.dom"
check "the attribution's waterfall splits the host at vnet" grep -q '>host vnet<' "$T_TMP/attribution.dom"
check "nothing is fetched from the network" \
	bash -c "! grep -l 'src=\"http\|href=\"http\|<script' '$T_TMP'/*.html"
t_done
