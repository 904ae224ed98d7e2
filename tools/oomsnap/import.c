// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap CLI: import, the events a dying kernel printed (interface
 * section 8), read back after the reboot.
 *
 * When an OOM ends in a panic, the module prints the panic's event and
 * the newest ones before it as lines
 *
 *   oomsnap: P1 <seq> <part>/<parts> <json piece>[ crc=<8 hex digits>]
 *
 * (the CRC-32 of the whole JSON on the last part), which pstore/ramoops
 * keeps over the reboot.  import reads them from a pstore dmesg record, a
 * serial console log, journalctl -k or a vmcore's dmesg, puts each
 * event's parts together in order, checks the checksum and parses the
 * JSON; an event with a part missing, out of order, damaged or cut off is
 * reported on stderr and skipped, never shown in part.
 *
 * The CRC finds damage, it does not prove who wrote a line: a kernel
 * message that prints a user's string (a newline in it starts a line of
 * its own on the console) can carry a forged line with a valid CRC.  So a
 * line counts only where the marker comes right after the prefix a log
 * puts before a kernel message (at emergency level where the prefix says
 * the level), and only inside a dump: after a "Kernel panic - not
 * syncing" line, the module's header line "oomsnap: P1 OUTCOME: event SEQ
 * follows up to N earlier ones", then at most N + 1 events up to SEQ.
 */
#include <dirent.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oomsnap.h"

#define PSTORE_DIR "/sys/fs/pstore"
#define PREFIX "oomsnap: P1 "
#define PANIC_LINE "Kernel panic - not syncing: "

/*
 * What may come before a kernel message's text on a line, whole: nothing
 * (dmesg -t, a console without printk.time); a syslog level, which must be
 * 0 (KERN_EMERG, as the module and panic() print), and/or the timestamp
 * and caller id of a pstore record, a console or dmesg ("<0>[   12.3] ",
 * "[   12.3][    T1] ", dmesg -T's "[Thu Dec  3 ...] "); /dev/kmsg's
 * "0,SEQ,USEC,FLAGS;"; journalctl -k's "DATE HOST kernel: " (short,
 * short-precise, short-iso, short-monotonic).
 */
static const char * const line_prefixes[] = {
	"^(<0>)?(\\[[^]]*\\](\\[ *[TC][0-9]+\\])? ?)?$",
	"^0,[0-9]+,[0-9]+,[^;]*;$",
	"^([A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?|"
	"[0-9]{4}-[0-9]{2}-[0-9]{2}T[^ ]+|\\[ *[0-9]+\\.[0-9]+\\]) [^ ]+ kernel: $",
};

/*
 * The text after @marker when @line is a kernel message that starts with
 * it (behind one of line_prefixes), else NULL.
 */
static const char *message_at(const char *line, size_t len, const char *marker)
{
	static regex_t re[sizeof(line_prefixes) / sizeof(line_prefixes[0])];
	static bool compiled;
	size_t n = strlen(marker), i;
	const char *p = line, *end = line + len;
	char pfx[256];

	if (!compiled) {
		for (i = 0; i < sizeof(re) / sizeof(re[0]); i++)
			if (regcomp(&re[i], line_prefixes[i], REG_EXTENDED | REG_NOSUB))
				die(E_NONE, "import: bad prefix pattern %zu", i);
		compiled = true;
	}
	/* the first occurrence: no prefix holds the marker itself */
	p = memmem(p, end - p, marker, n);
	if (!p || (size_t)(p - line) >= sizeof(pfx))
		return NULL;
	memcpy(pfx, line, p - line);
	pfx[p - line] = '\0';
	for (i = 0; i < sizeof(re) / sizeof(re[0]); i++)
		if (!regexec(&re[i], pfx, 0, NULL, 0))
			return p + n;
	return NULL;
}

