// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of journal.c's pure parts: the state file (round trip,
 * atomic replace, malformed files) and journal_plan(), what
 * `oomsnap journal` sends after a look at the module: a restart, a
 * cleared ring, an overwritten ring, a new boot, a module reload seen or
 * not seen.  TAP; ends with "N passed, N failed".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oomsnap.h"

static int n, failed;

/* main.c's, which this test does not link */
void __noreturn unknown_arg(const char *cmd, const char *arg)
{
	die(E_USAGE, "%s: unknown argument '%s'", cmd, arg);
}

static void check(bool cond, const char *what)
{
	n++;
	if (!cond)
		failed++;
	printf("%sok %d - %s\n", cond ? "" : "not ", n, what);
}

#define BOOT "0f5e2c4e-7d5b-4d0b-9a0f-3a1c2b3d4e5f"

/* Events seq a..b, boot_ns = 1000 * seq (+ @shift: another load). */
static size_t evs(struct jev *ev, unsigned long long a, unsigned long long b,
		  unsigned long long shift)
{
	size_t k = 0;

	for (; a <= b; a++, k++) {
		ev[k].seq = a;
		ev[k].boot_ns = 1000 * a + shift;
	}
	return k;
}

/* @st as saved in this boot after sending @seq (at @boot_ns). */
static void saved(struct jstate *st, unsigned long long seq, unsigned long long boot_ns)
{
	jstate_reset(st, BOOT);
	st->seq = seq;
	st->boot_ns = boot_ns;
}

/* @st after sending what @p said (what cmd_journal's loop does). */
static void sent(struct jstate *st, const struct jplan *p, const struct jev *ev, size_t nr,
		 unsigned long long overwritten)
{
	if (p->lost || p->cleared)
		st->seq = p->gap_last;
	if (p->first < nr) {
		st->seq = ev[nr - 1].seq;
		st->boot_ns = ev[nr - 1].boot_ns;
	}
	st->overwritten = overwritten;
}

