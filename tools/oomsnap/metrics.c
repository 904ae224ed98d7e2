// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap CLI: metrics, the module's counters and the retained events in
 * the Prometheus text exposition format (node_exporter's textfile
 * collector).  Names follow the Prometheus conventions: counters end in
 * _total, units are in the name, a HELP and a TYPE line precede each
 * family.  Families and labels come out in the order of the stats file
 * and of the events.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oomsnap.h"

/* One "key value" line of stats. */
struct stat_kv {
	char *key;
	long long val;
};

struct stats {
	struct stat_kv *kv;
	size_t n;
	char **hooks;		/* "hook NAME ok|missing": NAME */
	bool *hook_ok;
	size_t nh;
};

#define LABELS 4
static const char * const labels[LABELS] = { "kind", "constraint", "cause", "outcome" };

/* Retained events counted by the value of one label. */
struct count {
	char *value;
	long long n;
};

struct by_label {
	struct count *c;
	size_t n;
};

static void parse_stats(struct stats *st, char *buf)
{
	char *save = NULL, *line, *k, *v, *x;

	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *s2 = NULL;

		k = strtok_r(line, " \t", &s2);
		v = k ? strtok_r(NULL, " \t", &s2) : NULL;
		x = v ? strtok_r(NULL, " \t", &s2) : NULL;
		if (!k || !v)
			continue;
		if (!strcmp(k, "hook") && x) {
			st->hooks = xrealloc(st->hooks, (st->nh + 1) * sizeof(*st->hooks));
			st->hook_ok = xrealloc(st->hook_ok, (st->nh + 1) * sizeof(*st->hook_ok));
			st->hooks[st->nh] = v;
			st->hook_ok[st->nh++] = !strcmp(x, "ok");
			continue;
		}
		if (x)
			continue;
		st->kv = xrealloc(st->kv, (st->n + 1) * sizeof(*st->kv));
		st->kv[st->n].key = k;
		st->kv[st->n++].val = strtoll(v, NULL, 10);
	}
}

static long long stat_get(const struct stats *st, const char *key)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		if (!strcmp(st->kv[i].key, key))
			return st->kv[i].val;
	return 0;
}

static void count(struct by_label *bl, const char *value)
{
	size_t i;

	for (i = 0; i < bl->n; i++)
		if (!strcmp(bl->c[i].value, value)) {
			bl->c[i].n++;
			return;
		}
	bl->c = xrealloc(bl->c, (bl->n + 1) * sizeof(*bl->c));
	bl->c[bl->n].value = strdup(value);
	bl->c[bl->n++].n = 1;
}

/* Count an event under each of its reasons (interface section 4.1). */
static void count_reasons(struct by_label *bl, json_object *rec)
{
	json_object *r = rec_get(rec, "reasons");
	size_t i, n;

	if (!r || !json_object_is_type(r, json_type_array))
		return;
	if (!bl->c)	/* the family is shown once a module gives reasons */
		bl->c = xrealloc(NULL, sizeof(*bl->c));
	n = json_object_array_length(r);
	for (i = 0; i < n; i++)
		count(bl, json_object_get_string(json_object_array_get_idx(r, i)));
}

/* Count the retained events by label; the newest wall-clock time. */
static void scan_events(struct by_label *by, long long *last_ns)
{
	size_t size, len, i;
	char *buf = read_file_soft("events.json", &size);
	struct lines it = { buf, buf + size, 0 };
	struct sbuf v = { 0 };
	const char *line;
	json_object *rec;

	if (!buf)
		return;
	while ((rec = next_record(&it, &line, &len))) {
		if (is_event(rec)) {
			for (i = 0; i < LABELS; i++) {
				sb_reset(&v);
				sb_v(&v, rec, labels[i]);
				count(&by[i], v.s);
			}
			count_reasons(&by[LABELS], rec);
			if (rec_int(rec, "real_ns") > *last_ns)
				*last_ns = rec_int(rec, "real_ns");
		}
		json_object_put(rec);
	}
	sb_free(&v);
	free(buf);
}

