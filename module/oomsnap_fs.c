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
static void *oomsnap_events_start(struct seq_file *m, loff_t *pos)
{
	u64 oldest, next;

	oomsnap_ring_bounds(&oldest, &next);
	if (*pos < oldest)
		*pos = oldest;
	for (; *pos < next; ++*pos)
		if (oomsnap_ring_read(*pos, m->private))
			return m->private;
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
	oomsnap_render_text(m, v);
	return 0;
}

static int oomsnap_events_show_json(struct seq_file *m, void *v)
{
	oomsnap_render_json(m, v);
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

static int oomsnap_events_text_open(struct inode *inode, struct file *file)
{
	if (oomsnap_fs_may_read(file))
		return -EPERM;
	return seq_open_private(file, &oomsnap_events_text_sops,
				oomsnap_event_size()) ? -ENOMEM : 0;
}

static int oomsnap_events_json_open(struct inode *inode, struct file *file)
{
	if (oomsnap_fs_may_read(file))
		return -EPERM;
	return seq_open_private(file, &oomsnap_events_json_sops,
				oomsnap_event_size()) ? -ENOMEM : 0;
}

static int oomsnap_stats_show(struct seq_file *m, void *unused)
{
	u64 oldest, next;

	oomsnap_ring_bounds(&oldest, &next);
	seq_printf(m, "events_total %llu\n", next - 1);
	seq_printf(m, "events_retained %llu\n", next - oldest);
	seq_printf(m, "events_overwritten %llu\n", oomsnap_ring_overwritten());
	seq_printf(m, "notifier_calls %lld\n",
		   atomic64_read(&oomsnap_stats.notifier_calls));
	seq_printf(m, "capture_ns_last %lld\n",
		   atomic64_read(&oomsnap_stats.capture_ns_last));
	seq_printf(m, "capture_ns_max %lld\n",
		   atomic64_read(&oomsnap_stats.capture_ns_max));
	seq_printf(m, "protect_entries %u\n", oomsnap_protect_entries());
	seq_printf(m, "protect_applied %lld\n",
		   atomic64_read(&oomsnap_stats.protect_applied));
	seq_printf(m, "protect_reasserted %lld\n",
		   atomic64_read(&oomsnap_stats.protect_reasserted));
	seq_printf(m, "protect_refused %llu\n", oomsnap_protect_refused());
	seq_printf(m, "ring_bytes %zu\n", oomsnap_ring_bytes());
	seq_printf(m, "event_bytes %zu\n", oomsnap_event_size());
	seq_printf(m, "capacity %u\n", oomsnap_capacity);
	seq_printf(m, "max_tasks %u\n", oomsnap_max_tasks);
	seq_printf(m, "oom_calls %lld\n",
		   atomic64_read(&oomsnap_stats.oom_calls));
	seq_printf(m, "oom_skipped %lld\n",
		   atomic64_read(&oomsnap_stats.oom_skipped));
	seq_printf(m, "capture_busy %lld\n",
		   atomic64_read(&oomsnap_stats.capture_busy));
	seq_printf(m, "oom_badness_calls %lld\n",
		   atomic64_read(&oomsnap_stats.badness_calls));
	oomsnap_ring_show_counts(m);
	oomsnap_capture_show_hooks(m);
	oomsnap_trend_show_stats(m);
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
	oomsnap_ring_clear();
	return len;
}

/* Each file has the same operations on debugfs and, via oomsnap_proc_ops, on procfs. */
static const struct file_operations oomsnap_events_fops = {
	.owner = THIS_MODULE,
	.open = oomsnap_events_text_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = seq_release_private,
};

static const struct file_operations oomsnap_events_json_fops = {
	.owner = THIS_MODULE,
	.open = oomsnap_events_json_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = seq_release_private,
};

static const struct file_operations oomsnap_stats_fops = {
	.owner = THIS_MODULE,
	.open = oomsnap_stats_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
};

static const struct file_operations oomsnap_protect_fops = {
	.owner = THIS_MODULE,
	.open = oomsnap_protect_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.write = oomsnap_protect_fwrite,
	.release = single_release,
};

static int oomsnap_clear_open(struct inode *inode, struct file *file)
{
	if (oomsnap_fs_may_write(file))
		return -EPERM;
	return nonseekable_open(inode, file);
}

static const struct file_operations oomsnap_clear_fops = {
	.owner = THIS_MODULE,
	.open = oomsnap_clear_open,
	.write = oomsnap_clear_write,
	.llseek = OOMSNAP_NO_LLSEEK,
};

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
 * file_operations (found by its name, which is the entry's), and pinning
 * the module from open to release (see the top of this file).
 */
static const struct file_operations *oomsnap_proc_fops(const struct file *file)
{
	const char *name = file->f_path.dentry->d_name.name;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(oomsnap_files); i++)
		if (!strcmp(name, oomsnap_files[i].name))
			return oomsnap_files[i].fops;
	return NULL;
}

static int oomsnap_proc_open(struct inode *inode, struct file *file)
{
	const struct file_operations *f = oomsnap_proc_fops(file);
	int ret;

	if (!f || !try_module_get(THIS_MODULE))
		return -ENODEV;
	ret = f->open(inode, file);
	if (ret)
		module_put(THIS_MODULE);
	return ret;
}

static int oomsnap_proc_release(struct inode *inode, struct file *file)
{
	const struct file_operations *f = oomsnap_proc_fops(file);
	int ret = f && f->release ? f->release(inode, file) : 0;

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
		if (!proc_create(oomsnap_files[i].name, oomsnap_files[i].mode,
				 oomsnap_proc, &oomsnap_proc_ops)) {
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
