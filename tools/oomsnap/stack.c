// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap: the record's "stack" (what allocated) in words.
 *
 * The module keeps the frames as the kernel prints them
 * ("dup_fd+0x103/0x1f0", docs/interface.md section 3.1).  A person wants
 * the path, not forty frames: how the task entered the kernel (a system
 * call, a page fault, a kernel worker), the frames that say what it was
 * doing, and which allocator ran out (vmalloc, slab, the page cache, a
 * page fault's anonymous memory).  Frames of the allocator and OOM
 * machinery itself, and of the entry code, say nothing of that and are
 * left out; so is a name's compiler suffix (".constprop.0").
 */
#include <string.h>
#include "oomsnap.h"

#define PATH_FRAMES	5	/* frames named, the innermost */

/* A frame's function name, without offset, module and compiler suffix. */
static void frame_name(const char *frame, char *name, size_t size)
{
	size_t n = strcspn(frame, "+ ");
	char *dot;

	if (n >= size)
		n = size - 1;
	memcpy(name, frame, n);
	name[n] = '\0';
	dot = strchr(name, '.');
	if (dot)
		*dot = '\0';
}

static bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static bool any_prefix(const char *s, const char *const *prefixes)
{
	for (; *prefixes; prefixes++)
		if (starts(s, *prefixes))
			return true;
	return false;
}

/* The allocator and OOM machinery, and the kernel's entry code. */
static const char *const machinery[] = {
	"__alloc_pages", "alloc_pages", "__folio_alloc", "folio_alloc",
	"vma_alloc_folio", "alloc_page", "__get_free_pages", "get_zeroed_page",
	"out_of_memory", "mem_cgroup_out_of_memory", "try_charge", "charge_memcg",
	"__mem_cgroup_charge", "mem_cgroup_charge", "obj_cgroup_charge",
	"__memcg_kmem_charge", "memcg_", "asm_", "exc_", "do_syscall_",
	"entry_SYSCALL", "x64_sys_call", "__x64_sys_", "__ia32_sys_", "__se_sys_",
	"__do_sys_", "__arm64_sys_", "invoke_syscall", "el0_", "el0t_",
	"do_el0_svc", "ret_from_fork", "kthread", "worker_thread",
	"process_one_work", "do_user_addr_fault", "do_page_fault",
	"do_translation_fault", "do_mem_abort", NULL,
};

/* Page fault handling: one word in the path. */
static const char *const fault[] = {
	"handle_mm_fault", "__handle_mm_fault", "do_anonymous_page",
	"do_fault", "handle_pte_fault", "do_huge_pmd_anonymous_page",
	"__do_fault", "do_read_fault", "do_cow_fault", "do_shared_fault",
	"wp_page_copy", "do_wp_page", "do_swap_page", NULL,
};

struct allocator {
	const char *prefix, *words;
};

static const struct allocator allocators[] = {
	{ "__vmalloc", "vmalloc" }, { "vmalloc", "vmalloc" },
	{ "kvmalloc", "kvmalloc (vmalloc)" }, { "__kvmalloc", "kvmalloc (vmalloc)" },
	{ "__kmalloc", "kmalloc (slab)" }, { "kmalloc", "kmalloc (slab)" },
	{ "kmem_cache_alloc", "a slab cache" }, { "new_slab", "a slab cache" },
	{ "allocate_slab", "a slab cache" }, { "___slab_alloc", "a slab cache" },
	{ "__filemap_get_folio", "the page cache" },
	{ "pagecache_get_page", "the page cache" },
	{ "filemap_", "the page cache" }, { "page_cache_ra", "the page cache (readahead)" },
	{ "pte_alloc", "page tables" }, { "__pte_alloc", "page tables" },
	{ "__pmd_alloc", "page tables" }, { "__pud_alloc", "page tables" },
	{ "__p4d_alloc", "page tables" },
	{ "alloc_thread_stack", "a kernel stack" }, { "dup_task_struct", "a task (fork)" },
	{ "shmem_", "shmem/tmpfs" }, { "alloc_skb", "a network buffer" },
	{ "__alloc_skb", "a network buffer" },
	{ "__napi_alloc", "a network buffer" }, { "alloc_pipe_info", "a pipe" },
	{ "pipe_write", "a pipe" },
};

static const char *allocator_words(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(allocators); i++)
		if (starts(name, allocators[i].prefix))
			return allocators[i].words;
	return NULL;
}

