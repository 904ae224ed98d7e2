// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap: the protection list's entry set (interface section 5).
 *
 * Entries by pid, process name (comm, with the uid its processes must run
 * as) or cgroup v2 path, each with an oom_score_adj value: what parsed
 * commands name (oomsnap_plist_resolve()), the check and commit of a
 * batch of them all or nothing, the end of pid entries whose process
 * exited, and the lookups that find the entry deciding for a process.
 * Values are applied and restored by oomsnap_protect.c.
 *
 * Locking:
 *   - oomsnap_plock (mutex) serializes writers: write(), show(), the
 *     garbage collector and unload.  Only writers change the entry set.
 *   - Readers (exec/fork/exit probes, the OOM path, covers()) look entries up
 *     under RCU in hash tables; entries are freed after synchronize_rcu().
 *     Readers never sleep, allocate or take a sleeping lock, so they are
 *     fine with preemption or interrupts disabled, on PREEMPT_RT too.
 */
#include <linux/cgroup.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/hash.h>
#include <linux/jhash.h>
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/rculist.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uidgid.h>
#include "oomsnap.h"
#include "oomsnap_protect.h"

/* Most cgroup levels walked up from a task to find a cgroup entry. */
#define OOMSNAP_CG_WALK_MAX	256

/* Serializes writers (oomsnap_protect.c's write, show, collector, unload). */
DEFINE_MUTEX(oomsnap_plock);
/* Every entry, in order of addition; RCU for readers. */
LIST_HEAD(oomsnap_entries);
static LIST_HEAD(oomsnap_pid_entries);
static struct hlist_head *oomsnap_pid_ht, *oomsnap_cg_ht, *oomsnap_comm_ht;
static struct hlist_head *oomsnap_w_ht;	/* writers only */
static unsigned int oomsnap_ht_bits;

/* Read locklessly by the probes and the OOM path. */
unsigned int oomsnap_nr_entries, oomsnap_nr_pid;
static unsigned int oomsnap_nr_cg, oomsnap_nr_comm;
static int oomsnap_cg_min_level, oomsnap_cg_max_level;

/* ---------------------------------------------------------------- lookups */

static u32 oomsnap_comm_hash(const char *comm, kuid_t uid)
{
	return jhash(comm, TASK_COMM_LEN, __kuid_val(uid));
}

/* A NUL-padded copy of @p's name; comm is read racily, as printk does. */
static void oomsnap_task_comm(struct task_struct *p, char *buf)
{
	size_t n;

	memcpy(buf, p->comm, TASK_COMM_LEN);
	buf[TASK_COMM_LEN - 1] = '\0';
	n = strnlen(buf, TASK_COMM_LEN);
	memset(buf + n, 0, TASK_COMM_LEN - n);
}

/**
 * oomsnap_plist_find_pid() - the pid entry of a process
 * @pid: the process's struct pid (its tgid)
 *
 * Context: rcu_read_lock() or oomsnap_plock held; any context.
 * Return: the entry, or NULL.
 */
struct oomsnap_pentry *oomsnap_plist_find_pid(struct pid *pid)
{
	struct oomsnap_pentry *e;

	hlist_for_each_entry_rcu(e, &oomsnap_pid_ht[hash_ptr(pid, oomsnap_ht_bits)],
				 rnode, lockdep_is_held(&oomsnap_plock))
		if (e->pid == pid)
			return e;
	return NULL;
}

static struct oomsnap_pentry *oomsnap_find_cgrp(struct cgroup *cgrp)
{
	struct oomsnap_pentry *e;

	hlist_for_each_entry_rcu(e, &oomsnap_cg_ht[hash_ptr(cgrp, oomsnap_ht_bits)],
				 rnode, lockdep_is_held(&oomsnap_plock))
		if (e->cgrp == cgrp)
			return e;
	return NULL;
}

static struct oomsnap_pentry *oomsnap_find_comm(const char *comm, kuid_t uid)
{
	u32 b = hash_32(oomsnap_comm_hash(comm, uid), oomsnap_ht_bits);
	struct oomsnap_pentry *e;

