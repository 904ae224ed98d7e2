// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap: find kernel tracepoints by name.
 *
 * The oom and sched tracepoints are not exported to modules, so they are
 * looked up by walking the kernel's own tracepoint table.
 */
#include <linux/tracepoint.h>
#include <linux/string.h>
#include "oomsnap.h"

struct oomsnap_tp_lookup {
	const char *name;
	struct tracepoint *tp;
};

static void oomsnap_tp_match(struct tracepoint *tp, void *priv)
{
	struct oomsnap_tp_lookup *l = priv;

	if (!l->tp && !strcmp(tp->name, l->name))
		l->tp = tp;
}

/**
 * oomsnap_tp_find() - look up a built-in tracepoint by name
 * @name: the tracepoint's name, e.g. "mark_victim"
 *
 * Context: process context, at load time.
 * Return: the tracepoint, or NULL when this kernel does not have it.
 */
struct tracepoint *oomsnap_tp_find(const char *name)
{
	struct oomsnap_tp_lookup l = { .name = name };

	for_each_kernel_tracepoint(oomsnap_tp_match, &l);
	return l.tp;
}
