/* SPDX-License-Identifier: GPL-2.0 */
/*
 * oomsnap: the command line and executable of the trigger and the victim
 * (oomsnap_cmdline.c; interface section 3.1, "argv" and "exe").
 */
#ifndef _OOMSNAP_CMDLINE_H
#define _OOMSNAP_CMDLINE_H

#include <linux/types.h>

struct seq_file;
struct task_struct;
struct mm_struct;
struct oomsnap_event;

/*
 * Bytes of the argument area kept: a long Java or Python command line
 * fits; more is cut and flagged (argv_truncated).  The executable: up to
 * its last four path components, as the kernel's %pD4 prints them.
 */
#define OOMSNAP_ARGV_LEN	1024
#define OOMSNAP_EXE_LEN		256

/* Why argv is what it is (interface section 3.1, argv_state). */
enum oomsnap_argv_state {
	OOMSNAP_ARGV_NONE,	/* no such task, or a kernel thread: no argv */
	OOMSNAP_ARGV_OK,
	OOMSNAP_ARGV_FAULT,	/* its pages were not present: not read */
	OOMSNAP_ARGV_PENDING,	/* the victim's own context has not run yet */
	OOMSNAP_ARGV_NR
};

/**
 * struct oomsnap_cmdline - one task's argument area and executable
 * @len: bytes in @argv (NUL-separated arguments)
 * @state: enum oomsnap_argv_state
 * @truncated: the area was longer than OOMSNAP_ARGV_LEN
 * @has_exe: @exe holds the executable's name
 * @argv: the bytes of mm->arg_start..arg_end, at most OOMSNAP_ARGV_LEN
 * @exe: the executable, NUL-terminated
 */
struct oomsnap_cmdline {
	u16 len;
	u8 state;
	bool truncated;
	bool has_exe;
	char argv[OOMSNAP_ARGV_LEN];
	char exe[OOMSNAP_EXE_LEN];
};

/* The trigger's and the victim's, in the event record. */
struct oomsnap_cmdlines {
	struct oomsnap_cmdline trigger, victim;
};

void oomsnap_cmdline_trigger(struct oomsnap_event *ev);
void oomsnap_cmdline_chosen(struct task_struct *p);
void oomsnap_cmdline_victim(struct oomsnap_event *ev, struct task_struct *t,
			    struct mm_struct *mm);
void oomsnap_cmdline_committed(const struct oomsnap_event *ev);
void oomsnap_cmdline_exited(void);
void oomsnap_cmdline_render(struct seq_file *m, bool json,
			    const struct oomsnap_cmdline *c, const char *key);
void oomsnap_cmdline_stats(struct seq_file *m);
int oomsnap_cmdline_init(void);
void oomsnap_cmdline_exit(void);

#endif /* _OOMSNAP_CMDLINE_H */
