/* periphery_probe.c - test-only request FakeSandboxProbe
 * SPDX-License-Identifier: MIT
 *
 * The package's systemd sandbox must leave the agent able to do its job.
 * This probe runs, inside the running (sandboxed) agent, what the real one
 * does for Core: write below its root directory, read its config, run git
 * and other processes, open a pty, connect to the docker socket and to
 * TCP. It also tries to write where it must not. The results are plain
 * lines "ok NAME" / "fail NAME: why" / "denied NAME: errno text"; the
 * e2e suite (tests/e2e/sandbox.sh) asserts on them.
 *
 * Targets come from the environment (the package's EnvironmentFile):
 * FAKE_PROBE_SOCKET (unix socket path), FAKE_PROBE_TCP (host:port) and
 * FAKE_PROBE_RO (space-separated directories the agent's user owns but the
 * sandbox must keep read-only).
 */
#include "periphery.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../pkgtool/banned.h"

static void result(struct sbuf *out, const char *name, int ok,
		   const char *why)
{
	if (ok)
		sbuf_addf(out, "ok %s\n", name);
	else
		sbuf_addf(out, "fail %s: %s\n", name, why);
}

/* Also reports the mode a new file gets (0666 asked, as tools do), which
 * is what the unit's UMask= leaves for containers reading bind mounts. */
static void write_root(const struct pconf *c, struct sbuf *out)
{
	char *p = xasprintf("%s/.probe-write", c->root);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	int ok = fd >= 0 && write(fd, "x\n", 2) == 2;
	struct stat st;

	result(out, "write-root-directory", ok, strerror(errno));
	if (fd >= 0 && fstat(fd, &st) == 0)
		sbuf_addf(out, "created-mode %03o\n", st.st_mode & 07777);
	if (fd >= 0)
		close(fd);
	unlink(p);
	free(p);
}

static void read_config(const struct pconf *c, struct sbuf *out)
{
	char *data = NULL;
	size_t n = 0;
	int ok = c->nfiles && read_file(c->files[0], &data, &n) == 0 && n;

	result(out, "read-config", ok, c->nfiles ? strerror(errno) : "none");
	free(data);
}

/* Runs a shell command as the agent does (sh -c) and checks its output. */
static void run(struct sbuf *out, const char *name, const char *cmd,
		const char *arg0, const char *want)
{
	char *argv[] = { xstrdup("sh"), xstrdup("-c"), xstrdup(cmd),
			 xstrdup(arg0), NULL };
	struct sbuf o = SBUF_INIT;
	int st = run_capture(argv, &o);
	int ok = st >= 0 && WIFEXITED(st) && !WEXITSTATUS(st) &&
		 strstr(o.p, want);
	size_t i;

	for (i = 0; argv[i]; i++)
		free(argv[i]);

	if (ok)
		result(out, name, 1, NULL);
	else {
		char *why = xasprintf("status %d, output: %.200s", st, o.p);

		result(out, name, 0, why);
		free(why);
	}
	sbuf_release(&o);
}

static void pty(struct sbuf *out)
{
	char buf[16] = "";
	const char *name;
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC), s = -1;
	int ok = 0;

	if (m >= 0 && grantpt(m) == 0 && unlockpt(m) == 0 &&
	    (name = ptsname(m)) != NULL &&
	    (s = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC)) >= 0 &&
	    write(m, "hi\n", 3) == 3 && read(s, buf, sizeof(buf) - 1) > 0)
		ok = !strncmp(buf, "hi", 2);
	result(out, "pty", ok, strerror(errno));
	if (s >= 0)
		close(s);
	if (m >= 0)
		close(m);
}

static void unix_socket(struct sbuf *out)
{
	const char *path = getenv("FAKE_PROBE_SOCKET");
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd, ok;

	if (!path || strlen(path) >= sizeof(a.sun_path)) {
		result(out, "docker-socket", 0, "FAKE_PROBE_SOCKET not set");
		return;
	}
	memcpy(a.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	result(out, "docker-socket", ok, strerror(errno));
	if (fd >= 0)
		close(fd);
}

static void tcp(struct sbuf *out)
{
	const char *t = getenv("FAKE_PROBE_TCP");
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
	char *host, *port;
	int fd = -1, ok = 0, e;

	if (!t || !(port = strrchr(t, ':'))) {
		result(out, "tcp-connect", 0, "FAKE_PROBE_TCP not set");
		return;
	}
	host = xstrndup(t, (size_t)(port - t));
	e = getaddrinfo(host, port + 1, &hints, &ai);
	if (!e) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
			    ai->ai_protocol);
		ok = fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0;
	}
	result(out, "tcp-connect", ok, e ? gai_strerror(e) : strerror(errno));
	if (fd >= 0)
		close(fd);
	if (ai)
		freeaddrinfo(ai);
	free(host);
}

/* Creating a file must fail even where the user's own permissions allow
 * it: the reason must be the read-only mount (EROFS), not EACCES. */
static void read_only(struct sbuf *out)
{
	const char *env = getenv("FAKE_PROBE_RO");
	char *list, *dir, *save = NULL;

	if (!env || !*env) {
		result(out, "read-only", 0, "FAKE_PROBE_RO not set");
		return;
	}
	list = xstrdup(env);
	for (dir = strtok_r(list, " ", &save); dir;
	     dir = strtok_r(NULL, " ", &save)) {
		char *p = xasprintf("%s/.probe-write", dir);
		int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

		if (fd >= 0) {
			sbuf_addf(out, "writable %s\n", dir);
			close(fd);
			unlink(p);
		} else {
			sbuf_addf(out, "denied %s: %s\n", dir, strerror(errno));
		}
		free(p);
	}
	free(list);
}

void probe_run(const struct pconf *c, struct sbuf *out)
{
	write_root(c, out);
	read_config(c, out);
	run(out, "spawn", "echo spawned; sleep 0 & wait", "sh", "spawned");
	run(out, "git",
	    "cd \"$0\" && d=$(mktemp -d ./.probe-git.XXXXXX) "
	    "&& git init -q \"$d\" && git -C \"$d\" -c user.name=probe "
	    "-c user.email=probe@example.com commit -q --allow-empty -m p "
	    "&& git -C \"$d\" log --oneline | grep -c . && rm -rf \"$d\"",
	    c->root, "1");
	run(out, "git-config-home",
	    "git config --global fake.probe yes && "
	    "git config --global --unset fake.probe && echo home-ok",
	    "sh", "home-ok");
	pty(out);
	unix_socket(out);
	tcp(out);
	read_only(out);
}
