// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap_hog: allocate and touch memory until told to stop (or killed).
 *
 *   oomsnap_hog [MB [STEP_MB [SLEEP_MS]]]
 *
 * Allocates STEP_MB (default 4) at a time up to MB (default 0 = no limit),
 * writing every page so the memory is really used, then sleeps forever
 * (until the OOM killer or a signal ends it).  With OOMSNAP_HOG_POPULATE=1
 * in the environment each step is one mmap(MAP_POPULATE) instead: the
 * kernel faults the pages in inside the system call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

int main(int argc, char **argv)
{
	long max_mb = argc > 1 ? atol(argv[1]) : 0;
	long step_mb = argc > 2 ? atol(argv[2]) : 4;
	long sleep_ms = argc > 3 ? atol(argv[3]) : 0;
	long page = sysconf(_SC_PAGESIZE);
	long total = 0;
	const char *pop = getenv("OOMSNAP_HOG_POPULATE");
	int populate = pop && !strcmp(pop, "1");

	if (step_mb <= 0 || max_mb < 0 || sleep_ms < 0) {
		fprintf(stderr, "usage: %s [MB [STEP_MB [SLEEP_MS]]]\n", argv[0]);
		return 2;
	}
	printf("hog %d: allocating %ld MB in steps of %ld MB\n", getpid(), max_mb, step_mb);
	fflush(stdout);
	while (!max_mb || total < max_mb) {
		size_t len = (size_t)step_mb << 20;
		char *p;

		if (populate) {
			p = mmap(NULL, len, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
			if (p == MAP_FAILED) {
				fprintf(stderr, "hog: mmap failed after %ld MB\n", total);
				return 1;
			}
			total += step_mb;
			continue;
		}
		p = malloc(len);
		if (!p) {
			fprintf(stderr, "hog: malloc failed after %ld MB\n", total);
			return 1;
		}
		for (size_t off = 0; off < len; off += page)
			p[off] = 1;
		total += step_mb;
		if (sleep_ms)
			usleep(sleep_ms * 1000);
	}
	printf("hog %d: holding %ld MB\n", getpid(), total);
	fflush(stdout);
	for (;;)
		pause();
	return 0;
}
