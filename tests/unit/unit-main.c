/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The unit test runner: registers every module's suite and runs them all.
 * Exits non-zero when any assertion fails or CUnit itself reports an error.
 */
#include <stdio.h>

#include <CUnit/Basic.h>

#include "test.h"

static int (*const registrations[])(void) = {
	test_dn_register,
	test_err_register,
	test_pass_register,
	test_pool_register,
	test_serial_register,
	test_template_register,
	test_keys_register,
	test_policy_register,
	test_csr_register,
	test_request_register,
	test_privsep_register,
	test_store_register,
	test_certdb_register,
	test_audit_register,
	test_file_register,
	test_shamir_register,
	test_keybackup_register,
};

int
main(void)
{
	unsigned int failures, suites_failed, tests_failed;
	size_t i;

	if (CU_initialize_registry() != CUE_SUCCESS) {
		fprintf(stderr, "unit-tests: %s\n", CU_get_error_msg());
		return 1;
	}
	for (i = 0; i < sizeof(registrations) / sizeof(registrations[0]); i++)
		if (registrations[i]() != 0) {
			fprintf(stderr, "unit-tests: registering suite %zu: %s\n",
			    i, CU_get_error_msg());
			CU_cleanup_registry();
			return 1;
		}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	if (CU_basic_run_tests() != CUE_SUCCESS) {
		fprintf(stderr, "unit-tests: %s\n", CU_get_error_msg());
		CU_cleanup_registry();
		return 1;
	}
	failures = CU_get_number_of_failures();
	suites_failed = CU_get_number_of_suites_failed();
	tests_failed = CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failures != 0 || suites_failed != 0 || tests_failed != 0;
}