	hlist_for_each_entry_rcu(e, &oomsnap_comm_ht[b], rnode,
				 lockdep_is_held(&oomsnap_plock))
		if (uid_eq(e->uid, uid) && !memcmp(e->comm, comm, TASK_COMM_LEN))
			return e;
	return NULL;
}

/*
 * The owner a comm entry must name to cover @p: the uid that its real,
 * effective, saved and fs uids all are, or INVALID_UID (no comm entry
 * covers it) when they differ.  A name is no proof of identity: anyone can
 * copy a binary to a protected name, link to it, or prctl(PR_SET_NAME).
 * Requiring the owner of the process, all four uids of it, means that
 * only a process of that owner matches: a setuid-root program run by a
 * user (real uid the user's) does not, nor a process between two
 * setresuid() calls.  The credentials are the objective ones, read under
 * RCU (the caller holds rcu_read_lock()) without a lock: safe on the OOM
 * path and in the probes.
 */
static kuid_t oomsnap_comm_uid(struct task_struct *p)
{
	const struct cred *cred = __task_cred(p);

	if (uid_eq(cred->uid, cred->euid) && uid_eq(cred->uid, cred->suid) &&
	    uid_eq(cred->uid, cred->fsuid))
		return cred->uid;
	return INVALID_UID;
}

/*
 * The deepest cgroup entry at or above @p's cgroup v2 cgroup.  Levels
 * deeper than the deepest entry are stepped over, levels that can hold an
 * entry cost one hash lookup each, and the walk stops at the shallowest
 * entry's level, after at most OOMSNAP_CG_WALK_MAX steps: a task that far
 * below every entry is not matched (systemd hierarchies are a few levels).
 */
static struct oomsnap_pentry *oomsnap_match_cgrp(struct task_struct *p)
{
	int lo = READ_ONCE(oomsnap_cg_min_level);
	int hi = READ_ONCE(oomsnap_cg_max_level);
	unsigned int steps = OOMSNAP_CG_WALK_MAX;
	struct oomsnap_pentry *e;
	struct cgroup *cgrp;

	for (cgrp = task_dfl_cgroup(p); cgrp && cgrp->level >= lo && steps--;
	     cgrp = cgroup_parent(cgrp)) {
		if (cgrp->level > hi)
			continue;
		e = oomsnap_find_cgrp(cgrp);
		if (e)
			return e;
	}
	return NULL;
}

/**
 * oomsnap_plist_match_own() - the entry that decides for a process on its own
 * @p: the process (any of its threads)
 *
 * Mm sharers aside (their groups are oomsnap_protect.c's).  Precedence:
 * pid, then the deepest cgroup, then comm (with the owner).  Every lookup
 * is a hash lookup.
 *
 * Context: rcu_read_lock() held; any context, the OOM path included: takes
 * no lock, allocates nothing.
 * Return: the entry, or NULL.
 */
struct oomsnap_pentry *oomsnap_plist_match_own(struct task_struct *p)
{
	struct oomsnap_pentry *e;
	char comm[TASK_COMM_LEN];
	kuid_t uid;

	if (READ_ONCE(oomsnap_nr_pid)) {
		e = oomsnap_plist_find_pid(task_tgid(p));
		if (e)
			return e;
	}
	if (READ_ONCE(oomsnap_nr_cg)) {
		e = oomsnap_match_cgrp(p);
		if (e)
			return e;
	}
	if (READ_ONCE(oomsnap_nr_comm)) {
		uid = oomsnap_comm_uid(p);
		if (!uid_valid(uid))
			return NULL;
		oomsnap_task_comm(p, comm);
		return oomsnap_find_comm(comm, uid);
	}
	return NULL;
}

/* ------------------------------------------------------------ the entry set */

static u32 oomsnap_key_hash(u8 type, struct pid *pid, const char *path,
			    const char *comm, kuid_t uid)
{
	switch (type) {
	case OOMSNAP_P_PID:
		return hash_ptr(pid, 32);
	case OOMSNAP_P_CGROUP:
		return jhash(path, strlen(path), 1);
	default:
		return oomsnap_comm_hash(comm, uid);
	}
}

/* oomsnap_plock held: the entry with this key, as written. */
static struct oomsnap_pentry *oomsnap_wfind(const struct oomsnap_rcmd *c)
{
	const struct oomsnap_protect_cmd *w = c->w;
	u32 b = hash_32(oomsnap_key_hash(w->type, c->pid, w->path, w->comm,
					 c->uid), oomsnap_ht_bits);
	struct oomsnap_pentry *e;

