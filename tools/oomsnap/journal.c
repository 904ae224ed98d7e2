// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap CLI: journal, one systemd journal entry per OOM event (the
 * oomsnap-journal service; README "Fleets", interface section 6).
 *
 * It never holds a module file open between two looks: an open file pins
 * the module (interface section 2.2), and a service that kept the stream
 * open would make every rmmod and package upgrade fail with EBUSY.  So it
 * polls stats (open, read, close) every --interval, and reads events.json
 * only when events_total, events_retained or events_overwritten changed.
 * The last seq sent is kept per boot in a state file, written after each
 * entry (tmp + fsync + rename), so a restart neither repeats nor skips an
 * event; events that left the ring before they were read become one
 * notice entry (lost: overwritten; cleared: a write to clear).
 *
 * The pure parts (state file, what to send) are separate from the loop
 * and from libsystemd, for tests/journal.c; without libsystemd (the static
 * build) only --print works.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#ifdef OOMSNAP_JOURNAL
#include <systemd/sd-journal.h>
#endif

#include "oomsnap.h"

#define BOOT_ID_FILE "/proc/sys/kernel/random/boot_id"

/* ---- the state file ------------------------------------------------------ */

void jstate_reset(struct jstate *st, const char *boot_id)
{
	memset(st, 0, sizeof(*st));
	snprintf(st->boot_id, sizeof(st->boot_id), "%s", boot_id ? boot_id : "");
}

/*
 * Read @path into @st: 0, -ENOENT when there is none (a first start: @st
 * is empty), -EINVAL when it is malformed, or another -errno.
 */
int jstate_read(const char *path, struct jstate *st)
{
	char line[128], key[32], val[JSTATE_ID_LEN];
	unsigned int have = 0;
	FILE *f;
	int err;

	jstate_reset(st, NULL);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%31s %39s", key, val) != 2)
			continue;
		if (!strcmp(key, "boot_id")) {
			snprintf(st->boot_id, sizeof(st->boot_id), "%s", val);
			have |= 1;
		} else if (!strcmp(key, "seq") && is_uint(val)) {
			st->seq = strtoull(val, NULL, 10);
			have |= 2;
		} else if (!strcmp(key, "boot_ns") && is_uint(val)) {
			st->boot_ns = strtoull(val, NULL, 10);
			have |= 4;
		} else if (!strcmp(key, "overwritten") && is_uint(val)) {
			st->overwritten = strtoull(val, NULL, 10);
			have |= 8;
		}
	}
	err = ferror(f) ? -EIO : 0;
	fclose(f);
	if (!err && have != 15)
		err = -EINVAL;
	if (err)
		jstate_reset(st, NULL);
	return err;
}

/*
 * Write @st to @path atomically: PATH.tmp, fsync, rename over PATH.  A
 * crash leaves the old state or the new one, never half of one.
 */
int jstate_write(const char *path, const struct jstate *st)
{
	struct sbuf tmp = { 0 }, b = { 0 };
	int fd, err = 0;
	ssize_t w;

	sb_printf(&tmp, "%s.tmp", path);
	sb_printf(&b, "boot_id %s\nseq %llu\nboot_ns %llu\noverwritten %llu\n",
		  st->boot_id, st->seq, st->boot_ns, st->overwritten);
	fd = open(tmp.s, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	w = write(fd, b.s, b.len);
	if (w < 0 || (size_t)w != b.len || fsync(fd))
		err = w < 0 || errno ? -errno : -EIO;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp.s, path))
		err = -errno;
	if (err)
		unlink(tmp.s);
out:
	sb_free(&tmp);
	sb_free(&b);
	return err;
}

/* ---- what to send ------------------------------------------------------ */

/*
 * Whether the events are those of another load of the module than the
 * one @st was written for: seq restarts at 1 after a reload.  The ring
 * holds a run of seqs ending at the newest, so in the same load a
 * retained event at or below the last seq sent means that event is
 * retained too, with the boot_ns we saved.  Else: another load (so is a
 * total below the last seq sent).
 */
static bool other_load(const struct jstate *st, unsigned long long total,
		       const struct jev *ev, size_t n)
{
	size_t i;

	if (total < st->seq)
		return true;
	if (!n || ev[0].seq > st->seq)
		return false;
	for (i = 0; i < n && ev[i].seq <= st->seq; i++)
		if (ev[i].seq == st->seq)
			return ev[i].boot_ns != st->boot_ns;
	return true;
}

