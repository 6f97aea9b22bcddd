/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The unit test suites: one registration function per core module. */
#ifndef GENFIC_TEST_H
#define GENFIC_TEST_H

#include <stddef.h>

#include <CUnit/CUnit.h>

/* Each adds its suite to the registry; 0 on success, -1 on a CUnit error. */
int	test_audit_register(void);
int	test_certdb_register(void);
int	test_csr_register(void);
int	test_dn_register(void);
int	test_err_register(void);
int	test_file_register(void);
int	test_keybackup_register(void);
int	test_keys_register(void);
int	test_pass_register(void);
int	test_policy_register(void);
int	test_pool_register(void);
int	test_request_register(void);
int	test_privsep_register(void);
int	test_serial_register(void);
int	test_shamir_register(void);
int	test_store_register(void);
int	test_template_register(void);

/*
 * Asserts cond inside a table-driven test, naming the row in the failure
 * report (CUnit itself prints only the expression).
 */
#define CHECK_ROW(cond, row) \
	test_check_row((cond) ? 1 : 0, (row), #cond, __FILE__, __LINE__)
void	test_check_row(int ok, const char *row, const char *expr,
	    const char *file, unsigned int line);

/* Asserts that the detail of the last failure contains want. */
#define CHECK_ERRMSG(code, want, row) \
	test_check_errmsg((code), (want), (row), __FILE__, __LINE__)
void	test_check_errmsg(int code, const char *want, const char *row,
	    const char *file, unsigned int line);

/* A new private directory under $TMPDIR, or NULL; free() the name. */
char	*test_tmpdir(void);

/* Removes dir and everything below it, then frees the name. */
void	test_rmtree(char *dir);

/* DIR/NAME in a new string (aborts on allocation failure). */
char	*test_path(const char *dir, const char *name);

/* Writes len bytes to path (created 0600, truncated); 0 or -1. */
int	test_write_file(const char *path, const void *data, size_t len);

/* Reads the whole file into a new NUL-terminated buffer, or NULL. */
char	*test_read_file(const char *path, size_t *len);

/* Counts the entries of dir whose name contains part, or -1. */
int	test_count_names(const char *dir, const char *part);

/* The shipped templates directory ($GENFIC_CA_TEMPLATES), or NULL. */
const char *test_templates_dir(void);

#endif