	hlist_for_each_entry(e, &oomsnap_w_ht[b], wnode) {
		if (e->type != w->type)
			continue;
		if (w->type == OOMSNAP_P_PID && e->pid == c->pid)
			return e;
		if (w->type == OOMSNAP_P_CGROUP && !strcmp(e->path, w->path))
			return e;
		if (w->type == OOMSNAP_P_COMM && uid_eq(e->uid, c->uid) &&
		    !memcmp(e->comm, w->comm, TASK_COMM_LEN))
			return e;
	}
	return NULL;
}

static bool oomsnap_same_key(const struct oomsnap_rcmd *a,
			     const struct oomsnap_rcmd *b)
{
	if (a->w->type != b->w->type)
		return false;
	switch (a->w->type) {
	case OOMSNAP_P_PID:
		return a->pid == b->pid;
	case OOMSNAP_P_CGROUP:
		return !strcmp(a->w->path, b->w->path);
	default:
		return uid_eq(a->uid, b->uid) &&
		       !memcmp(a->w->comm, b->w->comm, TASK_COMM_LEN);
	}
}

/* oomsnap_plock held */
static void oomsnap_cg_levels(void)
{
	int lo = INT_MAX, hi = -1;
	struct oomsnap_pentry *e;

	list_for_each_entry(e, &oomsnap_entries, node) {
		if (e->type != OOMSNAP_P_CGROUP)
			continue;
		lo = min(lo, e->cgrp->level);
		hi = max(hi, e->cgrp->level);
	}
	WRITE_ONCE(oomsnap_cg_min_level, lo);
	WRITE_ONCE(oomsnap_cg_max_level, hi);
}

static unsigned int *oomsnap_type_count(u8 type)
{
	switch (type) {
	case OOMSNAP_P_PID:
		return &oomsnap_nr_pid;
	case OOMSNAP_P_CGROUP:
		return &oomsnap_nr_cg;
	default:
		return &oomsnap_nr_comm;
	}
}

/* oomsnap_plock held.  Publish @e to the readers. */
static void oomsnap_insert(struct oomsnap_pentry *e)
{
	unsigned int *cnt = oomsnap_type_count(e->type);
	struct hlist_head *rb;
	u32 wh;

	switch (e->type) {
	case OOMSNAP_P_PID:
		rb = &oomsnap_pid_ht[hash_ptr(e->pid, oomsnap_ht_bits)];
		wh = oomsnap_key_hash(e->type, e->pid, NULL, NULL, e->uid);
		list_add_tail_rcu(&e->pnode, &oomsnap_pid_entries);
		break;
	case OOMSNAP_P_CGROUP:
		rb = &oomsnap_cg_ht[hash_ptr(e->cgrp, oomsnap_ht_bits)];
		wh = oomsnap_key_hash(e->type, NULL, e->path, NULL, e->uid);
		/* widen the levels the readers look at before they can see it */
		if (e->cgrp->level < READ_ONCE(oomsnap_cg_min_level))
			WRITE_ONCE(oomsnap_cg_min_level, e->cgrp->level);
		if (e->cgrp->level > READ_ONCE(oomsnap_cg_max_level))
			WRITE_ONCE(oomsnap_cg_max_level, e->cgrp->level);
		break;
	default:
		rb = &oomsnap_comm_ht[hash_32(oomsnap_comm_hash(e->comm, e->uid),
					      oomsnap_ht_bits)];
		/*
		 * oomsnap_key_hash() of a comm, spelled out: gcc 12 on the
		 * KASAN debug kernel cannot see that the type is not CGROUP
		 * here and warns of strlen(NULL) (-Werror=nonnull).
		 */
		wh = oomsnap_comm_hash(e->comm, e->uid);
		break;
	}
	hlist_add_head(&e->wnode, &oomsnap_w_ht[hash_32(wh, oomsnap_ht_bits)]);
	list_add_tail_rcu(&e->node, &oomsnap_entries);
	hlist_add_head_rcu(&e->rnode, rb);
	WRITE_ONCE(*cnt, *cnt + 1);
	WRITE_ONCE(oomsnap_nr_entries, oomsnap_nr_entries + 1);
}

