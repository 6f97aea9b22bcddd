# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the OCSP benchmarks (ocsp.sh, ocsp-ab.sh) once $T and
# $GENFIC_CA_DIR are set.

# ocsp_requests ISSUER-CERT CA: the requests for one good certificate of
# CA, picked at random: $T/req.der (no nonce: cached) and $T/nonce.der
# (answered live); GETPATH, req.der as a GET path; $T/post.lua, a wrk
# script that POSTs the file GF_BENCH_BODY names.
ocsp_requests() {
	gf_serial=$(sqlite3 "$GENFIC_CA_DIR/ca.db" "SELECT hex(serial)
	    FROM cert WHERE ca_id = (SELECT id FROM ca WHERE name = '$2')
	    AND revoked_at IS NULL ORDER BY random() LIMIT 1")
	openssl ocsp -issuer "$1" -serial "0x$gf_serial" -no_nonce \
	    -reqout "$T/req.der" >/dev/null 2>&1
	openssl ocsp -issuer "$1" -serial "0x$gf_serial" \
	    -reqout "$T/nonce.der" >/dev/null 2>&1
	GETPATH=$(base64 -w0 "$T/req.der" |
	    sed -e 's/+/%2B/g' -e 's|/|%2F|g' -e 's/=/%3D/g')
	cat >"$T/post.lua" <<'LUA'
local f = assert(io.open(os.getenv("GF_BENCH_BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
wrk.headers["Content-Type"] = "application/ocsp-request"
f:close()
LUA
}
