#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# What reaches a terminal.  Text from an imported openssl ca directory (a
# SAN, an index.txt subject) or from an edited database is escaped by -l,
# -e, -S, --audit and -x, checked byte by byte: no raw ESC (0x1b), C1 CSI
# (0xc2 0x9b), right-to-left override (0xe2 0x80 0xae) or zero-width
# space (0xe2 0x80 0x8b), and their escapes \x1b \u009b \u202e \u200b
# instead.  -l keeps its columns with 20-byte serials; colour only on a
# terminal, and not with NO_COLOR or TERM=dumb; --tsv for scripts.
. "$(dirname "$0")/lib.sh"

command -v script >/dev/null 2>&1 || { fail "script(1) (util-linux) is needed"; finish; exit 1; }

make_hierarchy || { echo "not ok - hierarchy"; exit 1; }
ESC=$(printf '\033')
C1=$(printf '\302\233')
RLO=$(printf '\342\200\256')
ZWSP=$(printf '\342\200\213')

# raw FILE: FILE carries none of the four raw sequences.
raw() {
	LC_ALL=C grep -qF -e "$ESC" -e "$C1" -e "$RLO" -e "$ZWSP" "$1"
}
# has FILE TEXT: FILE carries TEXT as is (fixed string).
has() {
	LC_ALL=C grep -qF -- "$2" "$1"
}

# An openssl ca directory whose serials are 20 bytes; h1 carries a SAN
# with ESC and a C1 CSI; h2's index.txt subject is edited to carry ESC,
# a right-to-left override and a zero-width space, and its file removed,
# so that the index line alone is imported.
O=$T/oldca
openssl_ca_dir "$O" 7F00112233445566778899AABBCCDDEEFF001122 \
    "copy_extensions = copy"
