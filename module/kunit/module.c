// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap_kunit.ko: the KUnit suites of oomsnap.ko, a module of their own
 * (module/Kbuild builds it only for kernels with KUnit).  Loaded beside
 * oomsnap.ko, it runs its suites at load and reports them as KTAP in the
 * kernel log; scripts/guest/init turns that into the run's TAP lines.
 * The suites call functions that oomsnap.ko exports for KUnit only
 * (EXPORT_SYMBOL_IF_KUNIT()):
 *
 *   oomsnap_cause    classifier and fragmentation test, constructed zones
 *   oomsnap_render   JSON and text views, hostile strings, nulls, overflow
 *   oomsnap_ring     rings of their own: wrap-around, seq arithmetic,
 *                    clear, cursors, reaper lookup
 *   oomsnap_protect  the protect command parser on its own (interface
 *                    section 5): text in, commands out
 *   oomsnap_mem_reasons  why swap did not help (section 4.1): each
 *                    threshold on both sides, constructed events
 */
#include <linux/module.h>
#include "../oomsnap.h"

MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit suites of oomsnap");
MODULE_AUTHOR("oomsnap developers");
