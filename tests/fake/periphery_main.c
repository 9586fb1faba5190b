/* periphery_main.c - fake-periphery: command line, version, startup
 * SPDX-License-Identifier: MIT
 *
 * A test double for the Komodo Periphery agent (`periphery`), used by the
 * package tests in place of the real binary, which cannot be downloaded in
 * CI. It accepts the real command line and config, fails loudly on
 * anything a package should never ship, performs the startup side effects
 * that packaging has to get right (directories, self-signed certs, v2 key
 * files) and answers health checks. See periphery.h for the module map.
 *
 * Version: compiled in (-DFAKE_VERSION="2.3.2", default 1.19.5), replaced
 * by a trailing marker "FAKEVER=<ver>\n" in the last 64 bytes of the
 * executable (tests append one to a copy to make "a newer binary" without
 * rebuilding; the marker travels with the file into containers and
 * systemd units), and by FAKE_PERIPHERY_VERSION if set.
 *
 * Test-double-only switches: --check-config, FAKE_PERIPHERY_LENIENT.
 */
#include "periphery.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../pkgtool/banned.h"

#ifndef FAKE_VERSION
#define FAKE_VERSION "1.19.5"
#endif

#define MARKER "FAKEVER="
#define MARKER_WINDOW 64

static const char usage_text[] =
	"Komodo Periphery (fake-periphery test double)\n"
	"\n"
	"Usage: periphery [OPTIONS]\n"
	"       periphery key <generate|compute> ...   (v2)\n"
	"\n"
	"Options:\n"
	"  -c, --config-path <PATH>             config file or directory; "
	"repeatable\n"
	"  -m, --config-keyword <WILDCARD>      file-name wildcard for "
	"directories\n"
	"      --merge-nested-config <BOOL>     merge nested tables across "
	"files\n"
	"      --extend-config-arrays <BOOL>    concatenate arrays across "
	"files\n"
	"      --log-level <LEVEL>              error, warn, info, debug, "
	"trace\n"
	"      --check-config                   (fake) load + validate, "
	"print \"config ok\"\n"
	"  -h, --help                           print help\n"
	"  -V, --version                        print version\n";

/* Reads "FAKEVER=<ver>\n" from the end of our own executable. Returns 1
 * with v filled, 0 if there is no marker, -1 for a malformed marker. */
static int version_from_marker(struct pver *v)
{
	char tail[MARKER_WINDOW + 1], *hit = NULL, *p, *nl;
	struct stat st;
	ssize_t n;
	off_t off;
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return 0;
	}
	off = st.st_size > MARKER_WINDOW ? st.st_size - MARKER_WINDOW : 0;
	n = pread(fd, tail, MARKER_WINDOW, off);
	close(fd);
	if (n <= 0)
		return 0;
	tail[n] = '\0';
	/* The tail may hold NULs from the ELF itself: search byte-wise. */
	for (p = tail; p + sizeof(MARKER) - 1 <= tail + n; p++)
		if (!memcmp(p, MARKER, sizeof(MARKER) - 1))
			hit = p;	/* the last marker wins */
	if (!hit)
		return 0;
	hit += sizeof(MARKER) - 1;
	nl = memchr(hit, '\n', (size_t)(tail + n - hit));
	if (!nl)
		return -1;
	*nl = '\0';
	return pver_parse(hit, v) < 0 ? -1 : 1;
}

static int find_version(struct pver *v)
{
	const char *env = getenv("FAKE_PERIPHERY_VERSION");
	int m;

	if (env && *env) {
		if (pver_parse(env, v) < 0) {
			perr("fake-periphery: error: invalid "
			     "FAKE_PERIPHERY_VERSION '%s'", env);
			return -1;
		}
		return 0;
	}
	m = version_from_marker(v);
	if (m < 0) {
		perr("fake-periphery: error: malformed %s marker at the end "
		     "of the executable (want %s<x.y.z>\\n)", MARKER, MARKER);
		return -1;
	}
	if (m == 0 && pver_parse(FAKE_VERSION, v) < 0) {
		perr("fake-periphery: error: bad compiled-in version '%s'",
		     FAKE_VERSION);
		return -1;
	}
	return 0;
}

/* ---- command line ------------------------------------------------------ */

struct args {
	const char **paths, **keywords;
	size_t npaths, nkeywords;
	const char *merge_nested, *extend_arrays, *log_level;
	bool check_config;
	int key_index;		/* argv index of "key", or 0 */
};

