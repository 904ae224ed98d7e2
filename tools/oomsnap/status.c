// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap CLI: status.  Whether the module is loaded, where its files
 * are, its parameters, its hooks (a missing hook leaves fields null) and
 * its counters (stats, interface section 2), and the newest event.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oomsnap.h"

#define PARAMS "/sys/module/oomsnap/parameters/"

struct hook {
	char *name, *state, *reason, *symbol;
};

struct status {
	struct hook *hooks;
	size_t nh;
	char **keys, **vals;	/* "key value" lines, in order */
	size_t n;
	struct sbuf by[4];	/* " value=N" of events_<label>_<value> */
};

static const char * const by_labels[4] = { "kind", "constraint", "cause", "outcome" };

static struct hook *hook_find(struct status *st, const char *name)
{
	size_t i;

	for (i = 0; i < st->nh; i++)
		if (!strcmp(st->hooks[i].name, name))
			return &st->hooks[i];
	return NULL;
}

static const char *val(const struct status *st, const char *key)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		if (!strcmp(st->keys[i], key))
			return st->vals[i];
	return NULL;
}

static long long num(const struct status *st, const char *key)
{
	const char *v = val(st, key);

	return v ? strtoll(v, NULL, 10) : 0;
}

/* "events_cause_memcg_limit 3": by cause, memcg_limit=3 */
static bool by_label(struct status *st, const char *key, const char *v)
{
	size_t i, n;

	for (i = 0; i < 4; i++) {
		n = strlen(by_labels[i]);
		if (strncmp(key, "events_", 7) || strncmp(key + 7, by_labels[i], n) ||
		    key[7 + n] != '_')
			continue;
		if (strtoll(v, NULL, 10) > 0)
			sb_printf(&st->by[i], " %s=%s", key + 8 + n, v);
		return true;
	}
	return false;
}

static void parse(struct status *st, char *buf)
{
	char *save = NULL, *line, *k, *name, *rest;
	struct hook *h;

	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		k = line;
		name = strchr(k, ' ');
		if (!name)
			continue;
		*name++ = '\0';
		rest = strchr(name, ' ');
		if (rest)
			*rest++ = '\0';
		if (!strcmp(k, "hook") && rest) {
			st->hooks = xrealloc(st->hooks, (st->nh + 1) * sizeof(*st->hooks));
			st->hooks[st->nh++] = (struct hook){ name, strtok(rest, " "), NULL, NULL };
		} else if (!strcmp(k, "hook_reason") && rest) {
			h = hook_find(st, name);
			if (h)
				h->reason = rest;
		} else if (!strcmp(k, "hook_symbol") && rest) {
			h = hook_find(st, name);
			if (h)
				h->symbol = strtok(rest, " ");
		} else if (!rest && !by_label(st, k, name)) {
			st->keys = xrealloc(st->keys, (st->n + 1) * sizeof(*st->keys));
			st->vals = xrealloc(st->vals, (st->n + 1) * sizeof(*st->vals));
			st->keys[st->n] = k;
			st->vals[st->n++] = name;
		}
	}
}

static void print_params(void)
{
	static const char * const params[] = {
		"capacity", "max_tasks", "protect_max", "scan_max", "candidates", "procfs",
	};
	char path[128], v[256];
	size_t i;
	FILE *f;

	for (i = 0; i < ARRAY_SIZE(params); i++) {
		snprintf(path, sizeof(path), PARAMS "%s", params[i]);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(v, sizeof(v), f)) {
			v[strcspn(v, "\n")] = '\0';
			printf("  parameter %s=%s\n", params[i], v);
		}
		fclose(f);
	}
}

/* The newest event as a one-line summary, if events.json is readable. */
static void print_last(void)
{
	char *buf = read_file_soft("events.json", NULL);
	const char *line, *err, *last = NULL;
	size_t len, last_len = 0;
	struct sbuf b = { 0 };
	json_object *rec;
	struct lines it;

	if (!buf)
		return;
	it = (struct lines){ buf, buf + strlen(buf), 0 };
	while (next_line(&it, &line, &len))
		if (len) {
			last = line;
			last_len = len;
		}
	if (last) {
		rec = rec_parse(last, last_len, &err);
		if (!rec) {
			warn("%s/events.json: last line: %s", oomsnap_dir, err);
		} else if (is_event(rec)) {
			sb_brief(&b, rec);
			printf("last event: %s\n", b.s);
		}
		json_object_put(rec);
	}
	sb_free(&b);
	free(buf);
}

int cmd_status(int argc, char **argv)
{
	struct status st = { 0 };
	const char *cap;
	size_t i, miss = 0;
	char *buf;

	(void)argv;	/* -h and --help are main.c's */
	if (argc > 1)
		die(E_USAGE, "status takes no arguments");
	if (!find_dir() && !module_loaded()) {
		puts("oomsnap: not loaded");
		return E_NOTLOADED;
	}
	need("stats");
	buf = read_file("stats", NULL);
	parse(&st, buf);
	printf("oomsnap: loaded, files in %s\n", oomsnap_dir);
	print_params();

	cap = val(&st, "capacity");
	printf("events: %lld recorded, %lld retained (capacity %s), %lld overwritten\n",
	       num(&st, "events_total"), num(&st, "events_retained"), cap ? cap : "?",
	       num(&st, "events_overwritten"));
	for (i = 0; i < 4; i++)
		if (st.by[i].len)
			printf("  by %s:%s\n", by_labels[i], st.by[i].s);
	printf("protection: %lld entries, applied %lld times, reasserted %lld times\n",
	       num(&st, "protect_entries"), num(&st, "protect_applied"),
	       num(&st, "protect_reasserted"));
	printf("capture cost: last %lld ns, max %lld ns; ring %lld bytes\n",
	       num(&st, "capture_ns_last"), num(&st, "capture_ns_max"), num(&st, "ring_bytes"));
	for (i = 0; i < st.nh; i++)
		miss += strcmp(st.hooks[i].state, "ok") != 0;
	if (miss)
		printf("hooks (%zu missing: their fields stay null):\n", miss);
	else
		puts("hooks (all attached):");
	for (i = 0; i < st.nh; i++) {
		printf("  hook %-28s %s", st.hooks[i].name, st.hooks[i].state);
		if (st.hooks[i].reason)
			printf(": %s", st.hooks[i].reason);
		if (st.hooks[i].symbol)
			printf(" (%s)", st.hooks[i].symbol);
		putchar('\n');
	}
	puts("counters:");
	for (i = 0; i < st.n; i++)
		printf("  %s %s\n", st.keys[i], st.vals[i]);
	print_last();
	for (i = 0; i < 4; i++)
		sb_free(&st.by[i]);
	free(st.hooks);
	free(st.keys);
	free(st.vals);
	free(buf);
	return E_OK;
}
