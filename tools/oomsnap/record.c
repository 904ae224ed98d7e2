// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap CLI: one event record, read with json-c (interface section 3.1).
 *
 * A record is one JSON object per line.  Values are found by path
 * ("victim.pid", "zones.0.free_kb"), whatever the key order, and a key
 * the module adds later changes nothing.  Missing and null are the same
 * to a reader: unknown.
 *
 * Strings are shown as the module escapes them in the JSON (quote and
 * backslash with a backslash, every other byte outside printable ASCII as
 * \u00XX; interface section 3.1), so that nothing a process names itself
 * reaches the terminal raw, and a reader can grep the JSON for what the
 * text shows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "oomsnap.h"

/*
 * Parse one line.  Returns the object (json_object_put() it), or NULL with
 * *err set to json-c's description.
 */
json_object *rec_parse(const char *line, size_t len, const char **err)
{
	struct json_tokener *tok = json_tokener_new();
	enum json_tokener_error jerr;
	json_object *o;

	if (!tok) {
		*err = "out of memory";
		return NULL;
	}
	/* the module writes strict JSON; anything else is not its record */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, line, (int)len);
	jerr = json_tokener_get_error(tok);
	if (o && jerr == json_tokener_success &&
	    (size_t)json_tokener_get_parse_end(tok) < len) {
		/* only white space may follow the object */
		size_t i;

		for (i = json_tokener_get_parse_end(tok); i < len; i++)
			if (!strchr(" \t\r", line[i]))
				break;
		if (i < len) {
			json_object_put(o);
			o = NULL;
			*err = "trailing bytes after the object";
		}
	} else if (!o || jerr != json_tokener_success) {
		json_object_put(o);
		o = NULL;
		*err = jerr == json_tokener_continue ?
		       "unexpected end of the line" :
		       json_tokener_error_desc(jerr);
	}
	if (o && !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = NULL;
		*err = "not a JSON object";
	}
	json_tokener_free(tok);
	return o;
}

/* The value at @path (keys and array indices joined by '.'), or NULL. */
json_object *rec_get(json_object *rec, const char *path)
{
	char key[64];
	const char *dot;
	size_t n;

	while (rec && *path) {
		dot = strchr(path, '.');
		n = dot ? (size_t)(dot - path) : strlen(path);
		if (n >= sizeof(key))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		if (json_object_is_type(rec, json_type_array)) {
			char *end;
			unsigned long i = strtoul(key, &end, 10);

			if (*end || i >= json_object_array_length(rec))
				return NULL;
			rec = json_object_array_get_idx(rec, i);
		} else if (json_object_is_type(rec, json_type_object)) {
			if (!json_object_object_get_ex(rec, key, &rec))
				return NULL;
		} else {
			return NULL;
		}
		path += n + !!dot;
	}
	return rec;
}

/* Known: present and not null. */
bool rec_has(json_object *rec, const char *path)
{
	return rec_get(rec, path);	/* json-c represents null as NULL */
}

/* The number at @path; 0 when it is unknown. */
long long rec_int(json_object *rec, const char *path)
{
	json_object *o = rec_get(rec, path);

	return o ? (long long)json_object_get_int64(o) : 0;
}

/* The string or word at @path equals @word. */
bool rec_is(json_object *rec, const char *path, const char *word)
{
	json_object *o = rec_get(rec, path);

	if (!o)
		return false;
	if (json_object_is_type(o, json_type_string))
		return !strcmp(json_object_get_string(o), word);
	return !strcmp(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN), word);
}

/* Decode one UTF-8 sequence; a byte that starts none is taken alone. */
static unsigned int utf8_next(const unsigned char **p, const unsigned char *end)
{
	const unsigned char *s = *p;
	unsigned int c = s[0], n, i;

	if (c < 0x80 || c < 0xc2 || c > 0xf4)
		n = 0;
	else
		n = c < 0xe0 ? 1 : c < 0xf0 ? 2 : 3;
	if ((size_t)(end - s) <= n)
		n = 0;
	for (i = 1; i <= n; i++)
		if ((s[i] & 0xc0) != 0x80)
			n = 0;
	if (!n) {
		*p = s + 1;
		return c;
	}
	c &= 0x3f >> n;
	for (i = 1; i <= n; i++)
		c = c << 6 | (s[i] & 0x3f);
	*p = s + n + 1;
	return c;
}

