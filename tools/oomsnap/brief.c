// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap CLI: the one-line form of an event, printed by watch and by
 * status ("last event: ...").
 *
 * One grammar, logfmt: space-separated key=value pairs.  A key is the
 * record's own path (interface section 3.1: "victim.pid"), except "time"
 * (real_ns as RFC 3339 UTC) and "boot_s" (boot_ns in seconds); a value the
 * record has as null is left out.  A value is written bare when it is
 * printable ASCII without space, '"', '=' or '\'; otherwise it is quoted
 * and escaped as a JSON string, which is what the module wrote in the
 * record (a name holding a quote, a space or a control byte can neither
 * end the value nor reach the terminal raw).  Stream notices are lines of
 * the same grammar: lost=N or cleared=N, and msg="...".
 */
#include <stdio.h>
#include <string.h>

#include "oomsnap.h"

static void lf_key(struct sbuf *b, const char *key)
{
	if (b->len)
		sb_putc(b, ' ');
	sb_puts(b, key);
	sb_putc(b, '=');
}

/* @e: a value as escaped for the JSON (sb_escaped()). */
static void lf_value(struct sbuf *b, const char *e)
{
	const char *p;
	bool bare = *e;

	for (p = e; *p && bare; p++)
		bare = *p > ' ' && *p < 0x7f && !strchr("\"=\\", *p);
	if (bare) {
		sb_puts(b, e);
		return;
	}
	sb_putc(b, '"');
	sb_puts(b, e);
	sb_putc(b, '"');
}

/* key=value of the record's @path, nothing when it is unknown. */
static void lf_path(struct sbuf *b, json_object *rec, const char *path)
{
	struct sbuf v = { 0 };

	if (!rec_has(rec, path))
		return;
	sb_v(&v, rec, path);
	lf_key(b, path);
	lf_value(b, v.s);
	sb_free(&v);
}

/*
 * The container, pod and unit of the trigger, the memcg at its limit and
 * the victim (ident.c), keyed by their paths in the JSON the CLI writes:
 * identity.victim.container_id=...
 */
static void lf_identity(struct sbuf *b, json_object *rec)
{
	static const char * const who[] = { "trigger", "memcg", "victim" };
	static const char * const what[] = {
		"runtime", "container_id", "pod_uid", "qos", "unit",
	};
	json_object *id = ident_record(rec);
	struct sbuf v = { 0 };
	char path[64];
	size_t i, k;

	for (i = 0; id && i < ARRAY_SIZE(who); i++)
		for (k = 0; k < ARRAY_SIZE(what); k++) {
			snprintf(path, sizeof(path), "%s.%s", who[i], what[k]);
			if (!rec_has(id, path))
				continue;
			sb_reset(&v);
			sb_v(&v, id, path);
			snprintf(path, sizeof(path), "identity.%s.%s", who[i], what[k]);
			lf_key(b, path);
			lf_value(b, v.s);
		}
	sb_free(&v);
	json_object_put(id);
}

/*
 * seq, when, why (cause, kind, constraint, the memcg at its limit), the
 * allocation, its trigger, and the outcome with the victim's figures.
 */
void sb_brief(struct sbuf *b, json_object *rec)
{
	static const char * const paths[] = {
		"cause", "kind", "constraint",
		"memcg.path", "memcg.usage_kb", "memcg.limit_kb",
		"order", "gfp", "trigger.pid", "trigger.comm",
		"outcome", "victim.pid", "victim.comm", "victim.points",
		"victim.oom_score_adj", "victim.anon_rss_kb",
	};
	size_t i;

	lf_path(b, rec, "seq");
	if (rec_has(rec, "real_ns")) {
		lf_key(b, "time");
		sb_utc(b, (long long)(rec_int(rec, "real_ns") / 1e9), true);
	}
	if (rec_has(rec, "boot_ns")) {
		lf_key(b, "boot_s");
		sb_printf(b, "%.1f", rec_int(rec, "boot_ns") / 1e9);
	}
	for (i = 0; i < ARRAY_SIZE(paths); i++)
		lf_path(b, rec, paths[i]);
	lf_identity(b, rec);
}

/*
 * A stream notice ({"v":1,"lost":N}, {"v":1,"cleared":N}, interface
 * section 2) in the same grammar.  Returns false when @rec is none.
 */
bool sb_notice(struct sbuf *b, json_object *rec)
{
	if (rec_has(rec, "lost")) {
		lf_path(b, rec, "lost");
		lf_key(b, "msg");
		lf_value(b, "events lost: this reader fell more than the ring behind");
		return true;
	}
	if (rec_has(rec, "cleared")) {
		lf_path(b, rec, "cleared");
		lf_key(b, "msg");
		lf_value(b,
			 "events not shown: the ring was cleared (a write to the clear file) before they were read");
		return true;
	}
	return false;
}