/* zlib's CRC-32 (the kernel's ~crc32_le(~0, ...)). */
unsigned int import_crc32(const char *p, size_t len)
{
	static unsigned int table[256];
	unsigned int crc = ~0U, c, i, k;

	if (!table[1]) {
		for (i = 0; i < 256; i++) {
			c = i;
			for (k = 0; k < 8; k++)
				c = c & 1 ? 0xedb88320U ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
	}
	while (len--)
		crc = table[(crc ^ (unsigned char)*p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* One event being put together from its parts. */
struct asm_state {
	bool on;
	unsigned long long seq;
	unsigned int parts, next;
	unsigned int first_line;
	struct sbuf json;
	bool skipping;			/* the rest of a dropped event */
	unsigned long long skip_seq;
	bool panicked;			/* a "Kernel panic" line, no header yet */
	bool dump;			/* inside a dump: after its header */
	unsigned long long dump_seq;	/* the panic's event, the dump's last */
	unsigned int dump_left;		/* events it may still hold */
	bool outside_warned;
	unsigned long long outside_seq;
};

static void asm_drop(struct import *im, struct asm_state *a, const char *src,
		     const char *why)
{
	if (!a->on)
		return;
	warn("import: %s:%u: event %llu %s (%u of %u parts), skipped", src,
	     a->first_line, a->seq, why, a->next - 1, a->parts);
	im->damaged++;
	a->on = false;
	a->skipping = true;
	a->skip_seq = a->seq;
	sb_reset(&a->json);
}

static bool seen(const struct import *im, unsigned long long seq, unsigned int crc)
{
	size_t i;

	for (i = 0; i < im->nr; i++)
		if (im->ev[i].seq == seq && im->ev[i].crc == crc)
			return true;
	return false;
}

static void asm_done(struct import *im, struct asm_state *a, const char *src,
		     unsigned int crc)
{
	const char *err = "not an object";
	json_object *rec;

	a->on = false;
	if (a->seq == a->dump_seq)
		a->dump = false;	/* the panic's own event ends the dump */
	if (import_crc32(a->json.s, a->json.len) != crc) {
		warn("import: %s:%u: event %llu: checksum mismatch (damaged), skipped",
		     src, a->first_line, a->seq);
		im->damaged++;
		goto out;
	}
	if (seen(im, a->seq, crc))
		goto out;	/* the same lines in two files (dmesg, console) */
	rec = rec_parse(a->json.s, a->json.len, &err);
	if (!rec || !is_event(rec)) {
		warn("import: %s:%u: event %llu: checksum good but not an event (%s), skipped",
		     src, a->first_line, a->seq, rec ? "no seq" : err);
		json_object_put(rec);
		im->damaged++;
		goto out;
	}
	json_object_object_add(rec, "previous_boot", json_object_new_boolean(1));
	json_object_object_add(rec, "source", json_object_new_string(src));
	im->ev = xrealloc(im->ev, (im->nr + 1) * sizeof(*im->ev));
	im->ev[im->nr].rec = rec;
	im->ev[im->nr].seq = a->seq;
	im->ev[im->nr].crc = crc;
	im->nr++;
out:
	sb_reset(&a->json);
}

/*
 * "OUTCOME: event SEQ follows up to N earlier ones (oomsnap import)" after
 * the prefix: a dump starts, if a kernel panic came before it.
 */
static void import_header(struct import *im, struct asm_state *a, const char *src,
			  unsigned int lineno, const char *p, size_t len)
{
	unsigned long long seq;
	unsigned int prev;
	char line[256];
	int n = -1;

	if (len >= sizeof(line))
		return;
	memcpy(line, p, len);
	line[len] = '\0';
	if (sscanf(line, "%*[a-z_]: event %llu follows up to %u earlier ones%n",
		   &seq, &prev, &n) != 2 || n < 0)
		return;		/* another line of ours ("ring locked ...") */
	asm_drop(im, a, src, "is truncated");
	if (!a->panicked) {
		warn("import: %s:%u: oomsnap header without a \"%s\" line before it, ignored",
		     src, lineno, PANIC_LINE "...");
		a->dump = false;
		return;
	}
	a->panicked = false;
	a->dump = true;
	a->dump_seq = seq;
	a->dump_left = prev + 1;
}

/* Parse "<seq> <i>/<n> <piece>[ crc=X]" after the prefix. */
static void import_line(struct import *im, struct asm_state *a, const char *src,
			unsigned int lineno, const char *p, size_t len)
{
	unsigned long long seq;
	unsigned int i, n, crc = 0;
	const char *end = p + len, *piece, *sp;
	bool has_crc = false;
	char *e;

	if (p >= end || *p < '0' || *p > '9') {
		import_header(im, a, src, lineno, p, len);
		return;
	}
	seq = strtoull(p, &e, 10);
	i = e < end && *e == ' ' ? strtoul(e + 1, &e, 10) : 0;
	if (!(a->on && a->seq == seq) && !(a->skipping && a->skip_seq == seq) &&
	    (!a->dump || seq > a->dump_seq || !a->dump_left)) {
		/* not the module's dump: a line a process made the kernel print */
		if (a->outside_warned && a->outside_seq == seq)
			return;
		warn("import: %s:%u: event %llu outside a panic's dump (no \"%s\" line and oomsnap header before it), ignored",
		     src, lineno, seq, PANIC_LINE "...");
		a->outside_warned = true;
		a->outside_seq = seq;
		return;
	}
	if (!i || e >= end || *e != '/')
		goto bad;
	n = strtoul(e + 1, &e, 10);
	if (e >= end || *e != ' ' || !i || i > n)
		goto bad;
	piece = e + 1;
	sp = memchr(piece, ' ', end - piece);
	if (sp) {
		if (end - sp != 13 || strncmp(sp, " crc=", 5))
			goto bad;
		crc = strtoul(sp + 5, &e, 16);
		if (e != end)
			goto bad;
		has_crc = true;
		end = sp;
	}
	if (i == 1) {
		asm_drop(im, a, src, "is truncated");
		a->dump_left--;
		a->skipping = false;
		a->on = true;
		a->seq = seq;
		a->parts = n;
		a->next = 1;
		a->first_line = lineno;
	} else if (!a->on || a->seq != seq || a->parts != n || a->next != i) {
		if (a->on && a->seq == seq) {
			asm_drop(im, a, src, "has a part missing");
			return;
		}
		asm_drop(im, a, src, "is truncated");
		if (a->skipping && a->skip_seq == seq)
			return;	/* reported with its first part */
		a->skipping = true;
		a->skip_seq = seq;
		warn("import: %s:%u: part %u/%u of event %llu without the parts before it, skipped",
		     src, lineno, i, n, seq);
		im->damaged++;
		return;
	}
	if (has_crc != (i == n)) {
		a->next = i + 1;
		asm_drop(im, a, src, has_crc ? "has a checksum before its last part" :
			 "has no checksum on its last part");
		return;
	}
	sb_printf(&a->json, "%.*s", (int)(end - piece), piece);
	a->next = i + 1;
	if (i == n)
		asm_done(im, a, src, crc);
	return;
bad:
	asm_drop(im, a, src, "is cut by a malformed line");
	warn("import: %s:%u: malformed oomsnap line, skipped", src, lineno);
	im->damaged++;
}

/**
 * import_buf() - the events in one file's contents
 * @im: where they go
 * @src: the file's name, for messages and the records' "source"
 * @buf: its contents
 * @size: bytes in @buf
 */
void import_buf(struct import *im, const char *src, const char *buf, size_t size)
{
	struct lines it = { buf, buf + size, 0 };
	struct asm_state a = { 0 };
	const char *line, *p;
	size_t len;

	while (next_line(&it, &line, &len)) {
		while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
			len--;
		if (message_at(line, len, PANIC_LINE)) {
			asm_drop(im, &a, src, "is truncated");
			a.panicked = true;
			a.dump = false;
			continue;
		}
		p = message_at(line, len, PREFIX);
		if (!p)
			continue;
		import_line(im, &a, src, it.nr, p, len - (p - line));
	}
	asm_drop(im, &a, src, "is truncated");
	sb_free(&a.json);
}

static char *slurp(const char *path, size_t *size)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	struct sbuf b = { 0 };
	char chunk[65536];
	size_t n;

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		b.s = xrealloc(b.s, b.len + n + 1);
		memcpy(b.s + b.len, chunk, n);
		b.len += n;
		b.s[b.len] = '\0';
	}
	if (f != stdin)
		fclose(f);
	*size = b.len;
	return b.s ? b.s : calloc(1, 1);
}

static void import_path(struct import *im, const char *path)
{
	size_t size;
	char *buf = slurp(path, &size);

	if (!buf) {
		warn("import: %s: %s", path, strerror(errno));
		im->unreadable++;
		return;
	}
	import_buf(im, path, buf, size);
	free(buf);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Every file in /sys/fs/pstore (dmesg-*, console-*, ...), by name. */
static void import_pstore(struct import *im)
{
	struct dirent **names;
	char path[512];
	int n, i;

	n = scandir(PSTORE_DIR, &names, NULL, by_name);
	if (n < 0)
		die(E_NONE, "import: %s: %s (is pstore mounted? mount -t pstore pstore %s)",
		    PSTORE_DIR, strerror(errno), PSTORE_DIR);
	for (i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", PSTORE_DIR, names[i]->d_name);
			import_path(im, path);
		}
		free(names[i]);
	}
	free(names);
}

void import_free(struct import *im)
{
	size_t i;

	for (i = 0; i < im->nr; i++)
		json_object_put(im->ev[i].rec);
	free(im->ev);
	im->ev = NULL;
	im->nr = 0;
	im->damaged = 0;
	im->unreadable = 0;
}

/*
 * explain's "who" paragraph for outcome panic_on_oom: nobody was killed,
 * and whom the kernel's formula would have chosen.
 */
void explain_panic_who(struct sbuf *s, json_object *rec)
{
	json_object *c = rec_get(rec, "candidates");
	size_t n = c && json_object_is_type(c, json_type_array) ?
		   json_object_array_length(c) : 0;

	sb_puts(s,
		"Who was killed: nobody. vm.panic_on_oom is set (1 panics on an OOM of the whole machine, 2 on every OOM but sysrq), so the kernel panicked instead of choosing a victim, and the machine went down with every process on it.");
	if (!n) {
		sb_puts(s, " No candidate was recorded.");
		return;
	}
	sb_say(s, rec, NULL,
	       " By the kernel's formula it would have killed {candidates.0 task} with {candidates.0.points} badness points (oom_score_adj {candidates.0.oom_score_adj}, rss {candidates.0.rss_kb kB})");
	if (n > 1)
		sb_say(s, rec, NULL,
		       "; the runner-up was {candidates.1 task} with {candidates.1.points}");
	sb_puts(s,
		". Set vm.panic_on_oom=0 to have the OOM killer kill instead, or keep it and fix what ran out.");
}

int cmd_import(int argc, char **argv)
{
	struct import im = { 0 };
	const char *seq_arg = NULL;
	bool json = false, expl = false, files = false;
	long long want = -1;
	struct sbuf b = { 0 };
	size_t i, shown = 0;
	int k;

	for (k = 1; k < argc; k++) {
		if (!strcmp(argv[k], "--json"))
			json = true;
		else if (!strcmp(argv[k], "--explain"))
			expl = true;
		else if (opt_value(argc, argv, &k, "--seq", "SEQ", &seq_arg))
			continue;
		else if (!strcmp(argv[k], "--"))
			break;
		else if (argv[k][0] == '-' && argv[k][1])
			die(E_USAGE, "import: unknown argument '%s' (see oomsnap import --help)", argv[k]);
		else
			break;
	}
	if (json && expl)
		die(E_USAGE, "import: --json and --explain exclude each other");
	if (seq_arg) {
		if (!is_uint(seq_arg))
			die(E_USAGE, "bad SEQ '%s': a sequence number is a non-negative integer",
			    seq_arg);
		want = strtoll(seq_arg, NULL, 10);
	}
	if (k < argc && !strcmp(argv[k], "--"))
		k++;
	for (; k < argc; k++) {
		import_path(&im, argv[k]);
		files = true;
	}
	if (!files)
		import_pstore(&im);

	for (i = 0; i < im.nr; i++) {
		json_object *rec = im.ev[i].rec;

		if (want >= 0 && im.ev[i].seq != (unsigned long long)want)
			continue;
		/* --explain: the newest one (the panic's, printed last) */
		if (expl && want < 0 && i + 1 < im.nr)
			continue;
		if (shown++ && expl)
			putchar('\n');
		if (json) {
			puts(json_object_to_json_string_ext(rec, JSON_C_TO_STRING_PLAIN |
							   JSON_C_TO_STRING_NOSLASHESCAPE));
		} else if (expl) {
			printf("From a previous boot (%s): the kernel printed this event as it died.\n",
			       json_object_get_string(rec_get(rec, "source")));
			explain(rec);
		} else {
			sb_reset(&b);
			sb_brief(&b, rec);
			printf("previous_boot %s\n", b.s);
		}
	}
	sb_free(&b);
	if (im.damaged)
		warn("import: %u damaged or truncated event(s) skipped", im.damaged);
	import_free(&im);
	if (!shown && want >= 0)
		die(E_NONE, "import: event %lld not found", want);
	if (!shown)
		die(E_NONE, "import: no oomsnap event found%s", files ? "" : " in " PSTORE_DIR);
	return E_OK;
}
