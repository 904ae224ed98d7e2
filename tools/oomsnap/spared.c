// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap: what protection spared, in words (explain).
 *
 * The record's "spared" list (docs/interface.md section 3.1) holds each
 * process oomsnap's protection kept out of the kernel's choice, scored
 * with its own oom_score_adj.  The sentence a user whose database
 * survived wants: was it protection that saved it, or was it never at
 * risk?
 */
#include "oomsnap.h"

static void sb_spared_one(struct sbuf *s, json_object *sp)
{
	sb_printf(s, "pid %lld (", rec_int(sp, "pid"));
	sb_v(s, sp, "comm");
	sb_printf(s, "), oom_score_adj %lld by protection: with its own oom_score_adj %lld it would have scored %lld points",
		  rec_int(sp, "oom_score_adj"), rec_int(sp, "own_oom_score_adj"),
		  rec_int(sp, "points"));
}

/**
 * explain_spared() - the "What protection spared" paragraph
 * @s: where to write
 * @rec: the event record
 * @order: unused (the paragraphs' common signature)
 *
 * Writes nothing when the record lists nothing spared.
 */
void explain_spared(struct sbuf *s, json_object *rec, long long order)
{
	json_object *list = rec_get(rec, "spared");
	size_t n, i;

	(void)order;
	if (!list || !json_object_is_type(list, json_type_array))
		return;
	n = json_object_array_length(list);
	if (!n)
		return;
	sb_puts(s, "What protection spared: ");
	for (i = 0; i < n; i++) {
		json_object *sp = json_object_array_get_idx(list, i);

		if (i)
			sb_puts(s, "; ");
		sb_spared_one(s, sp);
		if (rec_is(sp, "would_be_victim", "true")) {
			sb_puts(s, " and been killed instead of ");
			sb_task(s, rec, "victim");
			sb_puts(s, ": protection saved it");
		} else if (rec_has(rec, "victim.points")) {
			sb_printf(s, ", fewer than the victim's %lld: it was not at risk this time",
				  rec_int(rec, "victim.points"));
		}
	}
	sb_putc(s, '.');
	if (rec_int(rec, "spared_seen") > (long long)n)
		sb_printf(s, " %lld more were spared with fewer points (the record keeps the %zu highest).",
			  rec_int(rec, "spared_seen") - (long long)n, n);
}