for i in 1 2; do
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$O/req/h$i.key" -subj "/CN=h$i.example" \
	    -addext "subjectAltName=DNS:a${ESC}[2Jb${C1}c.example" \
	    -out "$O/req/h$i.csr" 2>/dev/null
	openssl ca -batch -config "$O/openssl.cnf" -passin pass:old-secret \
	    -in "$O/req/h$i.csr" -out "$O/req/h$i.crt" 2>/dev/null
done
s1=$(serial_of "$O/req/h1.crt")
s2=$(serial_of "$O/req/h2.crt")
[ ${#s1} -eq 40 ] && pass "a 20-byte serial issued by openssl ca" ||
    fail "a 20-byte serial issued by openssl ca ($s1)"
rm "$O/newcerts/$s2.pem"
sed -i "s|/CN=h2.example|/CN=h2${ESC}[2J${RLO}gpj${ZWSP}.example|" "$O/index.txt"
check "import the openssl ca directory" gca -I "$O" --passin pass:old-secret \
    --passout pass:new-secret --batch

# -l: an edited label too, and a subject wider than its column.
sql "UPDATE cert SET label = 'lab${ESC}]0;owned${C1}${RLO}el' WHERE hex(serial) = '$s1'"
check "-l" gca -l
cp "$T/out" "$T/list"
raw "$T/list" && fail "-l: no raw ESC, C1, RLO or ZWSP" ||
    pass "-l: no raw ESC, C1, RLO or ZWSP"
# dn_format() stored ESC as RFC 4514's \1B; the rest is ours to escape.
has "$T/list" 'CN=h2\1B[2J\u202egpj\u200b.example' &&
    pass "-l: the index.txt subject escaped" || fail "-l: the index.txt subject escaped"
has "$T/list" 'lab\x1b]0;owned\u009b\u202eel' &&
    pass "-l: the edited label escaped" || fail "-l: the edited label escaped"
# Each row's STATUS, SUBJECT and LABEL start where the header's do.
awk 'NR == 1 { st = index($0, "STATUS"); su = index($0, "SUBJECT"); la = index($0, "LABEL"); next }
    substr($0, st - 2, 2) != "  " || substr($0, st) !~ /^(valid|revoked|expired|hold) / ||
    substr($0, su - 2, 2) != "  " || substr($0, su, 3) !~ /^[A-Z]+=/ ||
    substr($0, la - 2, 2) != "  " { print NR ": " $0; bad = 1 }
    END { exit bad }' "$T/list" >"$T/misaligned" &&
    pass "-l: columns aligned with 20-byte serials" ||
    { fail "-l: columns aligned with 20-byte serials"; sed 's/^/#   /' "$T/misaligned" | head -5; }
grep -q "$s1" "$T/list" && pass "-l: the 20-byte serial whole" || fail "-l: the 20-byte serial whole"

# -e: the same rows, escaped.
sql "UPDATE cert SET not_after = strftime('%s', 'now') + 5 * 86400 WHERE hex(serial) IN ('$s1', '$s2')"
gca -e 10 >"$T/exp"
raw "$T/exp" && fail "-e: no raw sequence" || pass "-e: no raw sequence"
has "$T/exp" '\u202egpj' && pass "-e: escaped" || fail "-e: escaped"

# -S: the SAN as openssl prints it (raw), escaped by us; the label too.
check "-S of the imported certificate" gca -S "$s1"
raw "$T/out" && fail "-S: no raw sequence" || pass "-S: no raw sequence"
has "$T/out" 'DNS:a\x1b[2Jb\u009bc.example' && pass "-S: the SAN escaped" ||
    fail "-S: the SAN escaped"
has "$T/out" 'Label:     lab\x1b]0;owned\u009b\u202eel' && pass "-S: the label escaped" ||
    fail "-S: the label escaped"

# --audit: the index.txt subject, as the import recorded it.
check "--audit" gca --audit
raw "$T/out" && fail "--audit: no raw sequence" || pass "--audit: no raw sequence"
has "$T/out" '/CN=h2\x1b[2J\u202egpj\u200b.example' && pass "--audit: the subject escaped" ||
    fail "--audit: the subject escaped"
check "--audit --json" sh -c "\"$GENFIC_CA\" --audit --json | python3 -m json.tool"

# -x: what it says it revoked.
check "-x of the index-only row" gca -p oldca -x "$s2"
raw "$T/out" && fail "-x: no raw sequence" || pass "-x: no raw sequence"
has "$T/out" "$s2 revoked: CN=h2" && has "$T/out" '\u202egpj\u200b' &&
    pass "-x: the subject escaped" || fail "-x: the subject escaped"

# Colour: on a terminal only, and not with NO_COLOR or TERM=dumb.
tty_run() {	# tty_run ENV...: genfic-ca -l on a pseudo-terminal, into $T/tty
	env "$@" script -qec "\"$GENFIC_CA\" -l" /dev/null >"$T/tty" 2>&1
}
tty_run TERM=xterm
has "$T/tty" "${ESC}[1mCA" && has "$T/tty" "${ESC}[31mrevoked" &&
    pass "colour on a terminal" || fail "colour on a terminal"
tty_run TERM=xterm NO_COLOR=1
has "$T/tty" "CA" && ! has "$T/tty" "$ESC" && pass "NO_COLOR: no escape sequence" ||
    fail "NO_COLOR: no escape sequence"
tty_run TERM=dumb
has "$T/tty" "CA" && ! has "$T/tty" "$ESC" && pass "TERM=dumb: no escape sequence" ||
    fail "TERM=dumb: no escape sequence"

# --tsv: no header, no colour, nothing cut; CA SERIAL STATUS EXPIRES HASH
# SUBJECT LABEL IS_CA OWNER (-e: DAYS after EXPIRES).
long="/O=A rather long organisation name/OU=and a unit/CN=tsv.example"
gca -R "$T/tsv" --nopass --subject "$long" >/dev/null
gca -p genfic-system --passin pass:system-secret --batch -s "$T/tsv.req" \
    -o "$T/tsv.crt" --label tsv 2>/dev/null
check "-l --tsv" gca -l --tsv
cp "$T/out" "$T/tsv.out"
[ "$(wc -l <"$T/tsv.out")" -eq "$(rows cert)" ] && pass "--tsv: one line per certificate, no header" ||
    fail "--tsv: one line per certificate, no header"
awk -F '\t' 'NF != 9 { bad = 1 } END { exit bad }' "$T/tsv.out" &&
    pass "--tsv: 9 tab-separated fields" || fail "--tsv: 9 tab-separated fields"
grep -q "	CN=tsv.example,OU=and a unit,O=A rather long organisation name	tsv	0	$" "$T/tsv.out" &&
    pass "--tsv: the subject whole" || fail "--tsv: the subject whole"
raw "$T/tsv.out" && fail "--tsv: no raw sequence" || pass "--tsv: no raw sequence"
awk -F '\t' -v s="$s1" '$2 == s && $7 == "lab\\x1b]0;owned\\u009b\\u202eel" { ok = 1 } END { exit !ok }' \
    "$T/tsv.out" && pass "--tsv: the label escaped in its field" || fail "--tsv: the label escaped in its field"
env TERM=xterm script -qec "\"$GENFIC_CA\" -l --tsv" /dev/null >"$T/tty" 2>&1
! has "$T/tty" "$ESC" && pass "--tsv on a terminal: no colour" || fail "--tsv on a terminal: no colour"
gca -e 10 --tsv >"$T/o"
awk -F '\t' 'NF != 10 || $5 !~ /^[0-9]+$/ { bad = 1 } END { exit bad || NR == 0 }' "$T/o" &&
    pass "-e --tsv: 10 fields, the days fifth" || fail "-e --tsv: 10 fields, the days fifth"
refuse "--tsv with --json" 2 "--json or --tsv, not both" gca -l --tsv --json
finish
