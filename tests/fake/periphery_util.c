/* periphery_util.c - allocation, strings, logging and fs helpers
 * SPDX-License-Identifier: MIT
 */
#include "periphery.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../pkgtool/banned.h"

char sbuf_slop[1];

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die("out of memory allocating %zu bytes", n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		die("out of memory allocating %zu x %zu bytes", n, size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		die("out of memory allocating %zu bytes", n);
	return q;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	struct sbuf b = SBUF_INIT;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		die("vsnprintf failed");
	b.p = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(b.p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return b.p;
}

void die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("fake-periphery: fatal: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_PANIC);
}

/* ---- sbuf -------------------------------------------------------------- */

void sbuf_init(struct sbuf *b)
{
	b->p = sbuf_slop;
	b->len = 0;
	b->alloc = 0;
}

static void sbuf_grow(struct sbuf *b, size_t extra)
{
	size_t want;

	if (extra > SIZE_MAX - b->len - 1)
		die("string too long");
	want = b->len + extra + 1;
	if (want <= b->alloc)
		return;
	if (b->alloc == 0)
		b->p = NULL;	/* never realloc the shared slop byte */
	b->alloc = want < 64 ? 64 : want + want / 2;
	b->p = xrealloc(b->p, b->alloc);
	if (b->len == 0)
		b->p[0] = '\0';
}

void sbuf_add(struct sbuf *b, const void *data, size_t n)
{
	if (!n)
		return;
	sbuf_grow(b, n);
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void sbuf_addc(struct sbuf *b, char c)
{
	sbuf_add(b, &c, 1);
}

void sbuf_adds(struct sbuf *b, const char *s)
{
	sbuf_add(b, s, strlen(s));
}

void sbuf_addf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		die("vsnprintf failed");
	sbuf_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void sbuf_add_json_str(struct sbuf *b, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	sbuf_addc(b, '"');
	for (; *u; u++) {
		switch (*u) {
		case '"':
			sbuf_adds(b, "\\\"");
			break;
		case '\\':
			sbuf_adds(b, "\\\\");
			break;
		case '\n':
			sbuf_adds(b, "\\n");
			break;
		case '\r':
			sbuf_adds(b, "\\r");
			break;
		case '\t':
			sbuf_adds(b, "\\t");
			break;
		default:
			if (*u < 0x20 || *u == 0x7f)
				sbuf_addf(b, "\\u%04x", *u);
			else
				sbuf_addc(b, (char)*u);
		}
	}
	sbuf_addc(b, '"');
}

char *sbuf_detach(struct sbuf *b)
{
	char *p = b->alloc ? b->p : xstrdup("");

	sbuf_init(b);
	return p;
}

void sbuf_release(struct sbuf *b)
{
	if (b->alloc)
		free(b->p);
	sbuf_init(b);
}

/* ---- logging ----------------------------------------------------------- */

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static enum plevel log_level = PL_INFO;
static enum pstdio log_stdio = PS_STANDARD;

void plog_setup(enum plevel level, enum pstdio stdio)
{
	log_level = level;
	log_stdio = stdio;
}

bool plog_enabled(enum plevel level)
{
	return log_stdio != PS_NONE && level >= log_level;
}

static const char *const level_names[] = {
	"TRACE", "DEBUG", "INFO", "WARN", "ERROR",
};

static void timestamp(char *out, size_t n)
{
	struct timeval tv;
	struct tm tm;
	char base[32];

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, n, "%s.%06ldZ", base, (long)tv.tv_usec);
}

void plog(enum plevel level, const char *fmt, ...)
{
	struct sbuf line = SBUF_INIT;
	struct sbuf msg = SBUF_INIT;
	char ts[48];
	va_list ap;
	int n;

	if (!plog_enabled(level))
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	msg.alloc = (size_t)n + 1;
	msg.p = xmalloc(msg.alloc);
	va_start(ap, fmt);
	vsnprintf(msg.p, msg.alloc, fmt, ap);
	va_end(ap);
	msg.len = (size_t)n;

	timestamp(ts, sizeof(ts));
	if (log_stdio == PS_JSON) {
		sbuf_addf(&line, "{\"timestamp\":\"%s\",\"level\":\"%s\","
			  "\"fields\":{\"message\":", ts, level_names[level]);
		sbuf_add_json_str(&line, msg.p);
		sbuf_adds(&line, "},\"target\":\"periphery\"}\n");
	} else {
		/* Same column layout as tracing-subscriber's default format. */
		sbuf_addf(&line, "%s %5s periphery: %s\n", ts,
			  level_names[level], msg.p);
	}
	/* One write per line so concurrent request logs never interleave. */
	pthread_mutex_lock(&log_lock);
	fwrite(line.p, 1, line.len, stdout);
	fflush(stdout);
	pthread_mutex_unlock(&log_lock);
	sbuf_release(&line);
	sbuf_release(&msg);
}

void perr(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- fs and processes ------------------------------------------------- */

int mkdir_all(const char *path, unsigned mode)
{
	char *p = xstrdup(path);
	struct stat st;
	size_t i, len = strlen(p);
	int r = -1;

	while (len > 1 && p[len - 1] == '/')
		p[--len] = '\0';
	for (i = 1; i <= len; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		p[i] = '\0';
		if (mkdir(p, (mode_t)mode) < 0 && errno != EEXIST)
			goto out;
		if (i < len)
			p[i] = '/';
	}
	if (stat(path, &st) < 0)
		goto out;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		goto out;
	}
	r = 0;
out:
	free(p);
	return r;
}

char *path_parent(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

int read_file(const char *path, char **data, size_t *len)
{
	struct sbuf b = SBUF_INIT;
	char chunk[8192];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			close(fd);
			sbuf_release(&b);
			errno = e;
			return -1;
		}
		sbuf_add(&b, chunk, (size_t)n);
	}
	close(fd);
	*len = b.len;
	*data = sbuf_detach(&b);
	return 0;
}

int run_capture(char *const argv[], struct sbuf *out)
{
	int pfd[2], status;
	char chunk[4096];
	ssize_t n;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);
		sigset_t none;

		/* The parent blocks SIGTERM for its signalfd; a child (e.g.
		 * openssl) must still die when systemd stops the unit. */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);

		if (devnull >= 0)
			dup2(devnull, 0);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		execvp(argv[0], argv);
		dprintf(2, "%s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	while ((n = read(pfd[0], chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		sbuf_add(out, chunk, (size_t)n);
	}
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return status;
}

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *base64_encode(const unsigned char *data, size_t n)
{
	struct sbuf b = SBUF_INIT;
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned)data[i] << 16 |
			     (unsigned)data[i + 1] << 8 | data[i + 2];

		sbuf_addc(&b, b64[v >> 18 & 63]);
		sbuf_addc(&b, b64[v >> 12 & 63]);
		sbuf_addc(&b, b64[v >> 6 & 63]);
		sbuf_addc(&b, b64[v & 63]);
	}
	if (i < n) {
		unsigned v = (unsigned)data[i] << 16;

		if (i + 1 < n)
			v |= (unsigned)data[i + 1] << 8;
		sbuf_addc(&b, b64[v >> 18 & 63]);
		sbuf_addc(&b, b64[v >> 12 & 63]);
		sbuf_addc(&b, i + 1 < n ? b64[v >> 6 & 63] : '=');
		sbuf_addc(&b, '=');
	}
	return sbuf_detach(&b);
}

int base64_decode(const char *s, unsigned char **out, size_t *outlen)
{
	struct sbuf b = SBUF_INIT;
	unsigned v = 0, nbits = 0, pad = 0;

	for (; *s; s++) {
		const char *hit;

		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			continue;
		if (*s == '=') {
			pad++;
			continue;
		}
		hit = strchr(b64, *s);
		if (!hit || pad)
			goto bad;
		v = v << 6 | (unsigned)(hit - b64);
		nbits += 6;
		if (nbits >= 8) {
			nbits -= 8;
			sbuf_addc(&b, (char)(v >> nbits & 0xff));
		}
	}
	if (pad > 2 || nbits >= 6)
		goto bad;
	*outlen = b.len;
	*out = (unsigned char *)sbuf_detach(&b);
	return 0;
bad:
	sbuf_release(&b);
	return -1;
}
