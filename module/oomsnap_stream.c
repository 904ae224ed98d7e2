// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap: the stream file.
 *
 * Each open starts at the next event and reads events as JSON lines as
 * they are committed.  read() blocks (or gives EAGAIN with O_NONBLOCK),
 * poll() reports new events, and a reader the ring has overtaken gets one
 * {"v":1,"lost":N} line and continues from the oldest retained event.
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
	u64 next;		/* seq of the next event to deliver */
	char *buf;		/* the line being delivered */
	size_t size, off, len;
	struct oomsnap_event *ev;
};

static bool oomsnap_stream_going;

/* The longest JSON line an event can render to, with room to spare. */
static size_t oomsnap_stream_line_max(void)
{
	return 8192 + OOMSNAP_MAX_ZONES * 384 + oomsnap_max_tasks * 256;
}

static int oomsnap_stream_open(struct inode *inode, struct file *file)
{
	struct oomsnap_stream *s;
	u64 oldest;

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
	oomsnap_ring_bounds(&oldest, &s->next);
	file->private_data = s;
	return nonseekable_open(inode, file);
}

static int oomsnap_stream_release(struct inode *inode, struct file *file)
{
	struct oomsnap_stream *s = file->private_data;

	kvfree(s->buf);
	kvfree(s->ev);
	kfree(s);
	return 0;
}

static bool oomsnap_stream_ready(struct oomsnap_stream *s)
{
	u64 oldest, next;

	oomsnap_ring_bounds(&oldest, &next);
	return s->next < next || READ_ONCE(oomsnap_stream_going);
}

/*
 * Fill s->buf with the next line.
 * Return: true with a line, false when there is none yet.
 */
static bool oomsnap_stream_fill(struct oomsnap_stream *s)
{
	struct seq_file sf = { .buf = s->buf, .size = s->size };
	u64 oldest, next;

	oomsnap_ring_bounds(&oldest, &next);
	if (s->next < oldest) {
		seq_printf(&sf, "{\"v\":1,\"lost\":%llu}\n", oldest - s->next);
		s->next = oldest;
	} else if (s->next < next && oomsnap_ring_read(s->next, s->ev)) {
		oomsnap_render_json(&sf, s->ev);
		if (seq_has_overflowed(&sf)) {
			sf.count = 0;
			seq_printf(&sf, "{\"v\":1,\"seq\":%llu,\"error\":\"too long\"}\n",
				   s->next);
		}
		s->next++;
	} else {
		return false;	/* nothing new, or overtaken: look again */
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
		if (oomsnap_stream_ready(s)) {
			if (READ_ONCE(oomsnap_stream_going)) {
				ret = 0;
				goto out;
			}
			continue;	/* overtaken meanwhile: emit lost */
		}
		if (file->f_flags & O_NONBLOCK) {
			ret = -EAGAIN;
			goto out;
		}
		mutex_unlock(&s->lock);
		ret = wait_event_interruptible(*oomsnap_ring_waitq(),
					       oomsnap_stream_ready(s));
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

	poll_wait(file, oomsnap_ring_waitq(), wait);
	if (READ_ONCE(s->off) != READ_ONCE(s->len) || oomsnap_stream_ready(s))
		return EPOLLIN | EPOLLRDNORM;
	return 0;
}

const struct file_operations oomsnap_stream_fops = {
	.owner = THIS_MODULE,
	.open = oomsnap_stream_open,
	.read = oomsnap_stream_read,
	.poll = oomsnap_stream_poll,
	.release = oomsnap_stream_release,
	.llseek = OOMSNAP_NO_LLSEEK,
};

const struct proc_ops oomsnap_stream_pops = {
	.proc_open = oomsnap_stream_open,
	.proc_read = oomsnap_stream_read,
	.proc_poll = oomsnap_stream_poll,
	.proc_release = oomsnap_stream_release,
	.proc_lseek = OOMSNAP_NO_LLSEEK,
};

/**
 * oomsnap_stream_init() - allow stream readers to block
 */
void oomsnap_stream_init(void)
{
	WRITE_ONCE(oomsnap_stream_going, false);
}

/**
 * oomsnap_stream_shutdown() - end every blocked read with end-of-file
 *
 * Called before the files are removed, which waits for readers to leave.
 */
void oomsnap_stream_shutdown(void)
{
	WRITE_ONCE(oomsnap_stream_going, true);
	wake_up_interruptible_all(oomsnap_ring_waitq());
}