static void push(const char ***list, size_t *n, const char *s)
{
	*list = xrealloc((void *)*list, (*n + 1) * sizeof(**list));
	(*list)[(*n)++] = s;
}

/* Matches --long, --long=value, -s value, -svalue. Returns 1 and sets
 * *value (NULL for flags) on a match, 0 if not this option, -1 if the
 * value is missing. */
static int opt(int argc, char **argv, int *i, const char *lng, char shrt,
	       bool takes, const char **value)
{
	const char *a = argv[*i];
	size_t n = strlen(lng);

	*value = NULL;
	if (!strncmp(a, "--", 2) && !strncmp(a + 2, lng, n) &&
	    (a[2 + n] == '\0' || (takes && a[2 + n] == '='))) {
		if (a[2 + n] == '=') {
			*value = a + 3 + n;
			return 1;
		}
	} else if (shrt && a[0] == '-' && a[1] == shrt) {
		if (a[2]) {
			if (!takes)
				return 0;
			*value = a[2] == '=' ? a + 3 : a + 2;
			return 1;
		}
	} else {
		return 0;
	}
	if (!takes)
		return 1;
	if (*i + 1 >= argc)
		return -1;
	*value = argv[++*i];
	return 1;
}

static bool is_level(const char *s)
{
	return !strcmp(s, "error") || !strcmp(s, "warn") ||
	       !strcmp(s, "info") || !strcmp(s, "debug") ||
	       !strcmp(s, "trace");
}

/* Returns -1 to continue, else an exit status (after printing). */
static int parse_args(int argc, char **argv, const struct pver *ver,
		      struct args *a)
{
	int i, m;

	for (i = 1; i < argc; i++) {
		const char *val;

		if ((m = opt(argc, argv, &i, "version", 'V', false, &val))) {
			printf("periphery %s\n", ver->text);
			return fflush(stdout) ? 1 : 0;
		}
		if ((m = opt(argc, argv, &i, "help", 'h', false, &val))) {
			fputs(usage_text, stdout);
			return fflush(stdout) ? 1 : 0;
		}
		if ((m = opt(argc, argv, &i, "config-path", 'c', true,
			     &val)) > 0) {
			push(&a->paths, &a->npaths, val);
		} else if (m == 0 && (m = opt(argc, argv, &i,
					      "config-keyword", 'm', true,
					      &val)) > 0) {
			push(&a->keywords, &a->nkeywords, val);
		} else if (m == 0 && (m = opt(argc, argv, &i,
					      "merge-nested-config", 0, true,
					      &val)) > 0) {
			a->merge_nested = val;
		} else if (m == 0 && (m = opt(argc, argv, &i,
					      "extend-config-arrays", 0, true,
					      &val)) > 0) {
			a->extend_arrays = val;
		} else if (m == 0 && (m = opt(argc, argv, &i, "log-level", 0,
					      true, &val)) > 0) {
			if (!is_level(val)) {
				perr("error: invalid value '%s' for "
				     "'--log-level <LOG_LEVEL>'\n  [possible "
				     "values: error, warn, info, debug, "
				     "trace]", val);
				return EXIT_CONFIG;
			}
			a->log_level = val;
		} else if (m == 0 && (m = opt(argc, argv, &i, "check-config",
					      0, false, &val)) > 0) {
			a->check_config = true;
		} else if (m < 0) {
			perr("error: a value is required for '%s' but none "
			     "was supplied", argv[i]);
			return EXIT_CONFIG;
		} else if (ver->major >= 2 && (!strcmp(argv[i], "key") ||
					       !strcmp(argv[i], "k"))) {
			/* Handled before any config is loaded (§1). */
			a->key_index = i;
			return -1;
		} else {
			perr("error: unexpected argument '%s' found\n\n"
			     "Usage: periphery [OPTIONS]\n\n"
			     "For more information, try '--help'.", argv[i]);
			return EXIT_CONFIG;
		}
	}
	return -1;
}

static int parse_bool(const char *what, const char *s, bool *out)
{
	if (!strcmp(s, "true"))
		*out = true;
	else if (!strcmp(s, "false"))
		*out = false;
	else {
		perr("error: invalid value '%s' for '%s' [possible values: "
		     "true, false]", s, what);
		return -1;
	}
	return 0;
}

/* Comma list from the first set variable among names (split, not
 * trimmed, like envy). The strings are appended to *store (owned). */