/*
 * A decoded string as the module wrote it in the JSON, without quotes:
 * the module writes each byte outside printable ASCII as \u00XX, which
 * json-c decodes to the code point U+00XX; it is written back the same.
 */
void sb_escaped(struct sbuf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *end = p + len;
	unsigned int c;

	while (p < end) {
		c = utf8_next(&p, end);
		if (c == '"' || c == '\\') {
			sb_putc(b, '\\');
			sb_putc(b, c);
		} else if (c >= 0x20 && c < 0x7f) {
			sb_putc(b, c);
		} else if (c <= 0xffff) {
			sb_printf(b, "\\u%04x", c);
		} else {	/* not from the module; JSON's surrogate pair */
			c -= 0x10000;
			sb_printf(b, "\\u%04x\\u%04x", 0xd800 + (c >> 10),
				  0xdc00 + (c & 0x3ff));
		}
	}
}

/* The value at @path as shown to a reader, "?" when unknown. */
void sb_v(struct sbuf *b, json_object *rec, const char *path)
{
	json_object *o = rec_get(rec, path);

	if (!o)
		sb_putc(b, '?');
	else if (json_object_is_type(o, json_type_string))
		sb_escaped(b, json_object_get_string(o), json_object_get_string_len(o));
	else
		sb_puts(b, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
}

/* "N kB", or "an unknown amount". */
void sb_kb(struct sbuf *b, json_object *rec, const char *path)
{
	if (!rec_has(rec, path)) {
		sb_puts(b, "an unknown amount");
		return;
	}
	sb_v(b, rec, path);
	sb_puts(b, " kB");
}

/* "pid N (COMM)" of the task at @path. */
void sb_task(struct sbuf *b, json_object *rec, const char *path)
{
	char p[64];

	snprintf(p, sizeof(p), "%s.pid", path);
	sb_puts(b, "pid ");
	sb_v(b, rec, p);
	snprintf(p, sizeof(p), "%s.comm", path);
	sb_puts(b, " (");
	sb_v(b, rec, p);
	sb_putc(b, ')');
}

/* Seconds since the epoch as "YYYY-MM-DD HH:MM:SS UTC", or RFC 3339. */
void sb_utc(struct sbuf *b, long long sec, bool iso)
{
	time_t t = (time_t)sec;
	struct tm tm;

	if (!gmtime_r(&t, &tm)) {
		sb_printf(b, "%lld", sec);
		return;
	}
	sb_printf(b, iso ? "%04d-%02d-%02dT%02d:%02d:%02dZ" :
		  "%04d-%02d-%02d %02d:%02d:%02d UTC",
		  tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		  tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* "DATE TIME UTC (N.N s after boot)" of an event. */
void sb_when(struct sbuf *b, json_object *rec)
{
	if (rec_has(rec, "real_ns"))
		sb_utc(b, (long long)(rec_int(rec, "real_ns") / 1e9), false);
	else
		sb_puts(b, "an unknown time");
	if (rec_has(rec, "boot_ns"))
		sb_printf(b, " (%.1f s after boot)", rec_int(rec, "boot_ns") / 1e9);
}

/* An event line, not a {"v":1,"lost":N} or {"v":1,"cleared":N} notice. */
bool is_event(json_object *rec)
{
	return rec_has(rec, "seq");
}

/* The next line of a buffer, without its newline; false at the end. */
bool next_line(struct lines *it, const char **line, size_t *len)
{
	const char *nl;

	if (it->p >= it->end)
		return false;
	nl = memchr(it->p, '\n', it->end - it->p);
	*line = it->p;
	*len = (nl ? nl : it->end) - it->p;
	it->p = nl ? nl + 1 : it->end;
	it->nr++;
	return true;
}

/*
 * The next parsed line of events.json (a record or a notice), its text in
 * @line/@len; empty lines are skipped and one that cannot be parsed is
 * reported and left out.  NULL at the end.  The caller puts the object.
 */
json_object *next_record(struct lines *it, const char **line, size_t *len)
{
	const char *err;
	json_object *rec;

	while (next_line(it, line, len)) {
		if (!*len)
			continue;
		rec = rec_parse(*line, *len, &err);
		if (rec)
			return rec;
		warn("%s/events.json: line %u: %s", oomsnap_dir, it->nr, err);
	}
	return NULL;
}