static void test_state_file(const char *dir)
{
	struct jstate a, b;
	char path[512], tmp[520];
	FILE *f;
	int err;

	snprintf(path, sizeof(path), "%s/journal.state", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	check(jstate_read(path, &a) == -ENOENT && !a.seq && !a.boot_id[0],
	      "state: no file reads as -ENOENT, empty state");
	jstate_reset(&a, BOOT);
	a.seq = 18446744073709551615ULL;
	a.boot_ns = 1234567890123ULL;
	a.overwritten = 7;
	check(!jstate_write(path, &a), "state: written");
	check(access(tmp, F_OK) && errno == ENOENT, "state: no PATH.tmp left after the rename");
	err = jstate_read(path, &b);
	check(!err && !strcmp(b.boot_id, BOOT) && b.seq == a.seq && b.boot_ns == a.boot_ns &&
	      b.overwritten == 7, "state: round trip (boot id, seq up to 2^64-1, boot_ns, overwritten)");
	a.seq = 3;
	check(!jstate_write(path, &a) && !jstate_read(path, &b) && b.seq == 3,
	      "state: a second write replaces the first");
	f = fopen(path, "w");
	fputs("boot_id " BOOT "\nseq 12\n", f);
	fclose(f);
	check(jstate_read(path, &b) == -EINVAL && !b.seq,
	      "state: a truncated file is -EINVAL and reads as empty");
	f = fopen(path, "w");
	fputs("boot_id " BOOT "\nseq -1\nboot_ns 5\noverwritten 0\n", f);
	fclose(f);
	check(jstate_read(path, &b) == -EINVAL, "state: a negative seq is -EINVAL");
	snprintf(tmp, sizeof(tmp), "%s/no/such/dir/state", dir);
	check(jstate_write(tmp, &a) == -ENOENT, "state: a write into a missing directory fails (-ENOENT)");
	unlink(path);
}

static void test_plan(void)
{
	struct jev ev[128];
	struct jstate st;
	struct jplan p;
	size_t k;

	/* first start: the ring holds 1..5, nothing sent yet */
	jstate_reset(&st, BOOT);
	k = evs(ev, 1, 5, 0);
	journal_plan(&st, BOOT, false, 5, 0, ev, k, &p);
	check(p.first == 0 && !p.lost && !p.cleared && p.reset == RESET_NONE,
	      "plan: first start sends every retained event, no notice");
	sent(&st, &p, ev, k, 0);

	/* restart with nothing new */
	journal_plan(&st, BOOT, false, 5, 0, ev, k, &p);
	check(p.first == k && !p.lost && !p.cleared, "plan: restart, nothing new: nothing sent");

	/* restart after two more */
	k = evs(ev, 1, 7, 0);
	journal_plan(&st, BOOT, false, 7, 0, ev, k, &p);
	check(p.first == 5 && !p.lost && !p.cleared,
	      "plan: restart after 2 new events: only seq 6 and 7");
	sent(&st, &p, ev, k, 0);

	/* the ring was cleared after 7 was sent, then 8 and 9 came: no gap */
	k = evs(ev, 8, 9, 0);
	journal_plan(&st, BOOT, false, 9, 0, ev, k, &p);
	check(p.first == 0 && !p.lost && !p.cleared,
	      "plan: a clear of events already sent is no notice");
	sent(&st, &p, ev, k, 0);

	/* 10..12 came and were cleared before we looked; the ring is empty */
	journal_plan(&st, BOOT, false, 12, 0, ev, 0, &p);
	check(p.first == 0 && p.cleared == 3 && !p.lost && p.gap_first == 10 && p.gap_last == 12,
	      "plan: 3 events cleared unread, empty ring: one cleared notice, seq 10-12");
	sent(&st, &p, ev, 0, 0);
	journal_plan(&st, BOOT, false, 12, 0, ev, 0, &p);
	check(!p.cleared && !p.lost, "plan: the cleared notice is not repeated");

	/* 13..14 cleared unread, then 15 came */
	k = evs(ev, 15, 15, 0);
	journal_plan(&st, BOOT, false, 15, 0, ev, k, &p);
	check(p.first == 0 && p.cleared == 2 && !p.lost && p.gap_first == 13 && p.gap_last == 14,
	      "plan: cleared 13-14 unread, then 15: a notice for 2, then 15");
	sent(&st, &p, ev, k, 0);

	/* the service was stopped while 16..100 came; capacity 64: 37..100 kept */
	k = evs(ev, 37, 100, 0);
	journal_plan(&st, BOOT, false, 100, 21, ev, k, &p);
	check(p.first == 0 && p.lost == 21 && !p.cleared && p.gap_first == 16 && p.gap_last == 36,
	      "plan: 21 overwritten while stopped: a lost notice for 16-36, then 37..100");
	sent(&st, &p, ev, k, 21);

	/* overwritten unread and cleared unread together */
	k = evs(ev, 110, 110, 0);
	journal_plan(&st, BOOT, false, 110, 25, ev, k, &p);
	check(p.lost == 4 && p.cleared == 5 && p.first == 0,
	      "plan: of 9 missing events 4 overwritten (counter +4), 5 cleared");
	sent(&st, &p, ev, k, 25);

	/* a new boot: everything in the ring is new, seq restarts */
	k = evs(ev, 1, 3, 0);
	journal_plan(&st, "another-boot", false, 3, 0, ev, k, &p);
	check(p.reset == RESET_BOOT && p.first == 0 && !p.lost && !p.cleared &&
	      !strcmp(st.boot_id, "another-boot"),
	      "plan: new boot id: state reset, seq 1..3 sent");
	sent(&st, &p, ev, k, 0);

	/* the module reloaded while we watched (seen gone): seq 1 again */
	k = evs(ev, 1, 1, 50000);
	journal_plan(&st, "another-boot", true, 1, 0, ev, k, &p);
	check(p.reset == RESET_LOAD && p.first == 0 && !p.lost,
	      "plan: module seen gone and back: its seq 1 is sent");
	sent(&st, &p, ev, k, 0);

	/* reloaded while the service was stopped: total below our seq */
	saved(&st, 9, 9000);
	k = evs(ev, 1, 2, 90000);
	journal_plan(&st, BOOT, false, 2, 0, ev, k, &p);
	check(p.reset == RESET_LOAD && p.first == 0,
	      "plan: reload unseen, events_total 2 < last seq 9: 1 and 2 sent");

	/* reloaded unseen with as many events as before: told by boot_ns */
	saved(&st, 3, 3000);
	k = evs(ev, 1, 4, 90000);
	journal_plan(&st, BOOT, false, 4, 0, ev, k, &p);
	check(p.reset == RESET_LOAD && p.first == 0,
	      "plan: reload unseen, seq 1..4 younger than the last sent: all 4 sent");

	/* same load, the seq we sent is still there with its boot_ns */
	saved(&st, 3, 3000);
	k = evs(ev, 1, 4, 0);
	journal_plan(&st, BOOT, false, 4, 0, ev, k, &p);
	check(p.reset == RESET_NONE && p.first == 3, "plan: same load: only seq 4");

	/* same load, an older event's boot_ns above the last one's: no reload */
	saved(&st, 3, 3000);
	k = evs(ev, 1, 4, 0);
	ev[0].boot_ns = 999999;
	journal_plan(&st, BOOT, false, 4, 0, ev, k, &p);
	check(p.reset == RESET_NONE && p.first == 3,
	      "plan: same load, boot_ns not in seq order: still only seq 4 (told by seq 3's boot_ns)");

	/* reloaded unseen: the old last seq 5 is there again, another event */
	saved(&st, 5, 5000);
	k = evs(ev, 1, 8, 70000);
	journal_plan(&st, BOOT, false, 8, 0, ev, k, &p);
	check(p.reset == RESET_LOAD && p.first == 0,
	      "plan: reload unseen, seq 5 retained with another boot_ns: all 8 sent");
}

int main(void)
{
	char dir[] = "/tmp/oomsnap-journal-test.XXXXXX";

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 2;
	}
	test_state_file(dir);
	test_plan();
	rmdir(dir);
	printf("1..%d\n%d passed, %d failed\n", n, n - failed, failed);
	return failed ? 1 : 0;
}
