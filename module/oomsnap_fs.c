// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap: the files (interface section 2).
 *
 * The same file operations serve /sys/kernel/debug/oomsnap/ and, when asked
 * for or when debugfs cannot be used, /proc/oomsnap/.  Under integrity
 * lockdown debugfs refuses to open writable files, so "auto" switches to
 * procfs there.
 *
 * Unload safety: an open file pins the module.  debugfs does that for its
 * files (it takes a reference on the fops' owner at open); procfs does
 * not (proc_ops has no owner), and a procfs file's release at removal does
 * not detach an epoll set or a poll() in progress from the ring's wait
 * queue, which lives in the module: the module would be freed under them.
 * So every procfs file goes through oomsnap_proc_ops, which takes a
 * module reference at open and drops it at release, and rmmod is refused
 * (EBUSY) while any file is open, on debugfs and procfs alike.  Dropping
 * the reference inside our own release is safe: procfs calls release
 * under its own accounting, and the removal in oomsnap_fs_exit() waits
 * for a release in progress to return.
 *
 * Access (interface section 2): the mode bits say root only; on top of
 * them the kernel's own rules for the same acts are checked against the
 * opener's credentials (file->f_cred), so a descriptor handed to another
 * process carries its opener's rights, not more:
 *   - reading events, stats, the stream or the protection list needs what
 *     the kernel asks for its log under dmesg_restrict: CAP_SYSLOG (or
 *     CAP_SYS_ADMIN), since a record names every OOM's processes, uids
 *     and cgroups;
 *   - writing protect or clear needs CAP_SYS_ADMIN (checked at open too, so
 *     that a process without it cannot hold a file and pin the module),
 *     and a protect entry with an adj below 0 CAP_SYS_RESOURCE too
 *     (oomsnap_protect.c);
 *   - a record's argv and exe show only to an opener with CAP_SYS_PTRACE,
 *     as the kernel shows another process's exe (and cmdline under
 *     hidepid) only to a reader with ptrace access; others read them null
 *     with argv_state "hidden" (oomsnap_fs_show());
 * all in the initial user namespace; refused with EPERM.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/security.h>
#include <linux/uaccess.h>
#include <linux/fs.h>
#include <linux/capability.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/cred.h>
#include "oomsnap.h"

static struct dentry *oomsnap_debugfs;
static struct proc_dir_entry *oomsnap_proc;

/**
 * oomsnap_fs_may_read() - may the opener of @file read the records?
 * @file: a file being opened
 *
 * Return: 0, or -EPERM without CAP_SYSLOG or CAP_SYS_ADMIN in the initial
 * user namespace (as the kernel's syslog under dmesg_restrict).
 */
int oomsnap_fs_may_read(const struct file *file)
{
	if (file_ns_capable(file, &init_user_ns, CAP_SYSLOG) ||
	    file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN))
		return 0;
	return -EPERM;
}

/**
 * oomsnap_fs_show() - what the opener of @file may see of a record
 * @file: a file being opened for reading records
 *
 * The kernel shows /proc/PID/exe, and /proc/PID/cmdline under hidepid,
 * only to a reader with ptrace read access to the process; of every
 * process in any namespace that is CAP_SYS_PTRACE in the initial user
 * namespace.  Asked once, at open, of the opener's credentials.
 *
 * Return: OOMSNAP_SHOW_* flags for oomsnap_render_json() and _text().
 */
unsigned int oomsnap_fs_show(const struct file *file)
{
	return file_ns_capable(file, &init_user_ns, CAP_SYS_PTRACE) ?
	       OOMSNAP_SHOW_ARGV : 0;
}

/* May the opener of @file change the module's state (protect, clear)? */
static int oomsnap_fs_may_write(const struct file *file)
{
	return file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN) ? 0 : -EPERM;
}

/*
 * events, events.json: the seq_file position is the event's seq number, so
 * a reader that is overtaken by the ring skips to the oldest event instead
 * of reading one twice.
 */
struct oomsnap_events_priv {
	unsigned int show;	/* OOMSNAP_SHOW_* of the opener */
	struct oomsnap_event *ev;	/* the event being shown, after this */
};

static void *oomsnap_events_start(struct seq_file *m, loff_t *pos)
{
	struct oomsnap_events_priv *p = m->private;
	u64 oldest, next;

	oomsnap_ring_bounds(oomsnap_ring, &oldest, &next);
	if (*pos < oldest)
		*pos = oldest;
	for (; *pos < next; ++*pos)
		if (oomsnap_ring_read(oomsnap_ring, *pos, p->ev))
			return p->ev;
	return NULL;
}

static void *oomsnap_events_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	return oomsnap_events_start(m, pos);
}

static void oomsnap_events_stop(struct seq_file *m, void *v)
{
}

