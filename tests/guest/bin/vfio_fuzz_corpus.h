/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The differential fuzzer's programs as data: a program is a list of operation words, a
 * corpus a file of programs ("NAME WORD..." per line, words in hex, '#' a comment), and the
 * coverage-guided loop's mutations of them. What an operation word does is the fuzzer's
 * (vfio_diff_fuzz.c); here, only how programs are kept, named and changed.
 */
#ifndef VFIO_FUZZ_CORPUS_H
#define VFIO_FUZZ_CORPUS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A word seeds the generator its operation draws its choices from, so a word means the same
 * operation in any program (mutations keep their meaning); its results follow from the
 * resources the program holds then. */
#define MAXWORDS 128	/* a seeded program of 200 calls has about 30 */
struct prog { char name[20]; unsigned int n; unsigned long long w[MAXWORDS]; };

static unsigned long long next_word(unsigned long long *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* The corpus: a file of programs, one per line, "NAME WORD...", words in hex ('#': comment). */
static struct prog *corpus;
static unsigned long ncorpus, corpus_cap;

static void corpus_add(const struct prog *p)
{
	if (ncorpus == corpus_cap) {
		corpus_cap = corpus_cap ? 2 * corpus_cap : 256;
		corpus = realloc(corpus, corpus_cap * sizeof(*corpus));
		if (!corpus)
			exit(2);
	}
	corpus[ncorpus++] = *p;
}

static int corpus_load(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[MAXWORDS * 20 + 64];

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		struct prog p = { .n = 0 };
		char *tok = strtok(line, " \t\n");

		if (!tok || tok[0] == '#')
			continue;
		snprintf(p.name, sizeof(p.name), "%s", tok);
		while (p.n < MAXWORDS && (tok = strtok(NULL, " \t\n")))
			p.w[p.n++] = strtoull(tok, NULL, 16);
		if (p.n)
			corpus_add(&p);
	}
	fclose(f);
	return 0;
}

/* Names a program by its words (FNV-1a), so that the same program has the same name. */
static void prog_name(struct prog *p)
{
	unsigned long long h = 0xcbf29ce484222325ULL;

	for (unsigned int i = 0; i < p->n; i++)
		for (int b = 0; b < 64; b += 8)
			h = (h ^ ((p->w[i] >> b) & 0xff)) * 0x100000001b3ULL;
	snprintf(p->name, sizeof(p->name), "%016llx", h);
}

static void prog_print(const char *prefix, const struct prog *p)
{
	printf("%s%s", prefix, p->name);
	for (unsigned int i = 0; i < p->n; i++)
		printf(" %llx", p->w[i]);
	putchar('\n');
}

/* The coverage-guided loop's own generator, apart from the one the operations draw from. */
static unsigned long long guide_rng;

static unsigned int grnd(unsigned int n)
{
	return n ? (unsigned int)(next_word(&guide_rng) % n) : 0;
}

/* A new program from the corpus: one to four mutations of a program of it (a word replaced,
 * inserted, removed or repeated, or another program's tail spliced on), or a new random one. */
static void mutate(struct prog *c)
{
	if (!ncorpus || !grnd(8)) {
		c->n = 1 + grnd(32);
		for (unsigned int i = 0; i < c->n; i++)
			c->w[i] = next_word(&guide_rng);
		return;
	}
	*c = corpus[grnd(ncorpus)];
	for (unsigned int m = 1 + grnd(4); m; m--) {
		unsigned int at = grnd(c->n);
		const struct prog *o;

		switch (grnd(5)) {
		case 0:
			c->w[at] = next_word(&guide_rng);
			break;
		case 1:	/* inserted, or repeated (a second time the same operation) */
		case 2:
			if (c->n == MAXWORDS)
				break;
			memmove(&c->w[at + 1], &c->w[at], (c->n - at) * sizeof(c->w[0]));
			if (grnd(2))
				c->w[at] = next_word(&guide_rng);
			c->n++;
			break;
		case 3:
			if (c->n == 1)
				break;
			memmove(&c->w[at], &c->w[at + 1], (c->n - at - 1) * sizeof(c->w[0]));
			c->n--;
			break;
		default:
			o = &corpus[grnd(ncorpus)];
			for (unsigned int i = grnd(o->n); i < o->n && at < MAXWORDS; i++)
				c->w[at++] = o->w[i];
			c->n = at;
		}
	}
}

#endif