static void fam(const char *name, const char *type, const char *help)
{
	printf("# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One family by a label: HELP, TYPE, and a sample per value of @bl. */
static void fam_by(const char *prefix, const char *label, const char *suffix,
		   const char *type, const char *help, const struct by_label *bl)
{
	char name[96], h[128];
	size_t j;

	snprintf(name, sizeof(name), "%s%s%s", prefix, label, suffix);
	snprintf(h, sizeof(h), "%s%s.", help, label);
	fam(name, type, h);
	for (j = 0; j < bl->n; j++)
		printf("%s{%s=\"%s\"} %lld\n", name, label, bl->c[j].value, bl->c[j].n);
}

/* A family of one sample, the stats file's @key (@ns: nanoseconds, shown in s). */
struct stat_family {
	const char *name, *type, *help, *key;
	bool ns;
};

static void stat_families(const struct stats *st, const struct stat_family *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		fam(f[i].name, f[i].type, f[i].help);
		if (f[i].ns)
			printf("%s %.9f\n", f[i].name, stat_get(st, f[i].key) / 1e9);
		else
			printf("%s %lld\n", f[i].name, stat_get(st, f[i].key));
	}
}

static const struct stat_family ring_families[] = {
	{ "oomsnap_events_total", "counter",
	  "OOM events recorded since the module was loaded.", "events_total", false },
	{ "oomsnap_events_overwritten_total", "counter",
	  "Events overwritten in the ring before being cleared.", "events_overwritten", false },
	{ "oomsnap_events_retained", "gauge",
	  "Events currently held in the ring.", "events_retained", false },
	{ "oomsnap_ring_capacity_events", "gauge",
	  "Events the ring holds (module parameter capacity).", "capacity", false },
};

static const struct stat_family module_families[] = {
	{ "oomsnap_notifier_calls_total", "counter",
	  "Calls of the OOM notifier.", "notifier_calls", false },
	{ "oomsnap_protect_entries", "gauge",
	  "Entries in the protection list.", "protect_entries", false },
	{ "oomsnap_protect_applied_total", "counter",
	  "Times a protection entry set a task's oom_score_adj.", "protect_applied", false },
	{ "oomsnap_protect_reasserted_total", "counter",
	  "Times a drifted oom_score_adj was set again just before a victim was chosen.",
	  "protect_reasserted", false },
	{ "oomsnap_capture_last_seconds", "gauge",
	  "Time the last OOM capture took.", "capture_ns_last", true },
	{ "oomsnap_capture_max_seconds", "gauge",
	  "Longest time an OOM capture took since load.", "capture_ns_max", true },
	{ "oomsnap_ring_bytes", "gauge",
	  "Memory the event ring holds, in bytes.", "ring_bytes", false },
};

static void print_metrics(const struct stats *st, struct by_label *by, long long last_ns)
{
	struct by_label kept = { 0 };
	char prefix[48];
	size_t i, j, plen;

	fam("oomsnap_up", "gauge", "Whether the oomsnap module is loaded and its files readable.");
	puts("oomsnap_up 1");
	stat_families(st, ring_families, ARRAY_SIZE(ring_families));
	/*
	 * By kind, constraint, cause, outcome: counters when the module keeps
	 * them (stats keys events_<label>_<value>), and the retained events.
	 */
	for (i = 0; i < LABELS; i++) {
		plen = snprintf(prefix, sizeof(prefix), "events_%s_", labels[i]);
		kept.n = 0;
		for (j = 0; j < st->n; j++) {
			if (strncmp(st->kv[j].key, prefix, plen))
				continue;
			kept.c = xrealloc(kept.c, (kept.n + 1) * sizeof(*kept.c));
			kept.c[kept.n].value = st->kv[j].key + plen;
			kept.c[kept.n++].n = st->kv[j].val;
		}
		if (kept.n)
			fam_by("oomsnap_events_by_", labels[i], "_total", "counter",
			       "OOM events recorded since load, by ", &kept);
		fam_by("oomsnap_retained_events_by_", labels[i], "", "gauge",
		       "Events in the ring, by ", &by[i]);
	}
	free(kept.c);
	/* by why swap did not help: an event may count under several */
	if (by[LABELS].c)
		fam_by("oomsnap_retained_events_by_", "reason", "", "gauge",
		       "Events in the ring, by ", &by[LABELS]);
	fam("oomsnap_last_event_timestamp_seconds", "gauge",
	    "Wall-clock time of the newest retained event (0: none).");
	if (last_ns > 0)
		printf("oomsnap_last_event_timestamp_seconds %.3f\n", last_ns / 1e9);
	else
		puts("oomsnap_last_event_timestamp_seconds 0");
	stat_families(st, module_families, ARRAY_SIZE(module_families));
	if (st->nh) {
		fam("oomsnap_hook_attached", "gauge",
		    "Whether each OOM hook is attached (1) or missing (0).");
		for (i = 0; i < st->nh; i++)
			printf("oomsnap_hook_attached{hook=\"%s\"} %d\n",
			       st->hooks[i], st->hook_ok[i]);
	}
}

int cmd_metrics(int argc, char **argv)
{
	struct by_label by[LABELS + 1] = { 0 };	/* + reasons */
	struct stats st = { 0 };
	long long last_ns = 0;
	char *stats, *path;
	size_t i, j;

	(void)argv;	/* -h and --help are main.c's */
	if (argc > 1)
		die(E_USAGE, "metrics takes no arguments");
	if (find_dir()) {
		path = file_path("stats");
		if (access(path, R_OK))
			oomsnap_dir = NULL;
		free(path);
	}
	if (!oomsnap_dir) {
		if (module_loaded() && geteuid())
			die(E_PERM,
			    "permission denied: the module's files are root-only (run as root)");
		fam("oomsnap_up",
		    "gauge", "Whether the oomsnap module is loaded and its files readable.");
		puts("oomsnap_up 0");
		return E_OK;
	}
	stats = read_file("stats", NULL);
	parse_stats(&st, stats);
	scan_events(by, &last_ns);
	print_metrics(&st, by, last_ns);
	for (i = 0; i <= LABELS; i++) {
		for (j = 0; j < by[i].n; j++)
			free(by[i].c[j].value);
		free(by[i].c);
	}
	free(st.kv);
	free(st.hooks);
	free(st.hook_ok);
	free(stats);
	return E_OK;
}
