#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# -l --html FILE: one self-contained page, rendered by headless Chromium
# (screenshot, and the DOM it built), its structure checked against what
# genfic-ca -l --json and -e 90 --json say of the same store; a hostile
# subject (<script>, quotes, &) stays text; no script, no external URL;
# well-formed by python3's html.parser.
. "$(dirname "$0")/lib.sh"

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
	fail "chromium is installed (contrib/deps.sh)"
	finish
	exit
fi

make_hierarchy || fail "hierarchy made"
# issue NAME DAYS [CN]: a certificate of genfic-system valid DAYS days.
issue() {
	gca -R "$T/$1" --subject "/CN=${3:-$1.example}" --nopass --batch \
	    >/dev/null 2>&1 &&
	gca -p genfic-system -s "$T/$1.req" -v "$2" -o "$T/$1.crt" \
	    --passin pass:system-secret --batch >/dev/null 2>&1 ||
	    fail "$1 issued"
}
# A slash in a --subject value is escaped.
HOSTILE='<script>alert("x")<\/script> & '"'"'q'"'"
issue soon1 20
issue soon2 80
issue hostile 45 "$HOSTILE"
issue mid 200
issue far 500
issue gone 300
issue held 60
gca -p genfic-system -x "$T/gone.crt" --reason keyCompromise >/dev/null 2>&1
gca -p genfic-system -x "$T/held.crt" --reason certificateHold >/dev/null 2>&1
gca -g -p genfic-system --passin pass:system-secret --batch >/dev/null 2>&1 ||
    fail "CRL of genfic-system"

check "-l --html FILE writes the report" gca -l --html "$T/report.html"
refuse "... and does not replace it without --force" 1 "exists" \
    gca -l --html "$T/report.html"
check "... --force replaces it" gca -l --html "$T/report.html" --force
refuse "--html with --json is a usage error" 2 "--html" \
    gca -l --html "$T/r2.html" --json
gca -l --json >"$T/list.json"
gca -e 90 --json >"$T/soon.json"

check "python3 html.parser: well-formed, no script, no external URL, the \
hostile subject escaped" python3 - "$T/report.html" "$T/list.json" <<'EOF'
import html, json, sys
from html.parser import HTMLParser
VOID = {"meta", "br", "img", "input", "link", "hr", "col", "wbr",
        "rect", "line"}
page = open(sys.argv[1], encoding="utf-8").read()
class P(HTMLParser):
    stack = []
    def handle_starttag(self, tag, attrs):
        assert tag not in ("script", "iframe", "object", "embed", "img",
                           "link"), tag
        for k, v in attrs:
            assert not k.startswith("on"), k
            assert k not in ("src", "href"), (k, v)
        if tag not in VOID:
            self.stack.append(tag)
    def handle_startendtag(self, tag, attrs):
        pass
    def handle_endtag(self, tag):
        if tag in VOID:
            return
        assert self.stack and self.stack[-1] == tag, (tag, self.stack[-5:])
        self.stack.pop()
p = P(convert_charrefs=True)
p.feed(page)
p.close()
assert p.stack == [], p.stack
assert "://" not in page and "url(" not in page and "@import" not in page
assert "<script" not in page
subject = [c["subject"] for c in json.load(open(sys.argv[2]))
           if "alert" in c["subject"]][0]
assert "<script" in subject.replace("\\", "") and "'" in subject, subject
assert html.escape(subject, quote=True).replace("&#x27;", "&#39;") in page
EOF

rm -rf "$T/chromium"
timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
    --user-data-dir="$T/chromium" --window-size=1100,1500 --dump-dom \
    --screenshot="$T/report.png" "file://$T/report.html" >"$T/dom.html" \
    2>"$T/chromium.err"
check "chromium rendered a screenshot (PNG)" sh -c "[ \$(head -c 8 \
    '$T/report.png' | od -An -tx1 | tr -d ' \n') = 89504e470d0a1a0a ] &&
    [ \$(wc -c <'$T/report.png') -gt 20000 ]"
check "chromium's DOM: the CA tree, the counts of -l --json, 24 month \
bars matching -l --json, the CRL marked, the rows of -e 90" \
    python3 - "$T/dom.html" "$T/list.json" "$T/soon.json" <<'EOF'
