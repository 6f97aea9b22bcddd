#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Turn an SQL file into a C string constant: embed.py IN OUT SYMBOL."""
import sys

src, out, symbol = sys.argv[1:4]
with open(src, encoding='utf-8') as f:
    text = f.read()
lines = ['"%s\\n"' % l.replace('\\', '\\\\').replace('"', '\\"') for l in text.splitlines()]
with open(out, 'w', encoding='utf-8') as f:
    f.write('/* generated from %s by db/embed.py */\n' % src.rsplit('/', 1)[-1])
    f.write('const char %s[] =\n%s;\n' % (symbol, '\n'.join(lines) or '""'))
