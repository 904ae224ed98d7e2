/* SPDX-License-Identifier: GPL-2.0 */
/*
 * oomsnap: the protection list's internals (interface section 5).
 *
 * Shared by its three files only, not by the rest of the module, which
 * sees the list through the oomsnap_protect_*() calls of oomsnap.h:
 *   oomsnap_protect_parse.c  the command parser: text in, commands out;
 *                            pure (no list, no lock, no task), so that
 *                            KUnit can test it on its own
 *   oomsnap_protect_list.c   the entry set: what the commands name, the
 *                            batch check and commit, the lookups readers
 *                            make under RCU
 *   oomsnap_protect.c        the enforcement: restore records, the passes,
 *                            the tracepoints, the OOM path, the interface
 */
#ifndef _OOMSNAP_PROTECT_H
#define _OOMSNAP_PROTECT_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/types.h>
#include <linux/uidgid.h>

struct cgroup;
struct file;
struct pid;

/* What a key names: a process, a cgroup (and below), a name with owner. */
enum oomsnap_ptype { OOMSNAP_P_PID, OOMSNAP_P_CGROUP, OOMSNAP_P_COMM };
enum oomsnap_op { OOMSNAP_OP_ADD, OOMSNAP_OP_DEL, OOMSNAP_OP_CLEAR };

/**
 * struct oomsnap_protect_cmd - one command as written
 * @op: OOMSNAP_OP_*
 * @type: add, del: the key's OOMSNAP_P_*
 * @adj: add: the value, OOM_SCORE_ADJ_MIN to OOM_SCORE_ADJ_MAX
 * @nr: pid keys: the pid as written, above 0
 * @path: cgroup keys: the path, normalized (one leading '/', no empty
 *	  component, no trailing '/'); owned by the command
 * @comm: comm keys: the name, NUL-padded
 * @has_uid: comm keys: uid=N was written
 * @uid_nr: comm keys: N as written, in the writer's user namespace
 *
 * Syntax only: nothing here says the pid, the cgroup or the owner exist
 * (oomsnap_plist_resolve() does).
 */
struct oomsnap_protect_cmd {
	u8 op, type;
	short adj;
	int nr;
	char *path;
	char comm[TASK_COMM_LEN];
	bool has_uid;
	u32 uid_nr;
};

/**
 * struct oomsnap_pentry - one protection entry
 * @rnode: in the reader hash of its type (by struct pid, cgroup, comm); RCU
 * @wnode: in the writer hash (by the key as written); oomsnap_plock
 * @node: in oomsnap_entries, in order of addition; RCU
 * @pnode: pid entries only: in the list of pid entries; RCU
 * @free_next: on the list of entries to free after a grace period
 * @type: OOMSNAP_P_*
 * @vdel: scratch of the writer checking a batch: deleted by the batch
 * @adj: the oom_score_adj to apply; READ_ONCE() by readers
 * @gen: the write that last added or updated the entry
 * @tasks: scratch of the writer: processes this entry decides for
 * @pid: pid entries: the process, pinned
 * @nr: pid entries: the pid as written, shown if @pid is not visible
 * @cgrp: cgroup entries: the cgroup, pinned
 * @path: cgroup entries: the path as written, normalized
 * @comm: comm entries: the name, NUL-padded
 * @uid: comm entries: the owner its processes must run as (all four uids)
 */
struct oomsnap_pentry {
	struct hlist_node rnode;
	struct hlist_node wnode;
	struct list_head node;
	struct list_head pnode;
	struct oomsnap_pentry *free_next;
	u8 type;
	bool vdel;
	short adj;
	u32 gen;
	unsigned int tasks;
	struct pid *pid;
	pid_t nr;
	struct cgroup *cgrp;
	char *path;
	char comm[TASK_COMM_LEN];
	kuid_t uid;
};

/**
 * struct oomsnap_rcmd - a command of a write with what it names resolved
 * @w: the command as written; @w->path passes to the entry an add creates
 * @vlive: add: the batch's own entry exists (oomsnap_plist_check())
 * @pid: pid keys: the process, a reference
 * @cgrp: cgroup keys of add: the cgroup, a reference
 * @uid: comm keys: the owner (GLOBAL_ROOT_UID by default)
 * @ne: add: the entry preallocated for it
 */
struct oomsnap_rcmd {
	struct oomsnap_protect_cmd *w;
	bool vlive;
	struct pid *pid;
	struct cgroup *cgrp;
	kuid_t uid;
	struct oomsnap_pentry *ne;
};

/* oomsnap_protect_parse.c */
int oomsnap_protect_parse(char *buf, struct oomsnap_protect_cmd **cmds,
			  unsigned int *n);
void oomsnap_protect_free(struct oomsnap_protect_cmd *cmds, unsigned int n);

/* oomsnap_protect_list.c */
extern struct mutex oomsnap_plock;
extern struct list_head oomsnap_entries;
extern unsigned int oomsnap_nr_entries, oomsnap_nr_pid;

int oomsnap_plist_alloc(unsigned int entries);
void oomsnap_plist_free(void);
struct oomsnap_pentry *oomsnap_plist_find_pid(struct pid *pid);
struct oomsnap_pentry *oomsnap_plist_match_own(struct task_struct *p);
bool oomsnap_plist_cmd_hits(const struct oomsnap_rcmd *c,
			    struct task_struct *p);
int oomsnap_plist_resolve(struct oomsnap_rcmd *c, const struct file *file);
void oomsnap_plist_release(struct oomsnap_rcmd *c);
int oomsnap_plist_check(struct oomsnap_rcmd *cmds, unsigned int n,
			unsigned int *bad);
bool oomsnap_plist_commit(struct oomsnap_rcmd *cmds, unsigned int n, u32 gen,
			  struct oomsnap_pentry **freelist);
void oomsnap_plist_clear(struct oomsnap_pentry **freelist);
bool oomsnap_plist_prune(struct oomsnap_pentry **freelist);
void oomsnap_plist_free_entries(struct oomsnap_pentry *freelist);

#endif /* _OOMSNAP_PROTECT_H */
