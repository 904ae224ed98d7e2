// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap: the stream file.
 *
 * Each open starts at the next event and reads events as JSON lines as
 * they are committed.  read() blocks (or gives EAGAIN with O_NONBLOCK),
 * poll() reports new events.  A reader that missed events gets, before the
 * oldest retained event, one {"v":1,"cleared":N} line for those a clear
 * dropped and one {"v":1,"lost":N} line for those the ring overwrote
 * (interface section 2): a deliberate clear is not data loss.
 *
 * While a file is open the module is pinned (debugfs does it for its
 * files, oomsnap_fs.c for procfs), so no reader, poller or epoll set can
 * hold on to the ring's wait queue after unload.
 */
#include <linux/fs.h>
#include <linux/proc_fs.h>
#include <linux/poll.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/uaccess.h>
#include "oomsnap.h"

struct oomsnap_stream {
	struct mutex lock;	/* one read() at a time per open file */
	struct oomsnap_cursor cur;	/* the next event to deliver */
	char *buf;		/* the line being delivered */
	size_t size, off, len;
	struct oomsnap_event *ev;
	unsigned int show;	/* OOMSNAP_SHOW_* of the opener */
};

/* The longest JSON line an event can render to, with room to spare. */
static size_t oomsnap_stream_line_max(void)
{
	return 8192 + OOMSNAP_MAX_ZONES * 384 + oomsnap_max_tasks * 256;
}

static int oomsnap_stream_open(struct inode *inode, struct file *file)
{
	struct oomsnap_stream *s;
	int ret;

	ret = oomsnap_fs_may_read(file);
	if (ret)
		return ret;
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	s->size = oomsnap_stream_line_max();
	s->buf = kvmalloc(s->size, GFP_KERNEL);
	s->ev = kvmalloc(oomsnap_event_size(), GFP_KERNEL);
	if (!s->buf || !s->ev) {
		kvfree(s->buf);
		kvfree(s->ev);
		kfree(s);
		return -ENOMEM;
	}
	mutex_init(&s->lock);
	s->show = oomsnap_fs_show(file);
	oomsnap_ring_cursor_open(oomsnap_ring, &s->cur);
	file->private_data = s;
	return nonseekable_open(inode, file);
}

static int oomsnap_stream_release(struct inode *inode, struct file *file)
{
	struct oomsnap_stream *s = file->private_data;

	oomsnap_ring_cursor_close(oomsnap_ring, &s->cur);
	kvfree(s->buf);
	kvfree(s->ev);
	kfree(s);
	return 0;
}

/*
 * A line longer than oomsnap_stream_line_max() guessed (whole cgroup paths
 * of hostile bytes escaped six-fold, for every candidate): twice the
 * buffer, as seq_read() grows its own, up to OOMSNAP_STREAM_LINE_CAP.
 * Process context (read()), under the file's lock.
 * Return: false when it cannot grow.
 */
#define OOMSNAP_STREAM_LINE_CAP	(4U << 20)

static bool oomsnap_stream_grow(struct oomsnap_stream *s)
{
	char *buf;

	if (s->size >= OOMSNAP_STREAM_LINE_CAP)
		return false;
	buf = kvmalloc(s->size * 2, GFP_KERNEL);
	if (!buf)
		return false;
	kvfree(s->buf);
	s->buf = buf;
	s->size *= 2;
	return true;
}

/*
 * Fill s->buf with the next line.
 * Return: true with a line, false when there is none yet.
 */
static bool oomsnap_stream_fill(struct oomsnap_stream *s)
{
	struct seq_file sf = { .buf = s->buf, .size = s->size };
	u64 lost, cleared;

	switch (oomsnap_ring_cursor_next(oomsnap_ring, &s->cur, s->ev, &lost, &cleared)) {
	case OOMSNAP_CUR_GAP:
		if (cleared)
			seq_printf(&sf, "{\"v\":1,\"cleared\":%llu}\n", cleared);
		if (lost)
			seq_printf(&sf, "{\"v\":1,\"lost\":%llu}\n", lost);
		break;
	case OOMSNAP_CUR_EVENT:
		oomsnap_render_json(&sf, s->ev, s->show);
		while (seq_has_overflowed(&sf) && oomsnap_stream_grow(s)) {
			sf = (struct seq_file){ .buf = s->buf, .size = s->size };
			oomsnap_render_json(&sf, s->ev, s->show);
		}
		if (seq_has_overflowed(&sf)) {
			sf.count = 0;
			seq_printf(&sf, "{\"v\":1,\"seq\":%llu,\"error\":\"too long\"}\n",
				   s->ev->seq);
		}
		break;
	default:
		return false;	/* nothing new */
	}
	s->off = 0;
	s->len = sf.count;
	return true;
}

static ssize_t oomsnap_stream_read(struct file *file, char __user *ubuf,
				   size_t count, loff_t *ppos)
{
	struct oomsnap_stream *s = file->private_data;
	size_t n;
	int ret;

	if (mutex_lock_interruptible(&s->lock))
		return -ERESTARTSYS;
	while (s->off == s->len && !oomsnap_stream_fill(s)) {
		if (oomsnap_ring_cursor_ready(oomsnap_ring, &s->cur))
			continue;	/* an event or a gap came meanwhile */
		if (file->f_flags & O_NONBLOCK) {
			ret = -EAGAIN;
			goto out;
		}
		mutex_unlock(&s->lock);
		ret = wait_event_interruptible(*oomsnap_ring_waitq(oomsnap_ring),
					       oomsnap_ring_cursor_ready(oomsnap_ring, &s->cur));
		if (ret)
			return ret;
		if (mutex_lock_interruptible(&s->lock))
			return -ERESTARTSYS;
	}
	n = min(count, s->len - s->off);
	if (copy_to_user(ubuf, s->buf + s->off, n)) {
		ret = -EFAULT;
		goto out;
	}
	s->off += n;
	ret = n;
out:
	mutex_unlock(&s->lock);
	return ret;
}

static __poll_t oomsnap_stream_poll(struct file *file, poll_table *wait)
{
	struct oomsnap_stream *s = file->private_data;

	poll_wait(file, oomsnap_ring_waitq(oomsnap_ring), wait);
	if (READ_ONCE(s->off) != READ_ONCE(s->len) ||
	    oomsnap_ring_cursor_ready(oomsnap_ring, &s->cur))
		return EPOLLIN | EPOLLRDNORM;
	return 0;
}

const struct file_operations oomsnap_stream_fops =
	OOMSNAP_FOPS(oomsnap_stream_open, oomsnap_stream_read, NULL, NULL,
		     oomsnap_stream_poll, oomsnap_stream_release);
