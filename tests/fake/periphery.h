/* periphery.h - internals of fake-periphery, the Komodo Periphery test double
 * SPDX-License-Identifier: MIT
 *
 * fake-periphery stands in for the real `periphery` binary in package tests.
 * It loads and validates the same TOML config the real agent reads, but is
 * deliberately louder: anything a package should never ship (unknown keys,
 * wrong types, unparsable files, list items the real agent would silently
 * drop) is a hard error. The runtime part is small: a TLS/plain HTTP/1.1
 * listener answering the health-check requests, the allow-list and passkey
 * guards, and the SIGTERM behaviour.
 *
 * Modules:
 *   periphery_util.c    allocation, growable strings, logging, small fs helpers
 *   periphery_toml.c    strict TOML 1.0 parser into a tval tree
 *   periphery_config.c  config paths, merge, env overrides, schema, defaults
 *   periphery_net.c     IP/CIDR matching, HTTP server, TLS
 *   periphery_keys.c    v2 X25519 key pair files and `periphery key ...`
 *   periphery_probe.c   test-only FakeSandboxProbe request (systemd sandbox)
 *   periphery_main.c    command line, version, startup side effects
 *
 * Conventions: functions return 0 or -1 and report their own error once;
 * out of memory is fatal (die). Functions returning allocated memory say so.
 */
#ifndef FAKE_PERIPHERY_H
#define FAKE_PERIPHERY_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Exit statuses. 2 for config/usage errors (clap uses 2 for usage too);
 * 101 is what a Rust panic exits with, used where the real agent panics. */
#define EXIT_CONFIG 2
#define EXIT_PANIC 101

#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

/* ---- periphery_util.c ------------------------------------------------ */

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Returns a newly allocated formatted string. */
char *xasprintf(const char *fmt, ...) PRINTF_LIKE(1, 2);
_Noreturn void die(const char *fmt, ...) PRINTF_LIKE(1, 2);