static const char *frame_at(json_object *fr, size_t i, char *name, size_t size)
{
	const char *frame = json_object_get_string(json_object_array_get_idx(fr, i));

	frame_name(frame ? frame : "", name, size);
	return name;
}

/* How the task entered the kernel, from the outermost frames. */
static void sb_entry(struct sbuf *b, json_object *fr, size_t n)
{
	char name[128];
	size_t i;

	for (i = n; i-- > 0;) {
		frame_at(fr, i, name, sizeof(name));
		if (!strcmp(name, "kernel_clone") || !strcmp(name, "_do_fork") ||
		    !strcmp(name, "copy_process")) {
			sb_puts(b, "fork (clone)");
			return;
		}
		if (starts(name, "__do_sys_") || starts(name, "__se_sys_") ||
		    starts(name, "__x64_sys_") || starts(name, "__arm64_sys_")) {
			sb_printf(b, "system call %s", strstr(name, "sys_") + 4);
			return;
		}
		if (starts(name, "ksys_")) {
			sb_printf(b, "system call %s", name + 5);
			return;
		}
	}
	for (i = n; i-- > 0;) {
		frame_at(fr, i, name, sizeof(name));
		if (starts(name, "do_syscall_") || starts(name, "el0_svc")) {
			sb_puts(b, "a system call");
			return;
		}
		if (!strcmp(name, "process_one_work")) {
			sb_puts(b, "a kernel worker (workqueue)");
			return;
		}
		if (!strcmp(name, "kthread")) {
			/* a worker's kthread: say which, from further in */
			while (i-- > 0) {
				frame_at(fr, i, name, sizeof(name));
				if (!strcmp(name, "process_one_work")) {
					sb_puts(b, "a kernel worker (workqueue)");
					return;
				}
			}
			sb_puts(b, "a kernel thread");
			return;
		}
		if (starts(name, "asm_exc_page_fault") ||
		    starts(name, "exc_page_fault") || starts(name, "el0_da") ||
		    starts(name, "do_mem_abort")) {
			sb_puts(b, "a page fault");
			return;
		}
	}
	sb_puts(b, "the kernel");
}

static bool is_machinery(const char *name)
{
	return any_prefix(name, machinery) || !strcmp(name, "kernel_clone") ||
	       !strcmp(name, "_do_fork") || starts(name, "ksys_");
}

/**
 * sb_stack_words() - " The kernel stack shows the path: ..." for a record
 * @b: where to append
 * @rec: the event record
 *
 * Appends nothing when the record has no stack (null, or no frames).
 */
void sb_stack_words(struct sbuf *b, json_object *rec)
{
	json_object *fr = rec_get(rec, "stack.frames");
	const char *alloc = NULL, *words;
	size_t n, i, inner = 0, first, nr = 0;
	bool faulted = false, entry_fault;
	char name[128];
	struct sbuf entry = { 0 };

	if (!fr || !json_object_is_type(fr, json_type_array))
		return;
	n = json_object_array_length(fr);
	if (!n)
		return;
	/*
	 * Innermost first: past the OOM and allocator machinery, the run of
	 * allocator frames names what ran out (vmalloc, a slab cache...).
	 */
	for (i = 0; i < n; i++) {
		frame_at(fr, i, name, sizeof(name));
		words = allocator_words(name);
		if (words) {
			alloc = words;
			inner = i + 1;
		} else if (alloc || !(is_machinery(name) || any_prefix(name, fault))) {
			break;
		}
	}
	sb_entry(&entry, fr, n);
	entry_fault = !strcmp(entry.s, "a page fault");
	sb_printf(b, " The kernel stack shows the path: %s", entry.s);
	sb_free(&entry);
	/* outermost to innermost, the frames that say what the task did */
	for (i = inner; i < n; i++) {
		frame_at(fr, i, name, sizeof(name));
		if (any_prefix(name, fault))
			faulted = true;
		else if (!is_machinery(name))
			nr++;
	}
	first = nr > PATH_FRAMES ? nr - PATH_FRAMES : 0;
	for (i = n; i-- > inner;) {
		frame_at(fr, i, name, sizeof(name));
		if (is_machinery(name) || any_prefix(name, fault))
			continue;
		if (first) {
			first--;
			continue;
		}
		sb_printf(b, " -> %s", name);
	}
	if (faulted && !entry_fault)
		sb_puts(b, " -> a page fault");
	if (alloc)
		sb_printf(b, " -> %s", alloc);
	sb_putc(b, '.');
	if (rec_is(rec, "stack.truncated", "true"))
		sb_puts(b, " The stack was deeper than the record holds: its outermost frames are missing.");
}
