// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_secrets: looks for VF tokens where they must not be. Usage:
 *   vfio_secrets TOKENFILE DIR...
 *       Looks for each token of TOKENFILE (text, upper case, no dashes, raw bytes) in the
 *       kernel log and in every readable file under the DIRs. Prints the hits.
 */
#include "vfio_stress.h"

#define MAX_PATTERNS 4096

static struct { char text[40]; size_t len; } pat[MAX_PATTERNS];
static int npat, hits;
static long files, bytes;

static void add_patterns(const char *token)
{
	uuid_t u;
	char s[37], nodash[33];
	int j = 0;

	if (uuid_parse(token, u) || npat + 5 > MAX_PATTERNS)
		return;
	uuid_unparse_lower(u, s);
	for (int i = 0; s[i]; i++)
		if (s[i] != '-')
			nodash[j++] = s[i];
	nodash[j] = 0;
#define ADD(str, n) do { memcpy(pat[npat].text, str, n); pat[npat++].len = n; } while (0)
	ADD(s, 36);
	uuid_unparse_upper(u, s);
	ADD(s, 36);
	ADD(nodash, 32);
	for (int i = 0; i < 32; i++)
		nodash[i] = (char)(nodash[i] >= 'a' ? nodash[i] - 32 : nodash[i]);
	ADD(nodash, 32);
	ADD((char *)u, 16);
}

static void scan(const char *what, const char *data, size_t len)
{
	for (int p = 0; p < npat; p++)
		if (len >= pat[p].len && memmem(data, len, pat[p].text, pat[p].len)) {
			printf("secrets: token %d found in %s\n", p / 5, what);
			hits++;
		}
}

static void alarm_handler(int sig)
{
	(void)sig;
}

static void scan_tree(const char *dir)
{
	static char buf[1 << 20];
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[4096];
		struct stat sb;
		ssize_t n;
		int fd;

		if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &sb))
			continue;
		if (S_ISDIR(sb.st_mode)) {
			scan_tree(path);
			continue;
		}
		if (!S_ISREG(sb.st_mode) || !(sb.st_mode & 0444))
			continue;
		/* A PCI BAR or ROM read touches the device, not the driver's state: skip. */
		if (!strncmp(e->d_name, "resource", 8) || !strcmp(e->d_name, "rom"))
			continue;
		/* Some debugfs files block (trace_pipe): give each read a second. */
		alarm(1);
		fd = open(path, O_RDONLY | O_NONBLOCK);
		n = fd < 0 ? -1 : read(fd, buf, sizeof(buf));
		alarm(0);
		if (fd >= 0)
			close(fd);
		if (n <= 0)
			continue;
		files++;
		bytes += n;
		scan(path, buf, n);
	}
	closedir(d);
}

static int cmd_secrets(char **argv)
{
	struct sigaction sa = { .sa_handler = alarm_handler };
	FILE *f = fopen(argv[0], "r");
	char line[128], *log;
	int n;

	sigaction(SIGALRM, &sa, NULL);
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		add_patterns(line);
	}
	if (!npat) {
		violation("secrets: no token in %s", argv[0]);
		return 1;
	}
	n = klogctl(10, NULL, 0);	/* SYSLOG_ACTION_SIZE_BUFFER */
	log = malloc(n > 0 ? n : 1);
	n = log ? klogctl(3, log, n) : -1;	/* SYSLOG_ACTION_READ_ALL */
	if (n > 0)
		scan("the kernel log", log, n);
	for (int i = 1; argv[i]; i++)
		scan_tree(argv[i]);
	printf("secrets: tokens=%d kernel-log-bytes=%d files=%ld bytes=%ld hits=%d\n", npat / 5, n,
	       files, bytes, hits);
	return hits ? 1 : 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 3) {
		fprintf(stderr, "usage: vfio_secrets TOKENFILE DIR...\n");
		return 2;
	}
	return cmd_secrets(argv + 1);
}