/* oomsnap_plock held.  Unpublish @e; free it after a grace period. */
static void oomsnap_remove(struct oomsnap_pentry *e,
			   struct oomsnap_pentry **freelist)
{
	unsigned int *cnt = oomsnap_type_count(e->type);

	hlist_del_rcu(&e->rnode);
	hlist_del(&e->wnode);
	list_del_rcu(&e->node);
	if (e->type == OOMSNAP_P_PID)
		list_del_rcu(&e->pnode);
	WRITE_ONCE(*cnt, *cnt - 1);
	WRITE_ONCE(oomsnap_nr_entries, oomsnap_nr_entries - 1);
	e->free_next = *freelist;
	*freelist = e;
}

static void oomsnap_entry_free(struct oomsnap_pentry *e)
{
	put_pid(e->pid);
	if (e->cgrp)
		cgroup_put(e->cgrp);
	kfree(e->path);
	kfree(e);
}

/**
 * oomsnap_plist_free_entries() - free removed entries
 * @freelist: entries removed (oomsnap_plist_commit(), _clear(), _prune())
 *	      before a grace period that has since ended
 *
 * Context: process context; sleeps (cgroup_put()).
 */
void oomsnap_plist_free_entries(struct oomsnap_pentry *freelist)
{
	struct oomsnap_pentry *e;

	while (freelist) {
		e = freelist;
		freelist = e->free_next;
		oomsnap_entry_free(e);
	}
}

/* Is the process of a pid entry gone (exited, or exiting)? */
static bool oomsnap_pid_dead(struct pid *pid)
{
	struct task_struct *q;
	bool dead;

	rcu_read_lock();
	q = pid_task(pid, PIDTYPE_TGID);
	dead = !q || !atomic_read(&q->signal->live);
	rcu_read_unlock();
	return dead;
}

/**
 * oomsnap_plist_prune() - end the pid entries whose process exited
 * @freelist: where the removed entries go, to free after a grace period
 *
 * Context: oomsnap_plock held.
 * Return: true if an entry was removed.
 */
bool oomsnap_plist_prune(struct oomsnap_pentry **freelist)
{
	struct oomsnap_pentry *e, *n;
	bool any = false;

	list_for_each_entry_safe(e, n, &oomsnap_pid_entries, pnode) {
		if (oomsnap_pid_dead(e->pid)) {
			oomsnap_remove(e, freelist);
			any = true;
		}
	}
	return any;
}

/**
 * oomsnap_plist_resolve() - look up what a parsed command names
 * @c: the command, @c->w set, the rest zero; oomsnap_plist_release() after
 * @file: the open protect file (its opener's user namespace), or NULL
 *
 * Takes references: the pid's process and an added cgroup; turns a comm
 * key's uid=N into a kuid; preallocates an add's entry.  A del names a
 * cgroup by its path only, so that an entry whose cgroup was removed can
 * still be deleted.
 *
 * Context: process context; sleeps.
 * Return: 0; -ESRCH (no such process, or not a process, or exiting),
 * -ENOENT (no such cgroup), -EINVAL (uid=N not mapped), -ENOMEM.
 */
int oomsnap_plist_resolve(struct oomsnap_rcmd *c, const struct file *file)
{
	struct task_struct *q;

	c->uid = GLOBAL_ROOT_UID;
	if (c->w->op == OOMSNAP_OP_CLEAR)
		return 0;
	if (c->w->has_uid) {
		/*
		 * The uid as the opener of the file sees it (its user
		 * namespace); the protect= parameter's in the initial one.
		 */
		c->uid = make_kuid(file ? file->f_cred->user_ns : &init_user_ns,
				   c->w->uid_nr);
		if (!uid_valid(c->uid))
			return -EINVAL;
	}
	if (c->w->type == OOMSNAP_P_PID) {
		c->pid = find_get_pid(c->w->nr);
		if (!c->pid)
			return -ESRCH;
		rcu_read_lock();
		q = pid_task(c->pid, PIDTYPE_TGID);
		if (!q || !atomic_read(&q->signal->live) ||
		    (q->flags & PF_KTHREAD))
			q = NULL;
		rcu_read_unlock();
		if (!q)
			return -ESRCH;
	}
	if (c->w->type == OOMSNAP_P_CGROUP && c->w->op == OOMSNAP_OP_ADD) {
		/*
		 * Relative to the writer's cgroup namespace, on the v2
		 * hierarchy.  Any failure to find a directory is "no such
		 * cgroup".
		 */
		c->cgrp = cgroup_get_from_path(c->w->path);
		if (IS_ERR(c->cgrp)) {
			c->cgrp = NULL;
			return -ENOENT;
		}
	}
	if (c->w->op == OOMSNAP_OP_ADD) {
		c->ne = kzalloc(sizeof(*c->ne), GFP_KERNEL);
		if (!c->ne)
			return -ENOMEM;
	}
	return 0;
}