static int oomsnap_events_show_text(struct seq_file *m, void *v)
{
	struct oomsnap_events_priv *p = m->private;

	oomsnap_render_text(m, v, p->show);
	return 0;
}

static int oomsnap_events_show_json(struct seq_file *m, void *v)
{
	struct oomsnap_events_priv *p = m->private;

	oomsnap_render_json(m, v, p->show);
	return 0;
}

static const struct seq_operations oomsnap_events_text_sops = {
	.start = oomsnap_events_start,
	.next = oomsnap_events_next,
	.stop = oomsnap_events_stop,
	.show = oomsnap_events_show_text,
};

static const struct seq_operations oomsnap_events_json_sops = {
	.start = oomsnap_events_start,
	.next = oomsnap_events_next,
	.stop = oomsnap_events_stop,
	.show = oomsnap_events_show_json,
};

static int oomsnap_events_open(struct file *file,
			       const struct seq_operations *sops)
{
	struct oomsnap_events_priv *p;

	if (oomsnap_fs_may_read(file))
		return -EPERM;
	/* one allocation: the event follows the private data */
	p = __seq_open_private(file, sops, sizeof(*p) + oomsnap_event_size());
	if (!p)
		return -ENOMEM;
	p->show = oomsnap_fs_show(file);
	p->ev = (struct oomsnap_event *)(p + 1);
	return 0;
}

static int oomsnap_events_text_open(struct inode *inode, struct file *file)
{
	return oomsnap_events_open(file, &oomsnap_events_text_sops);
}

static int oomsnap_events_json_open(struct inode *inode, struct file *file)
{
	return oomsnap_events_open(file, &oomsnap_events_json_sops);
}

/* stats: "events_<what>_<value> N" for each value, also at 0 */
static void oomsnap_stats_count(struct seq_file *m, const char *what,
				const char *(*name)(unsigned int),
				const u64 *n, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		seq_printf(m, "events_%s_%s %llu\n", what, name(i), n[i]);
}

/* stats: events since load per kind, constraint, cause and outcome */
static void oomsnap_stats_counts(struct seq_file *m)
{
	struct oomsnap_counts c;

	oomsnap_ring_counts(oomsnap_ring, &c);
	oomsnap_stats_count(m, "kind", oomsnap_kind_name, c.kind,
			    ARRAY_SIZE(c.kind));
	oomsnap_stats_count(m, "constraint", oomsnap_constraint_name,
			    c.constraint, ARRAY_SIZE(c.constraint));
	oomsnap_stats_count(m, "cause", oomsnap_cause_name, c.cause,
			    ARRAY_SIZE(c.cause));
	oomsnap_stats_count(m, "outcome", oomsnap_outcome_name, c.outcome,
			    ARRAY_SIZE(c.outcome));
}

/* stats: "hook NAME ok", or "hook NAME missing" and its reason */
static void oomsnap_stats_hook(struct seq_file *m, const char *name,
			       const char *missing)
{
	if (!missing)
		seq_printf(m, "hook %s ok\n", name);
	else
		seq_printf(m, "hook %s missing\nhook_reason %s %s\n",
			   name, name, missing);
}

/* stats: the hooks' lines, and where candidates come from */
static void oomsnap_stats_hooks(struct seq_file *m)
{
	struct oomsnap_capture_state st;
	unsigned int i;

	oomsnap_capture_state(&st);
	for (i = 0; i < st.nr_hooks; i++)
		oomsnap_stats_hook(m, st.hooks[i].name, st.hooks[i].missing);
	if (st.kill_symbol)
		seq_printf(m, "hook_symbol oom_kill_process %s\n",
			   st.kill_symbol);
	seq_printf(m, "candidates_source %s\n", st.cand_source);
	seq_printf(m, "oom_badness_hook %s\n", st.badness_hook);
	if (st.badness_followed)
		seq_printf(m, "oom_badness_missed %d\n", st.badness_missed);
}

/* stats: one "key N" line per figure; each is a count or a size, never < 0 */
static void oomsnap_stats_figures(struct seq_file *m, u64 oldest, u64 next)
{
	struct oomsnap_stats *st = &oomsnap_stats;
	const struct {
		const char *key;
		u64 val;
	} lines[] = {
		{ "events_total", next - 1 },
		{ "events_retained", next - oldest },
		{ "events_overwritten", oomsnap_ring_overwritten(oomsnap_ring) },
		{ "notifier_calls", atomic64_read(&st->notifier_calls) },
		{ "capture_ns_last", atomic64_read(&st->capture_ns_last) },
		{ "capture_ns_max", atomic64_read(&st->capture_ns_max) },
		{ "protect_entries", oomsnap_protect_entries() },
		{ "protect_applied", atomic64_read(&st->protect_applied) },
		{ "protect_reasserted", atomic64_read(&st->protect_reasserted) },
		{ "protect_refused", oomsnap_protect_refused() },
		{ "ring_bytes", oomsnap_ring_bytes(oomsnap_ring) },
		{ "event_bytes", oomsnap_event_size() },
		{ "capacity", oomsnap_capacity },
		{ "max_tasks", oomsnap_max_tasks },
		{ "oom_calls", atomic64_read(&st->oom_calls) },
		{ "oom_skipped", atomic64_read(&st->oom_skipped) },
		{ "oom_badness_calls", atomic64_read(&st->badness_calls) },
		{ "oom_badness_mismatch", atomic64_read(&st->badness_mismatch) },
		{ "trend_seconds", oomsnap_trend_seconds },
		{ "trend_samples_taken", oomsnap_trend_samples_taken() },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(lines); i++)
		seq_printf(m, "%s %llu\n", lines[i].key, lines[i].val);
}

