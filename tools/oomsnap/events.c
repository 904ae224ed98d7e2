// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap CLI: events, last and explain, the commands that read the
 * retained events (events, events.json; interface section 3).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oomsnap.h"

/* --since SEQ: the text view's blocks start with "event SEQ ". */
static long long block_seq(const char *line, size_t len)
{
	char *end;
	long long seq;

	if (len < 7 || strncmp(line, "event ", 6) || line[6] < '0' || line[6] > '9')
		return -1;
	seq = strtoll(line + 6, &end, 10);
	return *end == ' ' ? seq : -1;
}

/*
 * The events of events.json, parsed once for the text view's identity
 * lines (ident.c): the text view is the module's, the container and pod
 * the CLI's reading of its paths, so they come after the module's lines
 * of each block.  NULL when events.json cannot be read.
 */
static json_object *all_records(void)
{
	size_t size, len;
	char *buf = read_file_soft("events.json", &size);
	struct lines it = { buf, buf + size, 0 };
	json_object *all, *rec;
	const char *line;

	if (!buf)
		return NULL;
	all = json_object_new_array();
	while ((rec = next_record(&it, &line, &len))) {
		if (is_event(rec))
			json_object_array_add(all, rec);
		else
			json_object_put(rec);
	}
	free(buf);
	return all;
}

static void identity_lines(json_object *all, long long seq)
{
	struct sbuf b = { 0 };
	json_object *rec;
	size_t i;

	if (seq < 0 || !all)
		return;
	for (i = 0; i < json_object_array_length(all); i++) {
		rec = json_object_array_get_idx(all, i);
		if (rec_int(rec, "seq") == seq)
			sb_ident_text(&b, rec);
	}
	if (b.len)
		fputs(b.s, stdout);
	sb_free(&b);
}

static void events_text(long long since)
{
	size_t size, len;
	char *buf = read_file("events", &size);
	json_object *all = all_records();
	struct lines it = { buf, buf + size, 0 };
	const char *line;
	bool on = since < 0;
	long long seq, cur = -1;

	while (next_line(&it, &line, &len)) {
		seq = block_seq(line, len);
		if (seq >= 0) {
			if (on)
				identity_lines(all, cur);
			cur = seq;
			on = seq > since;
		}
		if (on)
			printf("%.*s\n", (int)len, line);
	}
	if (on)
		identity_lines(all, cur);
	json_object_put(all);
	free(buf);
}

/*
 * Each record is parsed, its "seq" read by name for --since, and written
 * back as the module wrote it with the CLI's "identity" added
 * (sb_with_identity()); a line that cannot be parsed is reported and left
 * out.
 */
static void events_json(long long since)
{
	size_t size, len;
	char *buf = read_file("events.json", &size);
	struct lines it = { buf, buf + size, 0 };
	struct sbuf b = { 0 };
	const char *line;
	json_object *rec;

	while ((rec = next_record(&it, &line, &len))) {
		if (since < 0 || (is_event(rec) && rec_int(rec, "seq") > since)) {
			sb_reset(&b);
			sb_with_identity(&b, rec, line, len);
			puts(b.s);
		}
		json_object_put(rec);
	}
	sb_free(&b);
	free(buf);
}

int cmd_events(int argc, char **argv)
{
	const char *since = NULL;
	bool json = false;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!opt_value(argc, argv, &i, "--since", "SEQ", &since))
			unknown_arg("events", argv[i]);
	}
	if (since && !is_uint(since))
		die(E_USAGE, "bad SEQ '%s': a sequence number is a non-negative integer", since);
	need(json ? "events.json" : "events");
	if (json)
		events_json(since ? strtoll(since, NULL, 10) : -1);
	else
		events_text(since ? strtoll(since, NULL, 10) : -1);
	return E_OK;
}

/* The newest event: the last line of events.json, the last block of events. */
int cmd_last(int argc, char **argv)
{
	const char *line, *start = NULL;
	size_t size, len, end = 0;
	bool json = false;
	struct lines it;
	char *buf;

	if (argc > 2)
		die(E_USAGE, "last: unknown argument '%s'", argv[2]);
	if (argc == 2) {
		if (strcmp(argv[1], "--json"))
			die(E_USAGE, "last: unknown argument '%s'", argv[1]);
		json = true;
	}
	need(json ? "events.json" : "events");
	buf = read_file(json ? "events.json" : "events", &size);
	it = (struct lines){ buf, buf + size, 0 };
	while (next_line(&it, &line, &len)) {
		if (json ? len > 0 : !start || block_seq(line, len) >= 0)
			start = line;
		if (len)
			end = line + len - buf;
	}
	if (!start || (size_t)(start - buf) >= end)
		die(E_NONE, "no event retained");
	len = end - (start - buf);
	if (json) {
		struct sbuf b = { 0 };
		const char *err;
		json_object *rec = rec_parse(start, len, &err);

		if (rec)
			sb_with_identity(&b, rec, start, len);
		else
			sb_printf(&b, "%.*s", (int)len, start);
		puts(b.s);
		json_object_put(rec);
		sb_free(&b);
	} else {
		json_object *all = all_records();

		printf("%.*s\n", (int)len, start);
		identity_lines(all, block_seq(start, end - (start - buf)));
		json_object_put(all);
	}
	free(buf);
	return E_OK;
}

int cmd_explain(int argc, char **argv)
{
	long long want = -1, first = -1, last = -1, seq;
	json_object *rec, *found = NULL;
	const char *line;
	size_t size, len;
	struct lines it;
	char *buf;

	if (argc > 1) {
		if (!is_uint(argv[1]) || strtoll(argv[1], NULL, 10) <= 0 ||
		    strlen(argv[1]) > 18)
			die(E_USAGE,
			    "bad SEQ '%s': a sequence number is a positive integer (see oomsnap events)",
			    argv[1]);
		want = strtoll(argv[1], NULL, 10);
	}
	if (argc > 2)
		die(E_USAGE, "explain takes at most one SEQ");
	need("events.json");
	buf = read_file("events.json", &size);
	it = (struct lines){ buf, buf + size, 0 };
	while ((rec = next_record(&it, &line, &len))) {
		if (!is_event(rec)) {
			json_object_put(rec);
			continue;
		}
		seq = rec_int(rec, "seq");
		if (first < 0)
			first = seq;
		last = seq;
		if (want < 0 || seq == want) {
			json_object_put(found);
			found = rec;
		} else {
			json_object_put(rec);
		}
	}
	free(buf);
	if (first < 0)
		die(E_NONE,
		    "no event retained (nothing has run out of memory since the module was loaded or cleared)");
	if (!found)
		die(E_NONE, "event %lld is not retained (retained: %lld-%lld)", want, first, last);
	explain(found);
	json_object_put(found);
	return E_OK;
}
