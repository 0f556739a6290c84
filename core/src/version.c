/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
#include "vmbytes/version.h"

#define VMB__STR(x) #x
#define VMB__XSTR(x) VMB__STR(x)

const char *vmb_version(void)
{
	return VMB__XSTR(VMB_VERSION_MAJOR) "." VMB__XSTR(VMB_VERSION_MINOR) "." VMB__XSTR(
		VMB_VERSION_PATCH);
}