static int oomsnap_stats_show(struct seq_file *m, void *unused)
{
	u64 oldest, next;

	oomsnap_ring_bounds(oomsnap_ring, &oldest, &next);
	oomsnap_stats_figures(m, oldest, next);
	oomsnap_stats_counts(m);
	oomsnap_stats_hooks(m);
	oomsnap_stats_hook(m, "exit_oom_victim", oomsnap_exit_hook_missing());
	oomsnap_cmdline_stats(m);
	return 0;
}

static int oomsnap_stats_open(struct inode *inode, struct file *file)
{
	if (oomsnap_fs_may_read(file))
		return -EPERM;
	return single_open(file, oomsnap_stats_show, NULL);
}

static int oomsnap_protect_open(struct inode *inode, struct file *file)
{
	/* the list names processes and cgroups: a reader needs what events do */
	if ((file->f_mode & FMODE_READ) && oomsnap_fs_may_read(file))
		return -EPERM;
	/* refused at open too, so that no one can pin the module for nothing */
	if ((file->f_mode & FMODE_WRITE) && oomsnap_fs_may_write(file))
		return -EPERM;
	return single_open(file, oomsnap_protect_show, NULL);
}

static ssize_t oomsnap_protect_fwrite(struct file *file, const char __user *buf,
				      size_t len, loff_t *ppos)
{
	if (oomsnap_fs_may_write(file))
		return -EPERM;
	return oomsnap_protect_write(file, buf, len);
}

static ssize_t oomsnap_clear_write(struct file *file, const char __user *buf,
				   size_t len, loff_t *ppos)
{
	unsigned int v;
	int ret;

	if (oomsnap_fs_may_write(file))
		return -EPERM;
	ret = kstrtouint_from_user(buf, len, 0, &v);
	if (ret)
		return ret;
	if (v != 1)
		return -EINVAL;
	oomsnap_ring_clear(oomsnap_ring);
	return len;
}

static const struct file_operations oomsnap_events_fops =
	OOMSNAP_FOPS(oomsnap_events_text_open, seq_read, NULL, seq_lseek, NULL,
		     seq_release_private);
static const struct file_operations oomsnap_events_json_fops =
	OOMSNAP_FOPS(oomsnap_events_json_open, seq_read, NULL, seq_lseek, NULL,
		     seq_release_private);
static const struct file_operations oomsnap_stats_fops =
	OOMSNAP_FOPS(oomsnap_stats_open, seq_read, NULL, seq_lseek, NULL,
		     single_release);
static const struct file_operations oomsnap_protect_fops =
	OOMSNAP_FOPS(oomsnap_protect_open, seq_read, oomsnap_protect_fwrite,
		     seq_lseek, NULL, single_release);

static int oomsnap_clear_open(struct inode *inode, struct file *file)
{
	if (oomsnap_fs_may_write(file))
		return -EPERM;
	return nonseekable_open(inode, file);
}

static const struct file_operations oomsnap_clear_fops =
	OOMSNAP_FOPS(oomsnap_clear_open, NULL, oomsnap_clear_write, NULL, NULL,
		     NULL);

static const struct {
	const char *name;
	umode_t mode;
	const struct file_operations *fops;
} oomsnap_files[] = {
	{ "events", 0400, &oomsnap_events_fops },
	{ "events.json", 0400, &oomsnap_events_json_fops },
	{ "stats", 0400, &oomsnap_stats_fops },
	{ "protect", 0600, &oomsnap_protect_fops },
	{ "clear", 0200, &oomsnap_clear_fops },
	{ "stream", 0400, &oomsnap_stream_fops },
};

/*
 * procfs: one set of proc_ops for every file, forwarding to the file's
 * file_operations (its procfs data, see oomsnap_procfs_init()), and pinning
 * the module from open to release (see the top of this file).
 */
static const struct file_operations *oomsnap_proc_fops(const struct file *file)
{
	return pde_data(file_inode(file));
}