/**
 * journal_plan() - what to send after a look at the module
 * @st: the state (updated: reset for a new boot or module load)
 * @boot_id: this boot's id
 * @gone: the module was seen absent since @st was last written
 * @total: stats events_total (the newest seq)
 * @overwritten: stats events_overwritten
 * @ev: the retained events, oldest first
 * @n: how many
 * @p: the plan: a notice for the events that left the ring unread (lost:
 *     overwritten, the rest cleared), then @ev[p->first..n)
 */
void journal_plan(struct jstate *st, const char *boot_id, bool gone,
		  unsigned long long total, unsigned long long overwritten,
		  const struct jev *ev, size_t n, struct jplan *p)
{
	unsigned long long next, gap = 0, ow;

	memset(p, 0, sizeof(*p));
	if (strcmp(st->boot_id, boot_id)) {
		jstate_reset(st, boot_id);
		p->reset = RESET_BOOT;
	} else if (gone || other_load(st, total, ev, n)) {
		jstate_reset(st, boot_id);
		p->reset = RESET_LOAD;
	}
	while (p->first < n && ev[p->first].seq <= st->seq)
		p->first++;
	next = p->first < n ? ev[p->first].seq : total + 1;
	if (next > st->seq + 1)
		gap = next - st->seq - 1;
	if (!gap)
		return;
	ow = overwritten >= st->overwritten ? overwritten - st->overwritten : overwritten;
	p->lost = gap < ow ? gap : ow;
	p->cleared = gap - p->lost;
	p->gap_first = st->seq + 1;
	p->gap_last = next - 1;
}

/* ---- entries ------------------------------------------------------------- */

/* One journal entry: "FIELD=value" strings (a value may hold any byte). */
struct entry {
	struct sbuf f[40];
	size_t n;
};

static struct sbuf *field(struct entry *e, const char *name)
{
	struct sbuf *b;

	if (e->n >= ARRAY_SIZE(e->f))
		die(E_NONE, "journal: too many fields");
	b = &e->f[e->n++];
	sb_reset(b);
	sb_printf(b, "%s=", name);
	return b;
}

/**
 * sb_raw() - the record's @path as a program gets it, strings unescaped
 * @b: appended to
 * @rec: the record
 * @path: e.g. "victim.comm"
 *
 * Return: false when the value is null or absent (nothing appended).
 * Shared by the journal's fields and watch --exec's environment.
 */
