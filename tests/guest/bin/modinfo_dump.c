// SPDX-License-Identifier: GPL-2.0
/*
 * Prints the entries of a module's .modinfo section, one "key=value" a line, in section
 * order: what the kernel, kmod's modinfo and depmod read (parm, parmtype, alias, ...).
 *
 * busybox modinfo is no substitute: it searches the whole file for "key=" after a NUL byte,
 * so it misses an entry that starts the section when the byte before it is not NUL.
 *
 * Usage: modinfo_dump MODULE.ko    (an uncompressed ELF64 little-endian module)
 */
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *sh;
	const char *names;
	struct stat st;
	const char *p;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: %s MODULE.ko\n", argv[0]);
		return 2;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0 || fstat(fd, &st) < 0) {
		perror(argv[1]);
		return 1;
	}
	p = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	eh = (const Elf64_Ehdr *)p;
	if ((size_t)st.st_size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_shentsize != sizeof(*sh) ||
	    eh->e_shoff + (size_t)eh->e_shnum * sizeof(*sh) > (size_t)st.st_size ||
	    eh->e_shstrndx >= eh->e_shnum) {
		fprintf(stderr, "%s: not an ELF64 module\n", argv[1]);
		return 1;
	}
	sh = (const Elf64_Shdr *)(p + eh->e_shoff);
	if (sh[eh->e_shstrndx].sh_offset + sh[eh->e_shstrndx].sh_size > (size_t)st.st_size) {
		fprintf(stderr, "%s: bad section names\n", argv[1]);
		return 1;
	}
	names = p + sh[eh->e_shstrndx].sh_offset;
	for (int i = 0; i < eh->e_shnum; i++) {
		const char *s, *end;

		if (sh[i].sh_name >= sh[eh->e_shstrndx].sh_size ||
		    strcmp(names + sh[i].sh_name, ".modinfo"))
			continue;
		if (sh[i].sh_offset + sh[i].sh_size > (size_t)st.st_size) {
			fprintf(stderr, "%s: .modinfo beyond the file\n", argv[1]);
			return 1;
		}
		s = p + sh[i].sh_offset;
		end = s + sh[i].sh_size;
		/* NUL-separated strings; padding NULs between them are skipped, as the kernel's
		 * next_string() does. */
		while (s < end) {
			size_t n = strnlen(s, end - s);

			if (n)
				printf("%.*s\n", (int)n, s);
			s += n + 1;
		}
		return 0;
	}
	fprintf(stderr, "%s: no .modinfo section\n", argv[1]);
	return 1;
}