/**
 * oomsnap_plist_release() - drop what oomsnap_plist_resolve() took
 * @c: the command; what oomsnap_plist_commit() passed to an entry is NULL
 *
 * Context: process context; sleeps.
 */
void oomsnap_plist_release(struct oomsnap_rcmd *c)
{
	put_pid(c->pid);
	if (c->cgrp)
		cgroup_put(c->cgrp);
	kfree(c->ne);
}

/**
 * oomsnap_plist_check() - can a batch be applied as a whole?
 * @cmds: the resolved commands
 * @n: how many
 * @bad: set on failure to the index of the command at fault
 *
 * Every del names an entry that exists at that point, and the list never
 * holds more than protect_max entries.  Works on a virtual copy (vdel,
 * vlive) so that nothing changes when it fails.
 *
 * Context: oomsnap_plock held.
 * Return: 0, -ENOENT (del of an entry that does not exist) or -ENOSPC.
 */
int oomsnap_plist_check(struct oomsnap_rcmd *cmds, unsigned int n,
			unsigned int *bad)
{
	struct oomsnap_pentry *e;
	unsigned int i, j, count = oomsnap_nr_entries;
	bool found;
	int ret = 0;

	for (i = 0; i < n && !ret; i++) {
		struct oomsnap_rcmd *c = &cmds[i];

		if (c->w->op == OOMSNAP_OP_CLEAR) {
			list_for_each_entry(e, &oomsnap_entries, node)
				e->vdel = true;
			for (j = 0; j < i; j++)
				cmds[j].vlive = false;
			count = 0;
			continue;
		}
		e = oomsnap_wfind(c);
		found = e && !e->vdel;
		for (j = 0; j < i && !found; j++) {
			if (cmds[j].vlive && oomsnap_same_key(&cmds[j], c)) {
				found = true;
				e = NULL;
			}
		}
		if (c->w->op == OOMSNAP_OP_ADD) {
			if (!found) {
				c->vlive = true;
				if (++count > oomsnap_protect_max)
					ret = -ENOSPC;
			}
			continue;
		}
		/* del */
		if (!found) {
			ret = -ENOENT;
			continue;
		}
		count--;
		if (e) {
			e->vdel = true;
		} else {
			for (j = 0; j < i; j++)
				if (cmds[j].vlive && oomsnap_same_key(&cmds[j], c))
					cmds[j].vlive = false;
		}
	}
	if (ret)
		*bad = i - 1;
	list_for_each_entry(e, &oomsnap_entries, node)
		e->vdel = false;
	return ret;
}

/**
 * oomsnap_plist_commit() - apply a checked batch to the entry set
 * @cmds: the commands, checked by oomsnap_plist_check(); what an added
 *	  entry takes over (references, path, preallocated entry) is NULLed
 * @n: how many
 * @gen: the write's generation, set in the entries it adds or updates
 * @freelist: where removed entries go, to free after a grace period
 *
 * Cannot fail.  Readers see the new entries at once; values are applied
 * by the caller's pass.
 *
 * Context: oomsnap_plock held.
 * Return: true if an existing entry's adj was changed.
 */
bool oomsnap_plist_commit(struct oomsnap_rcmd *cmds, unsigned int n, u32 gen,
			  struct oomsnap_pentry **freelist)
{
	struct oomsnap_pentry *e, *tmp;
	bool updated = false;
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct oomsnap_rcmd *c = &cmds[i];

