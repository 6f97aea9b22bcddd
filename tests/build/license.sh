#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Every source file carries the license line of LICENSE (GPL-2.0-or-later,
# as meson.build says) near its top.
. "$(dirname "$0")/../cli/lib.sh"
src=$(cd "$(dirname "$0")/../.." && pwd)
line='SPDX-License-Identifier: GPL-2.0-or-later'

grep -q "^  license : 'GPL-2.0-or-later'" "$src/meson.build" &&
    grep -q "GNU GENERAL PUBLIC LICENSE" "$src/LICENSE" &&
    grep -q "Version 2" "$src/LICENSE" && pass "meson.build and LICENSE agree" ||
    fail "meson.build's license is LICENSE's"

missing=$(cd "$src" && find src ocsp include tests db contrib meson.build \
    \( -path tests/fuzz/corpus -o -path tests/data \) -prune -o -type f \
    \( -name '*.c' -o -name '*.h' -o -name '*.sh' -o -name '*.py' \
       -o -name '*.sql' -o -name meson.build \) -print |
    while read -r f; do
	head -3 "$f" | grep -q "$line" || echo "$f"
    done)
[ -z "$missing" ] && pass "every source file has the license line" ||
    fail "no license line in: $(echo $missing)"
finish
