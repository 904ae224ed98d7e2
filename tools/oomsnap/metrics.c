// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap CLI: metrics, the module's counters and the retained events in
 * the Prometheus text exposition format (node_exporter's textfile
 * collector).  Names follow the Prometheus conventions: counters end in
 * _total, units are in the name, a HELP and a TYPE line precede each
 * family.  Families and labels come out in the order of the stats file
 * and of the events.
 */
#include <errno.h>
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

/* Retained events counted by their labels' values, joined by '\0'. */
struct count {
	char *value;
	size_t len;
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

static void count(struct by_label *bl, const char *value, size_t len)
{
	size_t i;

	for (i = 0; i < bl->n; i++)
		if (bl->c[i].len == len && !memcmp(bl->c[i].value, value, len)) {
			bl->c[i].n++;
			return;
		}
	bl->c = xrealloc(bl->c, (bl->n + 1) * sizeof(*bl->c));
	bl->c[bl->n].value = xrealloc(NULL, len);
	memcpy(bl->c[bl->n].value, value, len);
	bl->c[bl->n].len = len;
	bl->c[bl->n++].n = 1;
}

/* Count an event under each of its reasons (interface section 4.1). */
static void count_reasons(struct by_label *bl, json_object *rec)
{
	json_object *r = rec_get(rec, "reasons");
	const char *s;
	size_t i, n;

	if (!r || !json_object_is_type(r, json_type_array))
		return;
	if (!bl->c)	/* the family is shown once a module gives reasons */
		bl->c = xrealloc(NULL, sizeof(*bl->c));
	n = json_object_array_length(r);
	for (i = 0; i < n; i++) {
		s = json_object_get_string(json_object_array_get_idx(r, i));
		count(bl, s, strlen(s) + 1);
	}
}

/* What the retained events say about protected victims (victim.protected). */
struct protected_kills {
	long long n;		/* events whose victim was protected */
	long long last_ns;	/* the newest one's real_ns, 0: none */
};

/*
 * Count the retained events by all four labels (@by[0]) and by reason
 * (@by[1]); the newest wall-clock time; the protected victims.
 */
static void scan_events(struct by_label by[2], long long *last_ns,
			struct protected_kills *pk)
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
			sb_reset(&v);
			for (i = 0; i < LABELS; i++) {
				sb_v(&v, rec, labels[i]);
				sb_putc(&v, '\0');
			}
			count(&by[0], v.s, v.len);
			count_reasons(&by[1], rec);
			if (rec_int(rec, "real_ns") > *last_ns)
				*last_ns = rec_int(rec, "real_ns");
			if (rec_is(rec, "victim.protected", "true")) {
				pk->n++;
				if (rec_int(rec, "real_ns") > pk->last_ns)
					pk->last_ns = rec_int(rec, "real_ns");
			}
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

static void up(bool loaded)
{
	fam("oomsnap_up", "gauge", "Whether the oomsnap module is loaded and its files readable.");
	printf("oomsnap_up %d\n", loaded);
	fam("oomsnap_build_info", "gauge", "The version of the oomsnap tool that wrote these metrics.");
	printf("oomsnap_build_info{version=\"%s\"} 1\n", OOMSNAP_VERSION);
}

static void print_metrics(const struct stats *st, const struct by_label by[2],
			  long long last_ns, const struct protected_kills *pk)
{
	const char *v;
	size_t i, j, plen, n = 0;
	char prefix[48];

	up(true);
	stat_families(st, ring_families, ARRAY_SIZE(ring_families));
	/*
	 * The module's counters by kind, constraint, cause and outcome
	 * (stats keys events_<label>_<value>): one family, each sample with
	 * one of the four labels (it counts every event once per label:
	 * sum one label at a time).
	 */
	for (i = 0; i < LABELS; i++) {
		plen = snprintf(prefix, sizeof(prefix), "events_%s_", labels[i]);
		for (j = 0; j < st->n; j++) {
			if (strncmp(st->kv[j].key, prefix, plen))
				continue;
			if (!n++)
				fam("oomsnap_classified_events_total", "counter",
				    "OOM events recorded since load, by kind, by constraint, by cause and by outcome (each sample has one of these labels).");
			printf("oomsnap_classified_events_total{%s=\"%s\"} %lld\n", labels[i],
			       st->kv[j].key + plen, st->kv[j].val);
		}
	}
	fam("oomsnap_retained_events", "gauge",
	    "Events in the ring, by kind, constraint, cause and outcome.");
	for (i = 0; i < by->n; i++) {
		fputs("oomsnap_retained_events{", stdout);
		for (j = 0, v = by->c[i].value; j < LABELS; j++, v += strlen(v) + 1)
			printf("%s%s=\"%s\"", j ? "," : "", labels[j], v);
		printf("} %lld\n", by->c[i].n);
	}
	/* why swap did not help: an event may count under several reasons */
	if (by[1].c) {
		fam("oomsnap_retained_event_reasons", "gauge",
		    "Events in the ring with each reason why swap did not help (an event may have several).");
		for (i = 0; i < by[1].n; i++)
			printf("oomsnap_retained_event_reasons{reason=\"%s\"} %lld\n",
			       by[1].c[i].value, by[1].c[i].n);
	}
	fam("oomsnap_last_event_timestamp_seconds", "gauge",
	    "Wall-clock time of the newest retained event (0: none).");
	if (last_ns > 0)
		printf("oomsnap_last_event_timestamp_seconds %.3f\n", last_ns / 1e9);
	else
		puts("oomsnap_last_event_timestamp_seconds 0");
	/*
	 * A gauge over the ring, not a counter: the module counts no
	 * protected kills.  The timestamp lets an alert see a new one even
	 * when an old one left the ring at the same time (the count unchanged).
	 */
	fam("oomsnap_retained_protected_victims", "gauge",
	    "Events in the ring whose victim had protection (victim.protected).");
	printf("oomsnap_retained_protected_victims %lld\n", pk->n);
	fam("oomsnap_last_protected_victim_timestamp_seconds", "gauge",
	    "Wall-clock time of the newest retained event whose victim had protection (0: none).");
	if (pk->last_ns > 0)
		printf("oomsnap_last_protected_victim_timestamp_seconds %.3f\n", pk->last_ns / 1e9);
	else
		puts("oomsnap_last_protected_victim_timestamp_seconds 0");
	stat_families(st, module_families, ARRAY_SIZE(module_families));
	if (st->nh) {
		fam("oomsnap_hook_attached", "gauge",
		    "Whether each OOM hook is attached (1) or missing (0).");
		for (i = 0; i < st->nh; i++)
			printf("oomsnap_hook_attached{hook=\"%s\"} %d\n",
			       st->hooks[i], st->hook_ok[i]);
	}
}

/*
 * --output FILE: stdout goes to FILE.tmp, renamed over FILE when all is
 * written (node_exporter's textfile collector must never read half a file).
 */
static char *out_tmp;

static void output_open(const char *file)
{
	struct sbuf b = { 0 };

	sb_printf(&b, "%s.tmp", file);
	out_tmp = b.s;
	if (!freopen(out_tmp, "w", stdout))
		die(E_PERM, "metrics: cannot write %s: %s", out_tmp, strerror(errno));
}

static void output_close(const char *file)
{
	if (fflush(stdout) || fsync(fileno(stdout)) || ferror(stdout)) {
		unlink(out_tmp);
		die(E_PERM, "metrics: cannot write %s: %s", out_tmp, strerror(errno));
	}
	if (rename(out_tmp, file)) {
		unlink(out_tmp);
		die(E_PERM, "metrics: cannot rename %s to %s: %s", out_tmp, file, strerror(errno));
	}
	free(out_tmp);
}

int cmd_metrics(int argc, char **argv)
{
	struct by_label by[2] = { 0 };
	struct protected_kills pk = { 0 };
	struct stats st = { 0 };
	const char *output = NULL;
	long long last_ns = 0;
	char *stats, *path;
	size_t i;
	int a;

	for (a = 1; a < argc; a++)
		if (!opt_value(argc, argv, &a, "--output", "FILE", &output))
			unknown_arg("metrics", argv[a]);
	if (output && !*output)
		die(E_USAGE, "metrics: --output needs FILE");
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
		if (output)
			output_open(output);
		up(false);
		if (output)
			output_close(output);
		return E_OK;
	}
	stats = read_file("stats", NULL);
	parse_stats(&st, stats);
	scan_events(by, &last_ns, &pk);
	if (output)
		output_open(output);
	print_metrics(&st, by, last_ns, &pk);
	if (output)
		output_close(output);
	for (i = 0; i < by[0].n; i++)
		free(by[0].c[i].value);
	for (i = 0; i < by[1].n; i++)
		free(by[1].c[i].value);
	free(by[0].c);
	free(by[1].c);
	free(st.kv);
	free(st.hooks);
	free(st.hook_ok);
	free(stats);
	return E_OK;
}