bool sb_raw(struct sbuf *b, json_object *rec, const char *path)
{
	json_object *o = rec_get(rec, path);

	if (!o)
		return false;
	if (json_object_is_type(o, json_type_string)) {
		const unsigned char *p = (const unsigned char *)json_object_get_string(o);
		const unsigned char *end = p + json_object_get_string_len(o);

		/*
		 * The module writes each byte outside printable ASCII as
		 * \u00XX, which json-c decodes to U+00XX: the field gets the
		 * byte back (a name's own bytes, whatever they are).
		 */
		for (; p < end; p++) {
			if ((*p == 0xc2 || *p == 0xc3) && p + 1 < end) {
				sb_putc(b, (char)(((*p & 3) << 6) | (p[1] & 0x3f)));
				p++;
			} else {
				sb_putc(b, (char)*p);
			}
		}
	} else {
		sb_puts(b, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	}
	return true;
}

/* FIELD=the record's @path, raw (strings unescaped); nothing when null. */
static void field_path(struct entry *e, const char *name, json_object *rec, const char *path)
{
	if (rec_get(rec, path))
		sb_raw(field(e, name), rec, path);
}

/* syslog priorities (<syslog.h>), as journalctl -p names them */
#define PRI_ERR 3
#define PRI_WARNING 4
#define PRI_NOTICE 5

/*
 * An OOM kill is a warning: a process died, the system recovered.  No
 * victim is an error: nothing could be freed (a memcg stays at its limit,
 * a global OOM panics or hangs).  An already exiting task that was only
 * marked is a notice.
 */
static int event_priority(json_object *rec)
{
	if (rec_is(rec, "outcome", "no_victim"))
		return PRI_ERR;
	if (rec_is(rec, "outcome", "current_exiting"))
		return PRI_NOTICE;
	return PRI_WARNING;
}

/* MESSAGE: one line a person reads, in explain's words. */
static void sb_message(struct sbuf *b, json_object *rec)
{
	sb_say(b, rec, NULL, "OOM event {seq}: {cause} ({kind} OOM, constraint {constraint})");
	if (rec_has(rec, "memcg.path"))
		sb_say(b, rec, NULL, ", memcg {memcg.path} at its limit of {memcg.limit_kb kB}");
	if (rec_has(rec, "trigger.pid"))
		sb_say(b, rec, NULL, ", allocating: {trigger task}");
	if (rec_is(rec, "outcome", "killed") && rec_has(rec, "victim.pid"))
		sb_say(b, rec, NULL,
		       "; killed {victim task} uid {victim.uid} with {victim.anon_rss_kb kB} anon rss");
	else if (rec_is(rec, "outcome", "killed"))
		sb_puts(b, "; a process was killed");
	else if (rec_is(rec, "outcome", "current_exiting"))
		sb_puts(b, "; no kill: the task was already exiting");
	else if (rec_is(rec, "outcome", "no_victim"))
		sb_puts(b, "; no kill: nothing killable was found");
	sb_say(b, rec, NULL, " (oomsnap explain {seq})");
}

/*
 * The record's main fields by the names a program gets them under: the
 * journal's fields (interface section 6.1) and watch --exec's environment.
 */
const struct event_field event_fields[EVENT_FIELDS] = {
	{ "OOMSNAP_SEQ", "seq" },
	{ "OOMSNAP_KIND", "kind" },
	{ "OOMSNAP_CONSTRAINT", "constraint" },
	{ "OOMSNAP_CAUSE", "cause" },
	{ "OOMSNAP_OUTCOME", "outcome" },
	{ "OOMSNAP_GFP", "gfp" },
	{ "OOMSNAP_ORDER", "order" },
	{ "OOMSNAP_TRIGGER_PID", "trigger.pid" },
	{ "OOMSNAP_TRIGGER_COMM", "trigger.comm" },
	{ "OOMSNAP_TRIGGER_MEMCG", "trigger.memcg" },
	{ "OOMSNAP_MEMCG", "memcg.path" },
	{ "OOMSNAP_MEMCG_USAGE_KB", "memcg.usage_kb" },
	{ "OOMSNAP_MEMCG_LIMIT_KB", "memcg.limit_kb" },
	{ "OOMSNAP_VICTIM_PID", "victim.pid" },
	{ "OOMSNAP_VICTIM_COMM", "victim.comm" },
	{ "OOMSNAP_VICTIM_UID", "victim.uid" },
	{ "OOMSNAP_VICTIM_MEMCG", "victim.memcg" },
	{ "OOMSNAP_VICTIM_ANON_RSS_KB", "victim.anon_rss_kb" },
	{ "OOMSNAP_VICTIM_POINTS", "victim.points" },
};

static void event_entry(struct entry *e, json_object *rec, const char *line, size_t len)
{
	size_t i;

	sb_puts(field(e, "MESSAGE_ID"), OOMSNAP_EVENT_MESSAGE_ID);
	sb_printf(field(e, "PRIORITY"), "%d", event_priority(rec));
	sb_puts(field(e, "SYSLOG_IDENTIFIER"), "oomsnap");
	sb_message(field(e, "MESSAGE"), rec);
	for (i = 0; i < EVENT_FIELDS; i++)
		field_path(e, event_fields[i].name, rec, event_fields[i].path);
	sb_printf(field(e, "OOMSNAP_JSON"), "%.*s", (int)len, line);
}

static void notice_entry(struct entry *e, const char *what, unsigned long long nr,
			 const struct jplan *p)
{
	bool lost = !strcmp(what, "lost");
	char name[32];

	sb_puts(field(e, "MESSAGE_ID"), OOMSNAP_NOTICE_MESSAGE_ID);
	sb_printf(field(e, "PRIORITY"), "%d", lost ? PRI_WARNING : PRI_NOTICE);
	sb_puts(field(e, "SYSLOG_IDENTIFIER"), "oomsnap");
	sb_printf(field(e, "MESSAGE"),
		  lost ? "%llu OOM events (seq %llu-%llu) were overwritten in the oomsnap ring before they reached the journal (ring too small or the service was stopped)"
		       : "%llu OOM events (seq %llu-%llu) were cleared from the oomsnap ring (a write to its clear file) before they reached the journal",
		  nr, p->gap_first, p->gap_last);
	snprintf(name, sizeof(name), "OOMSNAP_%s", lost ? "LOST" : "CLEARED");
	sb_printf(field(e, name), "%llu", nr);
	sb_printf(field(e, "OOMSNAP_FIRST_SEQ"), "%llu", p->gap_first);
	sb_printf(field(e, "OOMSNAP_LAST_SEQ"), "%llu", p->gap_last);
}

static void entry_free(struct entry *e)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(e->f); i++)
		sb_free(&e->f[i]);
	e->n = 0;
}

