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

static void events_text(long long since)
{
	size_t size, len;
	char *buf = read_file("events", &size);
	struct lines it = { buf, buf + size, 0 };
	const char *line;
	bool on = false;
	long long seq;

	if (since < 0) {
		fwrite(buf, 1, size, stdout);
		free(buf);
		return;
	}
	while (next_line(&it, &line, &len)) {
		seq = block_seq(line, len);
		if (seq >= 0)
			on = seq > since;
		if (on)
			printf("%.*s\n", (int)len, line);
	}
	free(buf);
}

/*
 * With --since, each record is parsed and its "seq" read by name: a
 * line that cannot be parsed is reported and left out.
 */
static void events_json(long long since)
{
	size_t size, len;
	char *buf = read_file("events.json", &size);
	struct lines it = { buf, buf + size, 0 };
	const char *line;
	json_object *rec;

	if (since < 0) {
		fwrite(buf, 1, size, stdout);
		free(buf);
		return;
	}
	while ((rec = next_record(&it, &line, &len))) {
		if (is_event(rec) && rec_int(rec, "seq") > since)
			printf("%.*s\n", (int)len, line);
		json_object_put(rec);
	}
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
	printf("%.*s\n", (int)(end - (start - buf)), start);
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
