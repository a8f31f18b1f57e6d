/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KCOV for the fuzzer: the kernel code that this thread's calls reach (KCOV_TRACE_PC), kept
 * where it lies in the modules under test, as program counters (one per instrumented edge)
 * and as functions, both found from /proc/kallsyms. Rust code is instrumented too
 * (scripts/Makefile.kcov: -Cpasses=sancov-module). Without CONFIG_KCOV (no
 * /sys/kernel/debug/kcov) it is off and reports nothing.
 */
#ifndef VFIO_KCOV_H
#define VFIO_KCOV_H

#include <elf.h>
#include <fcntl.h>
#include <linux/kcov.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define KC_WORDS (1UL << 20)		/* PCs one collection holds: ops collect after each op */
#define KC_SEEN (1UL << 18)		/* the set of PCs reached in the modules under test */
#define KC_MODS 4
#define KC_INIT 4096		/* init PCs kept per module (its init code is small) */

/* A text symbol; mod: index in kc.mod, -1 for other code (then no name kept). */
struct kc_sym { unsigned long addr; int mod; char *name; };

static struct {
	int fd, nmods;
	unsigned long *area, lo, hi;	/* lo..hi: the modules' functions, a first filter */
	struct kc_sym *sym;
	unsigned int *hit;		/* per symbol: the PCs reached in it */
	unsigned long nsym, *seen, pcs[KC_MODS];
	const char *mod[KC_MODS];
	unsigned long fns[KC_MODS], fns_hit[KC_MODS];
	/* A module the fuzzer reloads (kc_module_file, kc_rebase) lies elsewhere after each load:
	 * its functions' range when kallsyms was read (mlo..mhi) and its code's start then
	 * (base), where its code lies now (now_lo..now_hi) and how far it moved; its init code (init_lo..init_hi), freed after
	 * the load and never in that kallsyms, kept as offsets in its .init.text. */
	unsigned long mlo[KC_MODS], mhi[KC_MODS], base[KC_MODS], moved[KC_MODS];
	unsigned long now_lo[KC_MODS], now_hi[KC_MODS], init_lo[KC_MODS], init_hi[KC_MODS];
	const char *ko[KC_MODS];
	int rebased[KC_MODS];
	unsigned long init_off[KC_MODS][KC_INIT];
	unsigned int ninit[KC_MODS];
	unsigned long pending;		/* new PCs counted since the last kc_collect() */
} kc = { .fd = -1 };

/* A section's address in a loaded module (/sys/module/MOD/sections/SEC), or 0. */
static inline unsigned long kc_section(const char *mod, const char *sec)
{
	char path[160];
	unsigned long a = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/%s/sections/%s", mod, sec);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%lx", &a) != 1)
		a = 0;
	fclose(f);
	return a;
}

/*
 * Where MOD's code lies now, from its object KO (the sizes of its executable sections) and
 * /sys/module/MOD/sections (their addresses): the core code (.text, .exit.text, ...) in
 * *lo..*hi, the init code (.init.text) in *ilo..*ihi. Returns -1 if MOD is not loaded.
 */
static inline int kc_layout(const char *mod, const char *ko, unsigned long *lo,
			    unsigned long *hi, unsigned long *ilo, unsigned long *ihi)
{
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *sh;
	const char *names;
	struct stat st;
	void *map;
	int fd;

	*lo = ~0UL;
	*hi = *ilo = *ihi = 0;
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	map = fstat(fd, &st) || st.st_size < (off_t)sizeof(*eh) ? MAP_FAILED :
	      mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return -1;
	eh = map;
	sh = (const void *)((const char *)map + eh->e_shoff);
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_shoff + (unsigned long)eh->e_shnum * sizeof(*sh) > (unsigned long)st.st_size ||
	    eh->e_shstrndx >= eh->e_shnum)
		goto out;
	names = (const char *)map + sh[eh->e_shstrndx].sh_offset;
	for (int i = 0; i < eh->e_shnum; i++) {
		const char *name = names + sh[i].sh_name;
		unsigned long a;

		if (!(sh[i].sh_flags & SHF_EXECINSTR) || !(sh[i].sh_flags & SHF_ALLOC) ||
		    !sh[i].sh_size)
			continue;
		a = kc_section(mod, name);
		if (!a)
			continue;
		if (!strcmp(name, ".init.text")) {
			*ilo = a;
			*ihi = a + sh[i].sh_size;
		} else if (strncmp(name, ".init", 5)) {
			if (a < *lo)
				*lo = a;
			if (a + sh[i].sh_size > *hi)
				*hi = a + sh[i].sh_size;
		}
	}
out:
	munmap(map, st.st_size);
	return *hi ? 0 : -1;
}