/* ---- the service ------------------------------------------------------ */

struct journal {
	const char *state_path;
	double interval;
	bool print, once;
	struct jstate st;
	char boot_id[JSTATE_ID_LEN];
	unsigned long long key[3];	/* total, retained, overwritten last read */
	bool have_key, gone, said_gone;
	unsigned long long sent;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/*
 * Send @e: to the journal, or with --print to stdout (export-like).
 * False when journald refused it: the state is not advanced, the next
 * look tries again.
 */
static bool emit(struct journal *j, struct entry *e)
{
	size_t i;

	if (j->print) {
		for (i = 0; i < e->n; i++) {
			const unsigned char *p = (const unsigned char *)e->f[i].s;
			const unsigned char *end = p + e->f[i].len;

			/* bytes outside printable ASCII (and '\\') as \xNN */
			for (; p < end; p++)
				if (*p < ' ' || *p >= 0x7f || *p == '\\')
					printf("\\x%02x", *p);
				else
					putchar(*p);
			putchar('\n');
		}
		putchar('\n');
		fflush(stdout);
	} else {
#ifdef OOMSNAP_JOURNAL
		struct iovec iov[ARRAY_SIZE(e->f)];
		int r;

		for (i = 0; i < e->n; i++) {
			iov[i].iov_base = e->f[i].s;
			iov[i].iov_len = e->f[i].len;
		}
		r = sd_journal_sendv(iov, (int)e->n);
		if (r < 0) {
			warn("journal: sd_journal_sendv: %s (trying again)", strerror(-r));
			return false;
		}
#endif
	}
	j->sent++;
	return true;
}

static bool send_notice(struct journal *j, const char *what, unsigned long long nr,
			const struct jplan *p)
{
	struct entry e = { 0 };
	bool sent;

	notice_entry(&e, what, nr, p);
	sent = emit(j, &e);
	entry_free(&e);
	return sent;
}

static void save(struct journal *j)
{
	int err;

	if (!j->state_path)
		return;
	err = jstate_write(j->state_path, &j->st);
	if (err)
		die(E_PERM, "journal: cannot write %s: %s", j->state_path, strerror(-err));
}

static unsigned long long stat_key(const char *stats, const char *key)
{
	size_t n = strlen(key);
	const char *p = stats;

	while (p && *p) {
		if (!strncmp(p, key, n) && p[n] == ' ')
			return strtoull(p + n + 1, NULL, 10);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return 0;
}

/* Send what @p says, saving the state after each entry; false on a refusal. */
static bool send_plan(struct journal *j, const struct jplan *p, const struct jev *ev,
		      json_object **recs, const char **lines, const size_t *lens, size_t n)
{
	struct entry e = { 0 };
	size_t i;
	bool sent;

	if (p->lost && !send_notice(j, "lost", p->lost, p))
		return false;
	if (p->cleared && !send_notice(j, "cleared", p->cleared, p))
		return false;
	if (p->lost || p->cleared) {
		j->st.seq = p->gap_last;
		save(j);
	}
	for (i = p->first; i < n; i++) {
		event_entry(&e, recs[i], lines[i], lens[i]);
		sent = emit(j, &e);
		entry_free(&e);
		if (!sent)
			return false;
		j->st.seq = ev[i].seq;
		j->st.boot_ns = ev[i].boot_ns;
		save(j);
	}
	return true;
}

/* One look at the module; false when its files are not there. */
static bool look(struct journal *j)
{
	unsigned long long key[3];
	struct jev *ev = NULL;
	json_object **recs = NULL;
	const char **lines = NULL;
	size_t *lens = NULL, n = 0, i, size, len;
	struct jplan p;
	struct lines it;
	const char *line;
	json_object *rec;
	char *stats, *buf;
	sigset_t block, old;

	if (!find_dir())
		return false;
	stats = read_file_soft("stats", NULL);
	if (!stats)
		return false;
	key[0] = stat_key(stats, "events_total");
	key[1] = stat_key(stats, "events_retained");
	key[2] = stat_key(stats, "events_overwritten");
	free(stats);
	if (j->have_key && !j->gone && !memcmp(key, j->key, sizeof(key)))
		return true;
	buf = read_file_soft("events.json", &size);
	if (!buf)
		return false;
	it = (struct lines){ buf, buf + size, 0 };
	while ((rec = next_record(&it, &line, &len))) {
		if (!is_event(rec)) {
			json_object_put(rec);
			continue;
		}
		ev = xrealloc(ev, (n + 1) * sizeof(*ev));
		recs = xrealloc(recs, (n + 1) * sizeof(*recs));
		lines = xrealloc(lines, (n + 1) * sizeof(*lines));
		lens = xrealloc(lens, (n + 1) * sizeof(*lens));
		ev[n].seq = rec_int(rec, "seq");
		ev[n].boot_ns = rec_int(rec, "boot_ns");
		recs[n] = rec;
		lines[n] = line;
		lens[n++] = len;
	}
	journal_plan(&j->st, j->boot_id, j->gone, key[0], key[2], ev, n, &p);
	j->gone = false;
	/* a TERM between an entry and its state write would repeat it */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &old);
	if (send_plan(j, &p, ev, recs, lines, lens, n)) {
		if (j->st.overwritten != key[2] || p.reset) {
			j->st.overwritten = key[2];
			save(j);
		}
		memcpy(j->key, key, sizeof(key));
		j->have_key = true;
	} else {
		j->have_key = false;	/* read again next time */
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	for (i = 0; i < n; i++)
		json_object_put(recs[i]);
	free(recs);
	free(lines);
	free(lens);
	free(ev);
	free(buf);
	return true;
}

static void read_boot_id(char *id)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = fopen(BOOT_ID_FILE, "re");

	if (!f || getline(&s, &n, f) < 0)
		die(E_NOTLOADED, "journal: cannot read " BOOT_ID_FILE);
	fclose(f);
	s[strcspn(s, "\n")] = '\0';
	snprintf(id, JSTATE_ID_LEN, "%s", s);
	free(s);
}

int cmd_journal(int argc, char **argv)
{
	struct journal j = { .state_path = OOMSNAP_JOURNAL_STATE, .interval = 1.0 };
	const char *v;
	struct timespec ts;
	char *end;
	int i, err;

	for (i = 1; i < argc; i++) {
		if (opt_value(argc, argv, &i, "--interval", "SECONDS", &v)) {
			j.interval = strtod(v, &end);
			if (*end || end == v || !(j.interval >= 0.05 && j.interval <= 3600))
				die(E_USAGE, "journal: --interval wants 0.05 to 3600 seconds, got '%s'", v);
		} else if (opt_value(argc, argv, &i, "--state", "FILE", &v)) {
			j.state_path = *v ? v : NULL;
		} else if (!strcmp(argv[i], "--print")) {
			j.print = true;
		} else if (!strcmp(argv[i], "--once")) {
			j.once = true;
		} else {
			unknown_arg("journal", argv[i]);
		}
	}
#ifndef OOMSNAP_JOURNAL
	if (!j.print)
		die(E_USAGE,
		    "journal: this oomsnap was built without libsystemd (a static build): only --print works; the Debian package's oomsnap writes to the journal");
#endif
	read_boot_id(j.boot_id);
	err = j.state_path ? jstate_read(j.state_path, &j.st) : -ENOENT;
	if (err && err != -ENOENT)
		warn("journal: %s: %s: starting afresh (events still retained are sent again)",
		     j.state_path, strerror(-err));
	if (err)
		jstate_reset(&j.st, j.boot_id);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGHUP, SIG_IGN);
	ts.tv_sec = (time_t)j.interval;
	ts.tv_nsec = (long)((j.interval - ts.tv_sec) * 1e9);
	while (!stop) {
		if (look(&j)) {
			if (j.said_gone)
				warn("journal: the module's files are back: following them");
			j.said_gone = false;
		} else {
			/* the next load is another one: seq restarts */
			j.gone = true;
			j.have_key = false;
			if (j.once)
				die(E_NOTLOADED, "journal: the module's files are not there");
			if (!j.said_gone)
				warn("journal: the oomsnap module's files are not there: waiting for them");
			j.said_gone = true;
		}
		if (j.once)
			break;
		nanosleep(&ts, NULL);
	}
	return E_OK;
}
