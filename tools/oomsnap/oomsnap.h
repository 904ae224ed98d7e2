/* SPDX-License-Identifier: GPL-2.0 */
/*
 * oomsnap: the command-line tool for the oomsnap kernel module
 * (docs/interface.md).  Declarations shared by its files:
 *
 *   main.c     option parsing, dispatch, usage texts
 *   util.c     errors, number checks, the clock, growing strings
 *   files.c    where the module's files are, reading them
 *   record.c   one event record (json-c): paths, values as displayed
 *   brief.c    the one-line form of an event (watch, status)
 *   events.c   events, last
 *   explain.c  explain: the sentences
 *   stack.c    the record's stack in words (explain)
 *   spared.c   what protection spared, in words (explain)
 *   metrics.c  metrics: Prometheus text format
 *   status.c   status
 *   protect.c  protect add|del|list|clear
 *   follow.c   watch: following the stream
 *   exec.c     watch --exec: a command per event
 *   journal.c  journal: events into the systemd journal (the service)
 *   ident.c    container, pod and unit from a cgroup path
 *   import.c   import: events a dying kernel printed, from pstore or a log
 */
#ifndef OOMSNAP_CLI_H
#define OOMSNAP_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

#ifndef OOMSNAP_VERSION
#define OOMSNAP_VERSION "unknown"
#endif

/* Exit codes: the contract of scripts and tests (usage text). */
enum {
	E_OK = 0,		/* success */
	E_NONE = 1,		/* nothing to show, or watch timed out */
	E_USAGE = 2,		/* unknown command or option, bad argument */
	E_NOTLOADED = 3,	/* the module or its files are not there */
	E_PERM = 4,		/* permission denied */
	E_REJECTED = 5,		/* the module refused a protect command */
	E_EOF = 6,		/* watch: the stream ended */
};

#define __printf(a, b) __attribute__((format(printf, a, b)))
#define __noreturn __attribute__((noreturn))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* main.c */
void usage_cmd(const char *cmd, int to_stderr);
bool is_help(const char *arg);
void __noreturn unknown_arg(const char *cmd, const char *arg);

/* util.c */
void __noreturn __printf(2, 3) die(int code, const char *fmt, ...);
void __printf(1, 2) warn(const char *fmt, ...);
bool is_uint(const char *s);
bool is_int(const char *s);
bool opt_value(int argc, char **argv, int *i, const char *name, const char *what,
	       const char **val);
double mono_now(void);
void *xrealloc(void *p, size_t n);

/* files.c */
extern const char *oomsnap_dir;
bool find_dir(void);
bool module_loaded(void);
char *file_path(const char *name);
void need(const char *name);
char *read_file(const char *name, size_t *len);
char *read_file_soft(const char *name, size_t *len);

/* util.c: a growing string, always NUL-terminated once written to. */
struct sbuf {
	char *s;
	size_t len, cap;
};

void sb_putc(struct sbuf *b, char c);
void sb_puts(struct sbuf *b, const char *s);
void __printf(2, 3) sb_printf(struct sbuf *b, const char *fmt, ...);
void sb_reset(struct sbuf *b);
void sb_free(struct sbuf *b);

/* record.c */
json_object *rec_parse(const char *line, size_t len, const char **err);
json_object *rec_get(json_object *rec, const char *path);
bool rec_has(json_object *rec, const char *path);
long long rec_int(json_object *rec, const char *path);
bool rec_is(json_object *rec, const char *path, const char *word);
void sb_escaped(struct sbuf *b, const char *s, size_t len);
void sb_v(struct sbuf *b, json_object *rec, const char *path);
void sb_kb(struct sbuf *b, json_object *rec, const char *path);
void sb_task(struct sbuf *b, json_object *rec, const char *path);
void sb_utc(struct sbuf *b, long long sec, bool iso);
void sb_when(struct sbuf *b, json_object *rec);
bool is_event(json_object *rec);

/* Iterate over the lines of a buffer (events.json). */
struct lines {
	const char *p, *end;
	unsigned int nr;
};

bool next_line(struct lines *it, const char **line, size_t *len);
json_object *next_record(struct lines *it, const char **line, size_t *len);

/* spared.c */
void explain_spared(struct sbuf *s, json_object *rec, long long order);

/* stack.c */
void sb_stack_words(struct sbuf *b, json_object *rec);

/* before.c */
bool sb_before_after(struct sbuf *b, json_object *rec);

/* explain.c: a sentence with {PATH} (and {PATH kB}, {PATH task}) filled in */
void sb_say(struct sbuf *b, json_object *rec, const char *base, const char *t);

