/* SPDX-License-Identifier: GPL-2.0-or-later */
/* err.c: gf_escape(), what a terminal gets of hostile text. */
#include <string.h>

#include "genfic/err.h"

#include "test.h"

static const struct escape_case {
	const char	*what;
	const char	*in;
	size_t		 len;
	const char	*out;
} escape_cases[] = {
	{ "plain ASCII", "CN=host.example", 15, "CN=host.example" },
	{ "UTF-8 letters kept", "J\xc3\xbcrgen \xe6\x97\xa5", 11,
	    "J\xc3\xbcrgen \xe6\x97\xa5" },
	{ "4-byte UTF-8 kept", "a\xf0\x9f\x94\x91", 5, "a\xf0\x9f\x94\x91" },
	{ "ESC", "a\033[2Jb", 6, "a\\x1b[2Jb" },
	{ "NUL", "a\0b", 3, "a\\x00b" },
	{ "newline and tab", "a\nb\tc", 5, "a\\x0ab\\x09c" },
	{ "DEL", "a\177", 2, "a\\x7f" },
	{ "C1 CSI (U+009B)", "a\xc2\x9b" "2J", 5, "a\\u009b2J" },
	{ "C1 NEL (U+0085)", "\xc2\x85", 2, "\\u0085" },
	{ "U+00A0 is printable", "\xc2\xa0", 2, "\xc2\xa0" },
	{ "raw 0x9b byte", "a\x9b" "2J", 4, "a\\x9b2J" },
	{ "RLO U+202E", "evil\xe2\x80\xaegpj.exe", 14, "evil\\u202egpj.exe" },
	{ "LRE U+202A", "\xe2\x80\xaa", 3, "\\u202a" },
	{ "RLI U+2067", "\xe2\x81\xa7", 3, "\\u2067" },
	{ "PDI U+2069", "\xe2\x81\xa9", 3, "\\u2069" },
	{ "ALM U+061C", "\xd8\x9c", 2, "\\u061c" },
	{ "ZWSP U+200B", "a\xe2\x80\x8b" "b", 5, "a\\u200bb" },
	{ "RLM U+200F", "\xe2\x80\x8f", 3, "\\u200f" },
	{ "BOM U+FEFF", "\xef\xbb\xbf" "x", 4, "\\ufeffx" },
	{ "word joiner U+2060", "\xe2\x81\xa0", 3, "\\u2060" },
	{ "line separator U+2028", "a\xe2\x80\xa8" "b", 5, "a\\u2028b" },
	{ "tag U+E0041", "\xf3\xa0\x81\x81", 4, "\\U000e0041" },
	{ "invalid continuation", "a\xc3(", 3, "a\\xc3(" },
	{ "truncated sequence", "a\xe2\x80", 3, "a\\xe2\\x80" },
	{ "overlong slash", "\xc0\xaf", 2, "\\xc0\\xaf" },
	{ "overlong ESC", "\xc0\x9b", 2, "\\xc0\\x9b" },
	{ "surrogate", "\xed\xa0\x80", 3, "\\xed\\xa0\\x80" },
	{ "above U+10FFFF", "\xf4\x90\x80\x80", 4,
	    "\\xf4\\x90\\x80\\x80" },
	{ "byte 0xff", "\xff", 1, "\\xff" },
};

static void
test_escape_rows(void)
{
	char out[256];
	size_t i, n;

	for (i = 0; i < sizeof(escape_cases) / sizeof(escape_cases[0]); i++) {
		const struct escape_case *t = &escape_cases[i];

		n = gf_escape(out, sizeof(out), t->in, t->len);
		CHECK_ROW(strcmp(out, t->out) == 0, t->what);
		CHECK_ROW(n == strlen(t->out), t->what);
	}
}

/* Truncation keeps whole characters and whole escapes. */
static void
test_escape_truncation(void)
{
	char out[8];

	CU_ASSERT_EQUAL(gf_escape(out, sizeof(out), "abc\xe2\x80\xae", 6), 3);
	CU_ASSERT_STRING_EQUAL(out, "abc");
	CU_ASSERT_EQUAL(gf_escape(out, sizeof(out), "abcde\xc3\xbc", 7), 7);
	CU_ASSERT_STRING_EQUAL(out, "abcde\xc3\xbc");
	CU_ASSERT_EQUAL(gf_escape(out, 7, "abcde\xc3\xbc", 7), 5);
	CU_ASSERT_STRING_EQUAL(out, "abcde");
	CU_ASSERT_EQUAL(gf_escape(out, 1, "abc", 3), 0);
	CU_ASSERT_STRING_EQUAL(out, "");
	CU_ASSERT_EQUAL(gf_escape(out, 0, "abc", 3), 0);
}

/* What was escaped is printable ASCII or printable UTF-8: escaping twice changes nothing. */
static void
test_escape_idempotent(void)
{
	char once[256], twice[256];
	size_t i;

	for (i = 0; i < sizeof(escape_cases) / sizeof(escape_cases[0]); i++) {
		const struct escape_case *t = &escape_cases[i];

		gf_escape(once, sizeof(once), t->in, t->len);
		gf_escape(twice, sizeof(twice), once, strlen(once));
		CHECK_ROW(strcmp(once, twice) == 0, t->what);
	}
}

/* A diagnostic carries the escapes too. */
static void
test_fail_escapes(void)
{
	int r;

	r = gf_fail(GF_ERR_FORMAT, "'%s': bad", "a\xc2\x9b" "b\xe2\x80\xae");
	CU_ASSERT_STRING_EQUAL(gf_errmsg(r), "'a\\u009bb\\u202e': bad");
	gf_errclear();
}

int
test_err_register(void)
{
	CU_pSuite s;

	if ((s = CU_add_suite("err", NULL, NULL)) == NULL ||
	    CU_add_test(s, "gf_escape rows", test_escape_rows) == NULL ||
	    CU_add_test(s, "gf_escape truncation",
	    test_escape_truncation) == NULL ||
	    CU_add_test(s, "gf_escape twice", test_escape_idempotent) == NULL ||
	    CU_add_test(s, "gf_fail escapes", test_fail_escapes) == NULL)
		return -1;
	return 0;
}