static int oomsnap_proc_open(struct inode *inode, struct file *file)
{
	const struct file_operations *f = oomsnap_proc_fops(file);
	int ret;

	if (!try_module_get(THIS_MODULE))
		return -ENODEV;
	ret = f->open(inode, file);
	if (ret)
		module_put(THIS_MODULE);
	return ret;
}

static int oomsnap_proc_release(struct inode *inode, struct file *file)
{
	const struct file_operations *f = oomsnap_proc_fops(file);
	int ret = f->release ? f->release(inode, file) : 0;

	module_put(THIS_MODULE);
	return ret;
}

static ssize_t oomsnap_proc_read(struct file *file, char __user *buf,
				 size_t len, loff_t *ppos)
{
	const struct file_operations *f = oomsnap_proc_fops(file);

	return f->read ? f->read(file, buf, len, ppos) : -EINVAL;
}

static ssize_t oomsnap_proc_write(struct file *file, const char __user *buf,
				  size_t len, loff_t *ppos)
{
	const struct file_operations *f = oomsnap_proc_fops(file);

	return f->write ? f->write(file, buf, len, ppos) : -EINVAL;
}

static loff_t oomsnap_proc_lseek(struct file *file, loff_t off, int whence)
{
	const struct file_operations *f = oomsnap_proc_fops(file);

	return f->llseek ? f->llseek(file, off, whence) : -ESPIPE;
}

static __poll_t oomsnap_proc_poll(struct file *file, poll_table *wait)
{
	const struct file_operations *f = oomsnap_proc_fops(file);

	return f->poll ? f->poll(file, wait) : DEFAULT_POLLMASK;
}

static const struct proc_ops oomsnap_proc_ops = {
	.proc_open = oomsnap_proc_open,
	.proc_read = oomsnap_proc_read,
	.proc_write = oomsnap_proc_write,
	.proc_lseek = oomsnap_proc_lseek,
	.proc_poll = oomsnap_proc_poll,
	.proc_release = oomsnap_proc_release,
};

static int oomsnap_debugfs_init(void)
{
	unsigned int i;

	oomsnap_debugfs = debugfs_create_dir("oomsnap", NULL);
	if (IS_ERR_OR_NULL(oomsnap_debugfs)) {
		oomsnap_debugfs = NULL;
		return -ENODEV;
	}
	for (i = 0; i < ARRAY_SIZE(oomsnap_files); i++)
		debugfs_create_file(oomsnap_files[i].name, oomsnap_files[i].mode,
				    oomsnap_debugfs, NULL,
				    oomsnap_files[i].fops);
	return 0;
}

static int oomsnap_procfs_init(void)
{
	unsigned int i;

	oomsnap_proc = proc_mkdir_mode("oomsnap", 0500, NULL);
	if (!oomsnap_proc)
		return -ENOMEM;
	for (i = 0; i < ARRAY_SIZE(oomsnap_files); i++) {
		if (!proc_create_data(oomsnap_files[i].name,
				      oomsnap_files[i].mode, oomsnap_proc,
				      &oomsnap_proc_ops,
				      (void *)oomsnap_files[i].fops)) {
			proc_remove(oomsnap_proc);
			oomsnap_proc = NULL;
			return -ENOMEM;
		}
	}
	return 0;
}

/* debugfs is usable: present, and not locked down (which breaks writes). */
static bool oomsnap_debugfs_usable(void)
{
	return debugfs_initialized() && !security_locked_down(LOCKDOWN_DEBUGFS);
}

/**
 * oomsnap_fs_init() - create the files
 * @procfs_mode: 0 debugfs only, 1 both, -1 procfs only if debugfs unusable
 *
 * Return: 0, or a negative errno when no file could be created.
 */
int oomsnap_fs_init(int procfs_mode)
{
	bool debugfs_ok = oomsnap_debugfs_usable();
	int ret;

	if (debugfs_ok && oomsnap_debugfs_init())
		debugfs_ok = false;
	if (procfs_mode == 1 || (procfs_mode < 0 && !debugfs_ok)) {
		ret = oomsnap_procfs_init();
		if (ret) {
			debugfs_remove_recursive(oomsnap_debugfs);
			return ret;
		}
		if (!debugfs_ok)
			pr_info("debugfs unavailable or locked down, files are in /proc/oomsnap\n");
	} else if (!debugfs_ok) {
		pr_err("debugfs unavailable or locked down and procfs=0\n");
		return -ENODEV;
	}
	return 0;
}

/**
 * oomsnap_fs_exit() - remove the files
 *
 * No file is open by now: each pins the module.  Removal waits for every
 * file operation in progress to return.
 */
void oomsnap_fs_exit(void)
{
	debugfs_remove_recursive(oomsnap_debugfs);
	oomsnap_debugfs = NULL;
	proc_remove(oomsnap_proc);
	oomsnap_proc = NULL;
}
