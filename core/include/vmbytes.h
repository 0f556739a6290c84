/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * vmbytes: safe, fast access to guest memory with vm-memory's Bytes
 * contract, in C11. This umbrella header includes every concept header;
 * the experimental tier (vmbytes/experimental.h) only under
 * VMB_EXPERIMENTAL.
 */
#ifndef VMBYTES_H
#define VMBYTES_H

#include "vmbytes/common.h"
#include "vmbytes/version.h"
#include "vmbytes/error.h"
#include "vmbytes/checked.h"
#include "vmbytes/atomic.h"
#include "vmbytes/copy.h"
#include "vmbytes/endian.h"
#include "vmbytes/bitmap.h"
#include "vmbytes/io.h"
#include "vmbytes/bytes.h"
#include "vmbytes/slice.h"
#include "vmbytes/region.h"
#include "vmbytes/guest.h"
#include "vmbytes/datafile.h"
#include "vmbytes/remote.h"
/* Declares nothing unless VMB_EXPERIMENTAL is defined first. */
#include "vmbytes/experimental.h"

#endif /* VMBYTES_H */