import json, sys, time
from html.parser import HTMLParser
dom, listed, soon = sys.argv[1:4]
class P(HTMLParser):
    def __init__(self):
        super().__init__()
        self.path = []
        self.tree = []          # (depth, name) of span.ca
        self.counts = {}        # ca -> {status: n}
        self.months = []        # (month, count, has a bar)
        self.crl = []
        self.soon = []          # rows of the 90-day table, as cell texts
        self.cell = None
        self.row = None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.path.append((tag, a))
        ids = [x.get("id") for _, x in self.path]
        if tag == "span" and a.get("class") == "ca" and "tree" in ids:
            self.tree.append([sum(1 for t, _ in self.path if t == "ul"), ""])
            self.cell = self.tree[-1]
        if tag == "tr" and "data-ca" in a and "counts" in ids:
            self.row = self.counts.setdefault(a["data-ca"], {})
        if tag == "td" and self.row is not None and a.get("class"):
            self.cell = [a["class"], ""]
        if tag == "g" and a.get("class") == "month":
            self.months.append([a["data-month"], int(a["data-count"]), 0])
        if tag == "rect" and a.get("class") == "bar":
            self.months[-1][2] = 1
        if tag == "line" and a.get("class") == "crl":
            self.crl.append(a["data-ca"])
        if tag == "tr" and "soon" in ids:
            self.soon.append([])
        if tag == "td" and "soon" in ids:
            self.cell = ["soon", ""]
    def handle_data(self, data):
        if self.cell is not None:
            self.cell[1] += data
    def handle_endtag(self, tag):
        if tag in ("td", "span") and self.cell is not None:
            if self.cell[0] == "soon":
                self.soon[-1].append(self.cell[1])
            elif self.row is not None and tag == "td":
                self.row[self.cell[0]] = int(self.cell[1])
            self.cell = None
        if tag == "tr":
            self.row = None
        while self.path and self.path.pop()[0] != tag:
            pass
p = P()
p.feed(open(dom, encoding="utf-8").read())
certs = json.load(open(listed))
# The tree: genfic, with genfic-system and genfic-user under it.
names = {n: d for d, n in p.tree}
assert names == {"genfic": 1, "genfic-system": 2, "genfic-user": 2}, p.tree
# The counts, per CA and status, as -l --json has them.
want = {}
for c in certs:
    w = want.setdefault(c["ca"], {})
    w[c["status"]] = w.get(c["status"], 0) + 1
for ca, w in want.items():
    got = p.counts[ca]
    for s in ("valid", "hold", "revoked", "expired"):
        assert got[s] == w.get(s, 0), (ca, s, got, w)
    assert got["total"] == sum(w.values()), (ca, got)
assert p.counts["genfic-system"]["revoked"] == 1
assert p.counts["genfic-system"]["hold"] == 1
# 24 months from this one, each a bar; the valid certificates of -l
# --json expiring in each.
now = time.gmtime()
assert len(p.months) == 24 and all(m[2] for m in p.months), p.months
per = {}
for c in certs:
    if c["status"] == "valid":
        k = c["not_after"][:7]
        per[k] = per.get(k, 0) + 1
for i, (month, n, _) in enumerate(p.months):
    y, m = now.tm_year + (now.tm_mon - 1 + i) // 12, (now.tm_mon - 1 + i) % 12 + 1
    assert month == "%04d-%02d" % (y, m), (i, month)
    assert n == per.get(month, 0), (month, n, per)
assert sum(n for _, n, _ in p.months) >= 5
assert "genfic-system" in p.crl, p.crl
# The 90-day table: the certificates -e 90 lists, soonest first.
rows = [r for r in p.soon if r]
want = [c for c in json.load(open(soon)) if c.get("kind", "cert") == "cert"]
assert len(rows) == len(want) == 3, (rows, want)
assert [r[3] for r in rows] == [c["serial"] for c in want], (rows, want)
hostile = [c["subject"] for c in want if "alert" in c["subject"]][0]
assert any(r[4] == hostile for r in rows), (rows, hostile)
EOF
finish