		if (c->w->op == OOMSNAP_OP_CLEAR) {
			list_for_each_entry_safe(e, tmp, &oomsnap_entries, node)
				oomsnap_remove(e, freelist);
			continue;
		}
		e = oomsnap_wfind(c);
		if (c->w->op == OOMSNAP_OP_DEL) {
			if (e)
				oomsnap_remove(e, freelist);
			continue;
		}
		/* a cgroup removed and created again: the new one counts */
		if (e && e->type == OOMSNAP_P_CGROUP && e->cgrp != c->cgrp) {
			oomsnap_remove(e, freelist);
			e = NULL;
		}
		if (e) {
			updated |= e->adj != c->w->adj;
			WRITE_ONCE(e->adj, c->w->adj);
			e->gen = gen;
			continue;
		}
		e = c->ne;
		c->ne = NULL;
		e->type = c->w->type;
		e->adj = c->w->adj;
		e->gen = gen;
		e->pid = c->pid;
		c->pid = NULL;
		if (e->pid)
			e->nr = pid_vnr(e->pid);
		e->cgrp = c->cgrp;
		c->cgrp = NULL;
		e->path = c->w->path;
		c->w->path = NULL;
		memcpy(e->comm, c->w->comm, TASK_COMM_LEN);
		e->uid = c->uid;
		oomsnap_insert(e);
	}
	oomsnap_cg_levels();
	return updated;
}

/**
 * oomsnap_plist_cmd_hits() - does an add command name a process itself?
 * @c: a resolved add command
 * @p: the process
 *
 * By its pid, a cgroup at or above its own, or its comm with the owner;
 * mm sharers aside.
 *
 * Context: rcu_read_lock() held.
 * Return: true if @c names @p.
 */
bool oomsnap_plist_cmd_hits(const struct oomsnap_rcmd *c,
			    struct task_struct *p)
{
	char comm[TASK_COMM_LEN];

	switch (c->w->type) {
	case OOMSNAP_P_PID:
		return task_tgid(p) == c->pid;
	case OOMSNAP_P_CGROUP:
		return cgroup_is_descendant(task_dfl_cgroup(p), c->cgrp);
	default:
		if (!uid_eq(oomsnap_comm_uid(p), c->uid))
			return false;
		oomsnap_task_comm(p, comm);
		return !memcmp(comm, c->w->comm, TASK_COMM_LEN);
	}
}

/**
 * oomsnap_plist_clear() - remove every entry
 * @freelist: where the removed entries go, to free after a grace period
 *
 * Context: oomsnap_plock held.
 */
void oomsnap_plist_clear(struct oomsnap_pentry **freelist)
{
	struct oomsnap_pentry *e, *tmp;

	list_for_each_entry_safe(e, tmp, &oomsnap_entries, node)
		oomsnap_remove(e, freelist);
	oomsnap_cg_levels();
}

/**
 * oomsnap_plist_alloc() - allocate the hash tables of an empty list
 * @entries: the most entries the list will hold (protect_max)
 *
 * Context: process context, at load.
 * Return: 0 or -ENOMEM.
 */
int oomsnap_plist_alloc(unsigned int entries)
{
	unsigned int nb = roundup_pow_of_two(max(entries, 16U));

	oomsnap_ht_bits = ilog2(nb);
	oomsnap_pid_ht = kvcalloc(4 * nb, sizeof(struct hlist_head), GFP_KERNEL);
	if (!oomsnap_pid_ht)
		return -ENOMEM;
	oomsnap_cg_ht = oomsnap_pid_ht + nb;
	oomsnap_comm_ht = oomsnap_cg_ht + nb;
	oomsnap_w_ht = oomsnap_comm_ht + nb;
	oomsnap_cg_levels();
	return 0;
}

/**
 * oomsnap_plist_free() - free the hash tables
 *
 * The list is empty (oomsnap_plist_clear() and a grace period since), or
 * oomsnap_plist_alloc() failed or never ran.
 *
 * Context: process context.
 */
void oomsnap_plist_free(void)
{
	kvfree(oomsnap_pid_ht);
	oomsnap_pid_ht = NULL;
	oomsnap_cg_ht = NULL;
	oomsnap_comm_ht = NULL;
	oomsnap_w_ht = NULL;
}