static void env_list(const char *const *names, const char ***list,
		     size_t *n, char **store)
{
	const char *v = NULL;
	char *p, *next;

	for (; *names && !v; names++)
		v = getenv(*names);
	if (!v || !*v)
		return;
	*store = xstrdup(v);
	for (p = *store; p; p = next) {
		next = strchr(p, ',');
		if (next)
			*next++ = '\0';
		push(list, n, p);
	}
}

/* ---- startup side effects ---------------------------------------------- */

/* The real agent creates repo/stack/build dirs on first use (deploying a
 * stack, cloning a repo). The double creates them at startup, so a
 * package whose service user cannot write them fails at install-test time
 * instead of at the first deploy in production. */
static int ensure_dirs(const struct pconf *c, bool lenient)
{
	const char *dirs[] = { c->root, c->repo_dir, c->stack_dir,
			       c->build_dir };
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (mkdir_all(dirs[i], 0777) == 0)
			continue;
		perr("%s: cannot create directory '%s': %s (real Periphery "
		     "fails on first use instead)", lenient ? "WARN" :
		     "Error", dirs[i], strerror(errno));
		if (!lenient)
			return -1;
	}
	return 0;
}

/* §8: if either file is missing, create both parent dirs (errors
 * ignored) and run openssl through sh -c, unquoted like the real format!()
 * so a path with spaces breaks here as it does there. Real uses rsa:4096;
 * rsa:2048 keeps the tests fast and changes nothing packaging can see. */
static int ensure_certs(const struct pconf *c)
{
	struct sbuf out = SBUF_INIT;
	char *argv[4], *dir;
	int status;

	if (access(c->ssl_key_file, F_OK) == 0 &&
	    access(c->ssl_cert_file, F_OK) == 0)
		return 0;
	plog(PL_INFO, "Generating certs...");
	dir = path_parent(c->ssl_key_file);
	mkdir_all(dir, 0777);
	free(dir);
	dir = path_parent(c->ssl_cert_file);
	mkdir_all(dir, 0777);
	free(dir);

	argv[0] = xstrdup("sh");
	argv[1] = xstrdup("-c");
	argv[2] = xasprintf("openssl req -x509 -newkey rsa:2048 -keyout %s "
			    "-out %s -sha256 -days 3650 -nodes -subj "
			    "\"/C=XX/CN=periphery\"", c->ssl_key_file,
			    c->ssl_cert_file);
	argv[3] = NULL;
	status = run_capture(argv, &out);
	free(argv[0]);
	free(argv[1]);
	free(argv[2]);
	if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		perr("thread 'main' panicked at bin/periphery/src/ssl.rs:\n"
		     "\xf0\x9f\x9a\xa8 Failed to generate SSL Certs: %s",
		     out.len ? out.p : "openssl did not run");
		sbuf_release(&out);
		return -1;
	}
	sbuf_release(&out);
	plog(PL_INFO, "Generated SSL certs at %s", c->ssl_cert_file);
	return 0;
}

static void log_startup(const struct pconf *c, const struct pver *ver)
{
	char *json = pconf_json(c, c->pretty_startup);
	size_t i;

	plog(PL_INFO, "Komodo Periphery version: v%s", ver->text);
	for (i = 0; i < c->nfiles; i++)
		plog(PL_INFO, "Loaded config file %s", c->files[i]);
	if (!c->nfiles)
		plog(PL_WARN, "No config file loaded: running on defaults");
	plog(PL_INFO, "%s", json);
	free(json);
	plog(PL_DEBUG, "fake-periphery does not load .env files");

	if (ver->major == 1 && !c->npasskeys && !c->nallowed)
		plog(PL_WARN, "No passkeys and no allowed_ips: the API "
		     "(including terminals) is open to anyone who can reach "
		     "%s:%u", c->bind_ip, c->port);
	if (ver->major >= 2) {
		if (c->npasskeys)
			plog(PL_WARN, "'passkeys' is deprecated; use "
			     "core_public_keys");
		if (c->ncore_addresses && !c->connect_as[0])
			plog(PL_WARN, "core_addresses is set but connect_as "
			     "is empty: no outbound connection");
		if (c->server_enabled && !c->have_core_public_keys &&
		    !c->npasskeys)
			plog(PL_WARN, "Inbound connections are not "
			     "authenticated (no core_public_keys, no "
			     "passkeys)");
	}
}