/* import.c: events a dying kernel printed (interface section 8) */
struct import {
	struct {
		json_object *rec;
		unsigned long long seq;
		unsigned int crc;
	} *ev;
	size_t nr;
	unsigned int damaged, unreadable;
};

unsigned int import_crc32(const char *p, size_t len);
void import_buf(struct import *im, const char *src, const char *buf, size_t size);
void import_free(struct import *im);
void explain_panic_who(struct sbuf *s, json_object *rec);

/* brief.c */
void sb_brief(struct sbuf *b, json_object *rec);
bool sb_notice(struct sbuf *b, json_object *rec);

/* ident.c: who a cgroup path belongs to; a field is NULL when not shown */
struct cg_ident {
	const char *runtime;	/* "docker", "containerd", "cri", "cri-o", ... */
	char *container;	/* the 64-hex id, or a machine's or LXC name */
	bool monitor;		/* the runtime's monitor (conmon, lxc.monitor) */
	char *pod;		/* Kubernetes pod UID, with '-' */
	const char *qos;	/* "guaranteed", "burstable", "besteffort" */
	char *unit;		/* innermost .service or .scope */
	char *slice;		/* innermost .slice */
};

bool ident_parse(const char *path, struct cg_ident *id);
void ident_free(struct cg_ident *id);
json_object *ident_record(json_object *rec);
void sb_with_identity(struct sbuf *b, json_object *rec, const char *line, size_t len);
bool sb_ident_words(struct sbuf *b, const char *path);
void sb_ident_text(struct sbuf *b, json_object *rec);

/* the commands */
/* why.c */
bool explain_swap(struct sbuf *s, json_object *rec);
bool explain_overcommit(struct sbuf *s, json_object *rec, const char *proc);
bool reading_live(void);

int cmd_status(int argc, char **argv);
int cmd_events(int argc, char **argv);
int cmd_last(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_watch(int argc, char **argv);

/* exec.c: watch --exec (--exec-timeout, default EXEC_TIMEOUT seconds) */
#define EXEC_TIMEOUT 10

struct exec_hook {
	const char *cmd;	/* sh -c CMD */
	int timeout;		/* seconds, then SIGTERM, then SIGKILL */
	int sfd;		/* watch's signalfd: SIGCHLD, SIGINT, SIGTERM */
};

int exec_run(const struct exec_hook *h, json_object *rec, const char *line, size_t len);
int cmd_protect(int argc, char **argv);
int cmd_metrics(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_journal(int argc, char **argv);
void explain(json_object *rec);

/*
 * journal.c: the MESSAGE_IDs of its entries (interface section 6), the
 * state file, and the decision of what to send, apart from the loop for
 * tests/journal.c.
 */
#define OOMSNAP_EVENT_MESSAGE_ID "22f8fde01bc649a9be1692736b53dd33"
#define OOMSNAP_NOTICE_MESSAGE_ID "a7ca25a8d67c49b8b49a9aaff19f29c1"
#define OOMSNAP_JOURNAL_STATE "/var/lib/oomsnap/journal.state"
#define JSTATE_ID_LEN 40

/* What was sent: the last event's seq and boot_ns, in which boot. */
struct jstate {
	char boot_id[JSTATE_ID_LEN];
	unsigned long long seq, boot_ns, overwritten;
};

/* A retained event, as journal_plan() needs it. */
struct jev {
	unsigned long long seq, boot_ns;
};

enum { RESET_NONE, RESET_BOOT, RESET_LOAD };

struct jplan {
	int reset;		/* RESET_*: @st was emptied first */
	size_t first;		/* send ev[first..n) */
	unsigned long long lost, cleared;	/* a notice each when not 0 */
	unsigned long long gap_first, gap_last;	/* their seqs */
};

/* the record's main fields, OOMSNAP_NAME and path (journal, watch --exec) */
struct event_field {
	const char *name, *path;
};

#define EVENT_FIELDS 19
extern const struct event_field event_fields[EVENT_FIELDS];
bool sb_raw(struct sbuf *b, json_object *rec, const char *path);

void jstate_reset(struct jstate *st, const char *boot_id);
int jstate_read(const char *path, struct jstate *st);
int jstate_write(const char *path, const struct jstate *st);
void journal_plan(struct jstate *st, const char *boot_id, bool gone,
		  unsigned long long total, unsigned long long overwritten,
		  const struct jev *ev, size_t n, struct jplan *p);

#endif /* OOMSNAP_CLI_H */