/* Growable string; p is never NULL and always NUL-terminated. */
struct sbuf {
	char *p;
	size_t len, alloc;
};
extern char sbuf_slop[1];
#define SBUF_INIT { sbuf_slop, 0, 0 }
void sbuf_init(struct sbuf *b);
void sbuf_add(struct sbuf *b, const void *data, size_t n);
void sbuf_addc(struct sbuf *b, char c);
void sbuf_adds(struct sbuf *b, const char *s);
void sbuf_addf(struct sbuf *b, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* Appends s as a JSON string literal, quotes included. */
void sbuf_add_json_str(struct sbuf *b, const char *s);
/* Hands the string to the caller (free it) and resets b. */
char *sbuf_detach(struct sbuf *b);
void sbuf_release(struct sbuf *b);

enum plevel { PL_TRACE, PL_DEBUG, PL_INFO, PL_WARN, PL_ERROR };
enum pstdio { PS_STANDARD, PS_JSON, PS_NONE };

/* The logger writes one line per call to stdout (journald under systemd),
 * thread-safe. Before plog_setup() it logs at info in standard format. */
void plog_setup(enum plevel level, enum pstdio stdio);
bool plog_enabled(enum plevel level);
void plog(enum plevel level, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* Startup errors go to stderr directly: they must be seen even with
 * logging.stdio = "none". */
void perr(const char *fmt, ...) PRINTF_LIKE(1, 2);

/* mkdir -p; 0 on success or if it already is a directory. */
int mkdir_all(const char *path, unsigned mode);
/* Returns the parent directory of path (allocated); "." if none. */
char *path_parent(const char *path);
/* Reads a whole file (allocated, NUL-terminated); -1 with errno set. */
int read_file(const char *path, char **data, size_t *len);
/* Runs argv with stdin from /dev/null and stdout+stderr captured into out.
 * Returns the wait status, or -1 if it could not be started. */
int run_capture(char *const argv[], struct sbuf *out);
/* Base64 (standard alphabet, padded). Allocated result. */
char *base64_encode(const unsigned char *data, size_t n);
/* Decodes standard base64, ignoring whitespace; -1 on bad input. */
int base64_decode(const char *s, unsigned char **out, size_t *outlen);

/* ---- periphery_toml.c ------------------------------------------------ */

struct loc {
	const char *file;	/* borrowed; "" for built-in defaults */
	unsigned line, col;	/* 1-based; line 0 = not from a file */
};

enum tv_type { TV_STRING, TV_INT, TV_FLOAT, TV_BOOL, TV_ARRAY, TV_TABLE };

/* Table flags, needed to enforce TOML's "define once" rules. */
enum tv_flags {
	TF_HEADER = 1 << 0,	/* defined by a [header] */
	TF_IMPLICIT = 1 << 1,	/* created as the parent of a [a.b] header */
	TF_DOTTED = 1 << 2,	/* created by a dotted key */
	TF_INLINE = 1 << 3,	/* inline table: frozen */
	TF_AOT = 1 << 4,	/* array created by [[header]]: extendable */
	TF_DEFAULT = 1 << 5,	/* filled in from the schema default */
	TF_ENV = 1 << 6,	/* set from an environment variable */
};

struct tkv;

struct tval {
	enum tv_type type;
	unsigned flags;
	struct loc loc;
	char *s;		/* TV_STRING */
	long long i;		/* TV_INT */
	double f;		/* TV_FLOAT */
	bool b;			/* TV_BOOL */
	struct tval **items;	/* TV_ARRAY */
	size_t n, alloc;
	struct tkv *kv;		/* TV_TABLE */
	size_t nkv, akv;
};

struct tkv {
	char *key;
	struct tval *val;
	struct loc loc;		/* where the key was written */
};

/* Parses TOML text. On success returns the root table (free with
 * tval_free). On failure returns NULL and writes "<line>:<col> <message>"
 * into err. `file` is stored (borrowed) in every node's location. */
struct tval *toml_parse(const char *file, const char *src, size_t len,
			char *err, size_t errlen);
struct tval *tval_new(enum tv_type type, const struct loc *loc);
struct tval *tval_new_str(const char *s, const struct loc *loc);
void tval_free(struct tval *v);
const char *tv_type_name(const struct tval *v);
struct tkv *table_find(const struct tval *t, const char *key);
struct tval *table_get(const struct tval *t, const char *key);
/* Appends key (copied) -> v (owned by the table from now on). */
void table_put(struct tval *t, const char *key, struct tval *v,
	       const struct loc *loc);
/* Removes key and returns its value (caller owns it), or NULL. */
struct tval *table_take(struct tval *t, const char *key);
void array_push(struct tval *a, struct tval *v);

/* ---- periphery_config.c ---------------------------------------------- */

struct pver {
	unsigned major, minor, patch;
	char text[64];		/* as printed by --version */
};
#define PVER(a, b, c) ((a) * 1000000u + (b) * 1000u + (c))
unsigned pver_num(const struct pver *v);
/* Parses "1.19.5", "2.0.0-dev-35", ...; -1 if it does not start with
 * three dot-separated numbers. */
int pver_parse(const char *s, struct pver *v);

struct netmask {
	int family;		/* AF_INET or AF_INET6 */
	unsigned char addr[16];
	unsigned prefix;
};

struct load_opts {
	const char **paths;	/* --config-path / PERIPHERY_CONFIG_PATHS */
	size_t npaths;
	const char **keywords;	/* directory scan wildcards */
	size_t nkeywords;
	bool merge_nested, extend_arrays;
	const char *cli_log_level;	/* --log-level, or NULL */
	bool lenient;		/* FAKE_PERIPHERY_LENIENT: skip like real */
};

/* The effective configuration. Strings point into `tree` unless noted. */
struct pconf {
	struct tval *tree;	/* merged + env + defaults; owns the values */
	char **paths;		/* every config file found (owned) */
	size_t npaths;
	const char **files;	/* those actually loaded, in merge order */
	size_t nfiles;

	unsigned port;
	const char *bind_ip;
	const char *root;
	char *repo_dir, *stack_dir, *build_dir;		/* owned */
	bool ssl_enabled;
	char *ssl_key_file, *ssl_cert_file;		/* owned */
	const char **passkeys;				/* array owned */
	size_t npasskeys;
	struct netmask *allowed;			/* owned */
	size_t nallowed;
	enum plevel level;
	enum pstdio stdio;
	bool pretty_startup;

	/* v2 only */
	char *private_key;	/* owned; inline key or "file:/path" */
	bool have_core_public_keys;
	size_t ncore_addresses;
	const char *connect_as;
	bool server_enabled;	/* v1: always true */
};

/* Loads, merges and validates the config for version `ver`. Returns 0, or
 * the exit status to use (EXIT_CONFIG, EXIT_PANIC) after reporting; on
 * failure c needs no pconf_release(). */
int pconf_load(struct pconf *c, const struct pver *ver,
	       const struct load_opts *o);
void pconf_release(struct pconf *c);
/* The effective config as JSON, secrets redacted (allocated). */
char *pconf_json(const struct pconf *c, bool pretty);

/* ---- periphery_net.c ------------------------------------------------- */

/* Parses an IP or CIDR the way ipnetwork's IpNetwork does (no brackets);
 * a plain address gets a full-length prefix. */
int netmask_parse(const char *s, struct netmask *m);
/* Parses format!("{bind_ip}:{port}") the way Rust's SocketAddr does:
 * IPv4 "a.b.c.d" or bracketed IPv6 "[::1]". */
int bind_addr_parse(const char *bind_ip, unsigned port,
		    struct sockaddr_storage *ss, socklen_t *len);
/* Serves until SIGTERM (blocked by the caller, delivered via signalfd).
 * Returns the process exit status. */
int server_run(const struct pconf *c, const struct pver *v);
/* Outbound-only v2: no listener; waits for SIGTERM. Returns exit status. */
int wait_for_sigterm(void);

/* ---- periphery_probe.c ----------------------------------------------- */

/* Test-only FakeSandboxProbe: what the agent's job needs, tried from
 * inside the running agent; one "ok|fail|denied|writable ..." line each. */
void probe_run(const struct pconf *c, struct sbuf *out);

/* ---- periphery_keys.c ------------------------------------------------ */

/* Generates an X25519 pair: *priv = base64 PKCS#8 DER, *pub = base64 SPKI
 * DER (both allocated). */
int key_generate(char **priv, char **pub);
/* Computes the public key (allocated) of a private key given as base64
 * PKCS#8 DER or PEM. */
int key_compute(const char *priv, char **pub);
/* v2 startup: makes sure the `private_key` setting is usable, creating
 * file:<path> (0600) and <dir>/periphery.pub when missing. Returns 0, -1
 * for an invalid key (startup error) or -2 when the key file cannot be
 * written (the real agent panics). */
int key_ensure(const char *setting);
/* `periphery key generate|compute ...` (v2). Returns exit status. */
int cmd_key(int argc, char **argv);

#endif
