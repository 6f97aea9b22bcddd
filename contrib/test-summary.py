#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Adds up meson's test logs, and contrib/fuzz.sh's results if given with
--fuzz, into one closing line: 'N passed, N failed, N skipped'.  Each
harness counts as one test: passed if it ran clean, failed otherwise."""
import json
import os
import sys

passed = failed = skipped = 0
args = sys.argv[1:]
fuzz = None
if '--fuzz' in args:
    i = args.index('--fuzz')
    fuzz = args[i + 1]
    del args[i:i + 2]

for path in args:
    with open(path, encoding='utf-8') as f:
        for line in f:
            result = json.loads(line)['result']
            if result in ('OK', 'EXPECTEDFAIL'):
                passed += 1
            elif result == 'SKIP':
                skipped += 1
            else:
                failed += 1

if fuzz is not None:
    if not os.path.exists(fuzz):
        print('fuzz: no results in %s (did the fuzz build fail?)' % fuzz)
        failed += 1
    else:
        clean = bad = execs = 0
        names = []
        with open(fuzz, encoding='utf-8') as f:
            for line in f:
                name, status, n, secs = line.split()
                execs += int(n)
                if status == 'ok':
                    clean += 1
                else:
                    bad += 1
                    names.append(name)
        print('fuzz: %d harnesses clean, %d with findings%s; %d execs' %
              (clean, bad, ' (' + ', '.join(names) + ')' if names else '',
               execs))
        passed += clean
        failed += bad
print('%d passed, %d failed, %d skipped' % (passed, failed, skipped))
sys.exit(1 if failed or not passed else 0)
