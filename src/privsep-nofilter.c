/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A build without libseccomp: the parsers have their limits, no filter. */
#include "genfic/privsep.h"

const char privsep_filter_name[] = "none";

int
privsep_filter(int fd)
{
	(void)fd;
	return 0;
}