static void print_paths(const struct args *a)
{
	struct sbuf b = SBUF_INIT;
	size_t i;

	/* v2 does println!("{config_paths:?}") before loading. */
	sbuf_addc(&b, '[');
	for (i = 0; i < a->npaths; i++) {
		if (i)
			sbuf_adds(&b, ", ");
		sbuf_add_json_str(&b, a->paths[i]);
	}
	sbuf_addc(&b, ']');
	printf("%s\n", b.p);
	fflush(stdout);
	sbuf_release(&b);
}

static int run(const struct args *a, const struct pver *ver)
{
	struct load_opts o = { 0 };
	struct pconf c;
	bool lenient = getenv("FAKE_PERIPHERY_LENIENT") != NULL;
	const char *v;
	int r;

	o.paths = a->paths;
	o.npaths = a->npaths;
	o.keywords = a->keywords;
	o.nkeywords = a->nkeywords;
	o.merge_nested = o.extend_arrays = true;
	o.cli_log_level = a->log_level;
	o.lenient = lenient;
	v = a->merge_nested ? a->merge_nested :
		getenv("PERIPHERY_MERGE_NESTED_CONFIG");
	if (v && parse_bool("--merge-nested-config", v, &o.merge_nested) < 0)
		return EXIT_CONFIG;
	v = a->extend_arrays ? a->extend_arrays :
		getenv("PERIPHERY_EXTEND_CONFIG_ARRAYS");
	if (v && parse_bool("--extend-config-arrays", v,
			    &o.extend_arrays) < 0)
		return EXIT_CONFIG;
	if (a->log_level)
		plog_setup(!strcmp(a->log_level, "debug") ? PL_DEBUG :
			   !strcmp(a->log_level, "trace") ? PL_TRACE : PL_INFO,
			   PS_STANDARD);

	print_paths(a);
	r = pconf_load(&c, ver, &o);
	if (r)
		return r;
	plog_setup(c.level, c.stdio);

	if (a->check_config) {
		char *json = pconf_json(&c, false);

		printf("%s\nconfig ok\n", json);
		free(json);
		r = fflush(stdout) ? 1 : 0;
		goto out;
	}
	log_startup(&c, ver);

	r = 1;
	if (ensure_dirs(&c, lenient) < 0)
		goto out;
	if (ver->major >= 2) {
		int k = key_ensure(c.private_key);

		if (k < 0) {
			r = k == -2 ? EXIT_PANIC : 1;
			goto out;
		}
	}
	if (!c.server_enabled) {
		plog(PL_INFO, "Inbound server disabled; outbound connection "
		     "to %zu core address(es) as '%s' is not emulated",
		     c.ncore_addresses, c.connect_as);
		r = wait_for_sigterm();
		goto out;
	}
	if (c.ssl_enabled && ensure_certs(&c) < 0) {
		r = EXIT_PANIC;
		goto out;
	}
	r = server_run(&c, ver);
out:
	pconf_release(&c);
	return r;
}

int main(int argc, char **argv)
{
	static const char *const path_vars[] = {
		"PERIPHERY_CONFIG_PATHS", "PERIPHERY_CONFIG_PATH", NULL,
	};
	static const char *const keyword_vars[] = {
		"PERIPHERY_CONFIG_KEYWORDS", "PERIPHERY_CONFIG_KEYWORD", NULL,
	};
	struct args a = { 0 };
	char *env_paths = NULL, *env_keywords = NULL;
	struct pver ver;
	sigset_t set;
	int r;

	/* SIGTERM is taken through a signalfd by the serving loop; block it
	 * before any thread exists so every thread inherits the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (find_version(&ver) < 0)
		return EXIT_CONFIG;
	r = parse_args(argc, argv, &ver, &a);
	if (r >= 0)
		goto out;
	if (a.key_index) {
		r = cmd_key(argc - a.key_index, argv + a.key_index);
		goto out;
	}
	/* --config-path replaces PERIPHERY_CONFIG_PATHS entirely. */
	if (!a.npaths)
		env_list(path_vars, &a.paths, &a.npaths, &env_paths);
	if (!a.nkeywords)
		env_list(keyword_vars, &a.keywords, &a.nkeywords,
			 &env_keywords);
	r = run(&a, &ver);
out:
	free((void *)a.paths);
	free((void *)a.keywords);
	free(env_paths);
	free(env_keywords);
	return r;
}