static int kc_cmp(const void *a, const void *b)
{
	const struct kc_sym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* kc_open MODULES...: on, if the kernel has KCOV and kallsyms shows the modules' addresses. */
static inline int kc_open(int nmods, const char *const *mods)
{
	char line[1024], nm[512], md[64], type;
	unsigned long addr, cap = 0;
	FILE *f;

	kc.fd = open("/sys/kernel/debug/kcov", O_RDWR);
	if (kc.fd < 0)
		return -1;
	if (ioctl(kc.fd, KCOV_INIT_TRACE, KC_WORDS))
		goto off;
	kc.area = mmap(NULL, KC_WORDS * sizeof(unsigned long), PROT_READ | PROT_WRITE, MAP_SHARED,
		       kc.fd, 0);
	if (kc.area == MAP_FAILED || ioctl(kc.fd, KCOV_ENABLE, KCOV_TRACE_PC))
		goto off;
	kc.nmods = nmods < KC_MODS ? nmods : KC_MODS;
	for (int m = 0; m < kc.nmods; m++)
		kc.mod[m] = mods[m];
	f = fopen("/proc/kallsyms", "r");
	if (!f)
		goto off;
	kc.lo = ~0UL;
	while (fgets(line, sizeof(line), f)) {
		/* Names up to KSYM_NAME_LEN (512): Rust's are long. */
		int n = sscanf(line, "%lx %c %511s [%63[^]]]", &addr, &type, nm, md), m = -1;

		if (n < 3 || (type != 't' && type != 'T') || !addr)
			continue;
		/* The padding before a function (call depth tracking, CFI) is not one. */
		if (!strncmp(nm, "__pfx_", 6) || !strncmp(nm, "__cfi_", 6))
			continue;
		for (int i = 0; n == 4 && i < kc.nmods; i++)
			if (!strcmp(md, kc.mod[i]))
				m = i;
		if (kc.nsym == cap) {
			cap = cap ? 2 * cap : 65536;
			kc.sym = realloc(kc.sym, cap * sizeof(*kc.sym));
			if (!kc.sym)
				exit(2);
		}
		kc.sym[kc.nsym].addr = addr;
		kc.sym[kc.nsym].mod = m;
		kc.sym[kc.nsym].name = m < 0 ? NULL : strdup(nm);
		kc.nsym++;
	}
	fclose(f);
	qsort(kc.sym, kc.nsym, sizeof(*kc.sym), kc_cmp);
	for (unsigned long i = 0; i < kc.nsym; i++) {
		int m = kc.sym[i].mod;

		if (m < 0)
			continue;
		kc.fns[m]++;
		if (kc.sym[i].addr < kc.lo)
			kc.lo = kc.sym[i].addr;
		kc.hi = i + 1 < kc.nsym ? kc.sym[i + 1].addr : ~0UL;
		if (!kc.mlo[m] || kc.sym[i].addr < kc.mlo[m])
			kc.mlo[m] = kc.sym[i].addr;
		kc.mhi[m] = kc.hi;
	}
	kc.hit = calloc(kc.nsym, sizeof(*kc.hit));
	kc.seen = calloc(KC_SEEN, sizeof(*kc.seen));
	if (!kc.hit || !kc.seen || kc.lo == ~0UL)
		goto off;
	__atomic_store_n(&kc.area[0], 0, __ATOMIC_RELAXED);
	return 0;
off:
	close(kc.fd);
	kc.fd = -1;
	return -1;
}

static inline int kc_on(void)
{
	return kc.fd >= 0;
}

/* kc_module_file MOD KO: MOD, loaded from KO, will be reloaded (kc_rebase). Its functions'
 * range is bounded by its own code (kallsyms' next symbol may be far). */
static inline void kc_module_file(const char *mod, const char *ko)
{
	unsigned long lo, hi, ilo, ihi;

	for (int m = 0; kc_on() && m < kc.nmods; m++) {
		if (strcmp(kc.mod[m], mod) || kc_layout(mod, ko, &lo, &hi, &ilo, &ihi))
			continue;
		kc.ko[m] = ko;
		kc.base[m] = kc.now_lo[m] = lo;
		kc.now_hi[m] = hi;
		if (kc.mhi[m] > hi)
			kc.mhi[m] = hi;
	}
}

/* The PCs reached so far, with the modules where they lie now, counted into kc.pending. */
static inline void kc_take(void);

/* kc_rebase MOD: MOD was unloaded and loaded again (or not: then none of its code is). Call
 * kc_take() between the unload and the load: PCs are mapped by where the code lies. */
static inline void kc_rebase(const char *mod)
{
	for (int m = 0; kc_on() && m < kc.nmods; m++) {
		unsigned long lo, hi, ilo, ihi;

		if (strcmp(kc.mod[m], mod) || !kc.ko[m])
			continue;
		if (kc_layout(mod, kc.ko[m], &lo, &hi, &ilo, &ihi))
			lo = hi = ilo = ihi = 0;
		kc.rebased[m] = 1;
		kc.moved[m] = lo - kc.base[m];
		kc.now_lo[m] = lo;
		kc.now_hi[m] = hi;
		kc.init_lo[m] = ilo;
		kc.init_hi[m] = ihi;
	}
}

/* PC as it was when kallsyms was read: a moved module's PCs shifted back; a PC of a
 * reloaded module's init code kept (as its offset) and returned as 0, as is one where a
 * reloaded module lay before (no code of it now). */
static inline unsigned long kc_unmove(unsigned long pc)
{
	for (int m = 0; m < kc.nmods; m++) {
		if (!kc.rebased[m])
			continue;
		if (pc >= kc.now_lo[m] && pc < kc.now_hi[m])
			return pc - kc.moved[m];
		if (pc >= kc.init_lo[m] && pc < kc.init_hi[m]) {
			unsigned long off = pc - kc.init_lo[m];
			unsigned int i = 0;

			while (i < kc.ninit[m] && kc.init_off[m][i] != off)
				i++;
			if (i == kc.ninit[m] && i < KC_INIT) {
				kc.init_off[m][kc.ninit[m]++] = off;
				kc.pending++;
			}
			return 0;
		}
		if (pc >= kc.mlo[m] && pc < kc.mhi[m])
			return 0;
	}
	return pc;
}

/* The function (index in kc.sym) that holds PC, or -1. */
static inline long kc_sym_of(unsigned long pc)
{
	unsigned long a = 0, b = kc.nsym;

	while (b - a > 1) {
		unsigned long m = (a + b) / 2;

		if (kc.sym[m].addr <= pc)
			a = m;
		else
			b = m;
	}
	return kc.nsym && kc.sym[a].addr <= pc ? (long)a : -1;
}

static inline void kc_take(void)
{
	unsigned long n;

	if (!kc_on())
		return;
	n = __atomic_load_n(&kc.area[0], __ATOMIC_RELAXED);
	if (n >= KC_WORDS)
		n = KC_WORDS - 1;
	for (unsigned long i = 1; i <= n; i++) {
		unsigned long pc = kc_unmove(kc.area[i]), h;
		long s;

		if (pc < kc.lo || pc >= kc.hi)
			continue;
		for (h = (pc * 0x9e3779b97f4a7c15UL) >> 46; kc.seen[h] && kc.seen[h] != pc;)
			h = (h + 1) & (KC_SEEN - 1);
		if (kc.seen[h])
			continue;
		s = kc_sym_of(pc);
		if (s < 0 || kc.sym[s].mod < 0 || pc >= kc.mhi[kc.sym[s].mod])
			continue;
		kc.seen[h] = pc;
		kc.pcs[kc.sym[s].mod]++;
		if (!kc.hit[s]++)
			kc.fns_hit[kc.sym[s].mod]++;
		kc.pending++;
	}
	__atomic_store_n(&kc.area[0], 0, __ATOMIC_RELAXED);
}

/* kc_collect: the PCs reached since the last collection; returns how many are new in the
 * modules under test. */
static inline unsigned long kc_collect(void)
{
	unsigned long fresh;

	kc_take();
	fresh = kc.pending;
	kc.pending = 0;
	return fresh;
}

/* kc_summary OUT: one line per module, "MODULE functions=R/T pcs=N". */
static inline void kc_summary(FILE *out, const char *prefix)
{
	for (int m = 0; m < kc.nmods; m++)
		fprintf(out, "%s%s functions=%lu/%lu pcs=%lu\n", prefix, kc.mod[m], kc.fns_hit[m],
			kc.fns[m], kc.pcs[m]);
}

/* kc_functions OUT: every function of the modules, "fn MODULE reached|unreached NAME PCS",
 * then the init code reached, "initpc MODULE OFFSET" (its offset in the module's .init.text,
 * for scripts/fuzz-coverage.py to name). */
static inline void kc_functions(FILE *out)
{
	for (unsigned long i = 0; i < kc.nsym; i++)
		if (kc.sym[i].mod >= 0)
			fprintf(out, "fn %s %s %s %u\n", kc.mod[kc.sym[i].mod],
				kc.hit[i] ? "reached" : "unreached", kc.sym[i].name, kc.hit[i]);
	for (int m = 0; m < kc.nmods; m++)
		for (unsigned int i = 0; i < kc.ninit[m]; i++)
			fprintf(out, "initpc %s %lx\n", kc.mod[m], kc.init_off[m][i]);
}

#endif
