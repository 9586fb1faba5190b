/* cmd_build.c - pkgtool build SITE: every package of the site into out/
 * SPDX-License-Identifier: MIT
 *
 * All packages are written under temporary names in the output directory
 * first and renamed only when every one of them succeeded, so a failed or
 * interrupted build leaves the directory exactly as it was.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bgwrite.h"
#include "cstage.h"
#include "digest.h"
#include "fetch.h"
#include "fsutil.h"
#include "keypair.h"
#include "outdir.h"
#include "pkg.h"
#include "pkgtool.h"
#include "plan.h"
#include "repo.h"
#include "resolve.h"
#include "rpm.h"
#include "sign.h"
#include "state.h"
#include "sval.h"
#include "util.h"
#include "banned.h"

struct output {
	char tmp[4096];		/* "" when final already holds the bytes */
	char final[4096];
	int secret;
	char *pattern;		/* its older siblings' names (outdir.h) */
};


/* Temp files to remove if a signal ends the build; allocated before the
 * handlers are installed and never moved while they are. The handler
 * can reach nothing else, hence file scope. */
static struct output *outs;
static size_t max_outs;
static volatile sig_atomic_t nr_outs;

/* build --sign KEY / --publish DIR (pkgtool repo) */
static char *sign_fpr;
static char **published;
static int nr_published;

static int sign_resolve(const char *key)
{
	struct signer *sg;

	if (sign_open(&sg, key) < 0)
		return -1;
	sign_fpr = xstrdup(sign_fingerprint(sg));
	sign_close(sg);
	return 0;
}

static void published_add(const char *path)
{
	published = xrealloc(published, (size_t)(nr_published + 1) *
						 sizeof(*published));
	published[nr_published++] = xstrdup(path);
}

static void on_signal(int sig)
{
	sig_atomic_t i;

	for (i = 0; i < nr_outs; i++)
		unlink(outs[i].tmp);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void remove_temps(void)
{
	sig_atomic_t i;

	for (i = 0; i < nr_outs; i++)
		unlink(outs[i].tmp);
	nr_outs = 0;
}

struct binopt {
	const char *arch; /* NULL = every architecture */
	const char *path;
};

static int parse_binary(const char *arg, struct binopt *b)
{
	const char *eq = strchr(arg, '=');

	b->arch = NULL;
	b->path = arg;
	if (eq && !strchr(arg, '/') ? 1 : (eq && strchr(arg, '/') > eq)) {
		static char arch[16];
		size_t n = (size_t)(eq - arg);

		if (n >= sizeof(arch))
			return error("--binary: bad architecture in '%s'", arg);
		memcpy(arch, arg, n);
		arch[n] = '\0';
		if (!strcmp(arch, "x86_64"))
			b->arch = "amd64";
		else if (!strcmp(arch, "aarch64"))
			b->arch = "arm64";
		else if (!strcmp(arch, "amd64") || !strcmp(arch, "arm64"))
			b->arch = strcmp(arch, "amd64") ? "arm64" : "amd64";
		else
			return error("--binary: unsupported architecture '%s' "
				     "(amd64 or arm64)",
				     arch);
		b->path = eq + 1;
	}
	return 0;
}

/* ELF e_machine of path: 62 x86-64, 183 aarch64; -1 if not ELF. */
static int elf_machine(const char *path)
{
	unsigned char h[20];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -2;
	n = read(fd, h, sizeof(h));
	close(fd);
	if (n != (ssize_t)sizeof(h) || memcmp(h, "\177ELF", 4))
		return -1;
	return h[5] == 1 ? h[18] | h[19] << 8 : h[19] | h[18] << 8;
}

static int binary_for(const struct plan_arch *a, const struct binopt *bins,
		      size_t nbins, const char **path, const struct loc **loc)
{
	static const struct loc cmdline = { NULL, 0, 0 };
	const char *arch = a->name;
	size_t i;
	int m, want = strcmp(arch, "amd64") ? 183 : 62;

	*path = a->binary;
	*loc = a->binary ? a->binary_loc : &cmdline;
	for (i = 0; i < nbins; i++)
		if (!bins[i].arch || !strcmp(bins[i].arch, arch)) {
			*path = bins[i].path;
			*loc = &cmdline;
		}
	if (!*path)
		return 1; /* none given: the release is downloaded */
	m = elf_machine(*path);
	if (m == -2)
		return error_at(*loc, "cannot read agent binary '%s': %s",
				*path, strerror(errno));
	if (m == -1)
		return error_at(*loc, "'komodo_binary_path': '%s' is not an ELF "
				      "executable", *path);
	if (m != want)
		return error_at(*loc, "'komodo_binary_path': '%s' is not an %s "
				      "binary (ELF machine "
				      "%d)",
				*path, arch, m);
	return 0;
}

/* The cached release asset must be an ELF of arch, too (komodo_bin may
 * name any asset). */
static int check_fetched(const char *path, const char *arch)
{
	int m = elf_machine(path);

	if (m != (strcmp(arch, "amd64") ? 183 : 62))
		return error("downloaded '%s' is not an %s binary (ELF machine "
			     "%d)",
			     path, arch, m);
	return 0;
}

static int64_t build_time(void)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	char *end;
	long long t;

	if (!sde || !sde[0])
		return (int64_t)time(NULL);
	errno = 0;
	t = strtoll(sde, &end, 10);
	if (errno || *end || t < 0)
		return error("SOURCE_DATE_EPOCH='%s' is not a number of "
			     "seconds",
			     sde);
	return (int64_t)t;
}

/* Compresses one planned package (p, freed here) and starts writing it
 * on bg. */
static int write_one(struct cstage *stage, const struct site *s,
		     const struct version *v, const struct plan_opts *po,
		     int secret, struct pkg *p, const char *outdir,
		     struct bgwrite *bg)
{
	struct output *o;
	struct plan_package pp;
	struct cout bytes;
	struct buf name = BUF_INIT;
	int r = -1;

	if ((size_t)nr_outs == max_outs)
		BUG("more packages than planned");
	o = &outs[nr_outs];
	/* one reading of the package's name for its file and its pattern */
	plan_package_init(&pp, s);
	plan_filename(&pp, v, po->format, po->arch, po->release, &name);
	if (strlen(outdir) + name.len + 16 > sizeof(o->tmp)) {
		buf_release(&name);
		return error("output path '%s' is too long", outdir);
	}
	if ((size_t)snprintf(o->final, sizeof(o->final), "%s/%s", outdir,
			     name.data) >= sizeof(o->final))
		BUG("output path checked above");
	outdir_pattern(po->format, pp.name, po->arch, &name);
	o->pattern = buf_detach(&name, NULL);
	o->tmp[0] = '\0';
	nr_outs++;
	o->secret = secret;
	cout_init(&bytes);
	r = po->format->make(p, stage, &bytes);
	if (!r)
		r = bgwrite_start(bg, stage, &bytes, o->final, o->tmp,
				  sizeof(o->tmp));
	cout_release(&bytes);
	pkg_release(p);
	return r;
}

static int finish_tmp(const struct output *o)
{
	int fd = open(o->tmp, O_RDONLY | O_CLOEXEC);

	/* packages with passkeys or tokens are not world-readable */
	if (fd < 0 || fchmod(fd, o->secret ? 0600 : 0644) < 0 ||
	    fsync(fd) < 0) {
		if (fd >= 0)
			close(fd);
		return error("cannot finish '%s': %s", o->tmp,
			     strerror(errno));
	}
	close(fd);
	return 0;
}

/* An unchanged package keeps its bytes; its mode still follows the
 * secrets rule (someone may have changed it). */
static int keep_final(const struct output *o)
{
	struct stat st;
	unsigned want = o->secret ? 0600 : 0644;

	if (lstat(o->final, &st) < 0)
		return error("cannot stat '%s': %s", o->final,
			     strerror(errno));
	if ((st.st_mode & 07777) != want && chmod(o->final, want) < 0)
		return error("cannot chmod '%s': %s", o->final,
			     strerror(errno));
	info("unchanged %s", o->final);
	return 0;
}

/* Once every package is in place: the files they supersede go, so that
 * ./out/NAME_*.deb names one package. */
static int prune_superseded(sig_atomic_t n)
{
	sig_atomic_t i;
	int r = 0;

	for (i = 0; i < n; i++)
		if (outdir_prune(outs[i].final, outs[i].pattern) < 0)
			r = -1;
	return r;
}

/* Makes the temp files durable, renames them all, then removes what they
 * superseded. */
static int publish(void)
{
	sig_atomic_t i, n;

	for (i = 0; i < nr_outs; i++) {
		if (!outs[i].tmp[0])
			continue;
		/* a signed rpm never equals the unsigned bytes compared in
		 * write_one(), so a build with --sign always signs anew */
		if (sign_fpr && ends_with(outs[i].final, ".rpm") &&
		    rpm_sign(outs[i].tmp, sign_fpr) < 0)
			return -1;
		if (finish_tmp(&outs[i]) < 0)
			return -1;
	}
	for (i = 0; i < nr_outs; i++) {
		struct stat st;

		published_add(outs[i].final);
		if (!outs[i].tmp[0]) {
			if (keep_final(&outs[i]) < 0)
				return -1;
			continue;
		}
		if (rename(outs[i].tmp, outs[i].final) < 0)
			return error("cannot rename '%s' to '%s': %s",
				     outs[i].tmp, outs[i].final,
				     strerror(errno));
		outs[i].tmp[0] = '\0';
		if (stat(outs[i].final, &st) == 0)
			info("wrote %s (%.1f MB)%s", outs[i].final,
			     (double)st.st_size / 1e6,
			     outs[i].secret ? ", mode 0600: it contains "
					      "secrets"
					    : "");
	}
	n = nr_outs;
	nr_outs = 0;
	return prune_superseded(n);
}

/* A package planned before anything is written. */
struct planned {
	struct plan_opts po;
	struct pkg p;
	char release[32];	/* from the state: raised when content changed */
};

/* One server's package set: the whole site, or one of its hosts. */
struct target {
	struct site s;
	struct version v;
	struct plan_host plan;	/* the host's build decisions */
	struct plan_state kept;	/* what the state file keeps for it */
	struct plan_source src;	/* where its agent comes from */
	char *fetched[8];	/* cache paths, owned */
	char dir[4096];
	int made_dir;
	struct cstage *stage;	/* the build's, shared by every target */
	struct state *st;	/* releases per package (state_pkg_release) */
	struct planned *pkgs;	/* planned once, written in this order */
	size_t nr_pkgs, alloc_pkgs;
};

/* The release of one planned package: the state raises the site's when
 * the package's content changed since the last build of this version (a
 * host that has the version installed would ignore it otherwise). A
 * raised release is planned again, so the package carries it. */
static int decide_release(struct target *t, struct planned *pl)
{
	struct buf key = BUF_INIT;
	const struct plan_package *pp = &t->plan.pkg;
	char digest[65];
	int raised, r = 0;

	pkg_content_digest(&pl->p, pl->po.binary_sha256, digest);
	buf_addf(&key, "%s/%s/%s/%s", t->s.host ? t->s.host : "_site",
		 pl->po.format->name, pl->po.arch, pl->p.version);
	state_pkg_release(t->st, key.data, digest, pp->release,
			  pp->release_set, pl->release, &raised);
	pl->po.release = pl->release;
	if (strcmp(pl->release, pp->release)) {
		pkg_release(&pl->p);
		pkg_init(&pl->p);
		r = plan_pkg(&t->s, &t->v, &pl->po, &pl->p);
	}
	if (raised)
		info("%s%s%s %s: the content changed, so the release is now "
		     "%s (version %s-%s)", t->s.host ? t->s.host : "",
		     t->s.host ? ": " : "", pl->po.format->name, pl->po.arch,
		     pl->release, pl->p.version, pl->release);
	buf_release(&key);
	return r;
}

/* Plans every package of the target, so that a render error stops the
 * build before the output directory is touched. */
static int plan_all(struct target *t, int64_t mtime)
{
	size_t i, f;

	for (i = 0; i < t->plan.nr_arches; i++)
		for (f = 0; f < t->plan.nr_formats; f++) {
			const struct plan_arch *a = &t->plan.arches[i];
			struct planned *pl;

			t->pkgs = xgrow(t->pkgs, t->nr_pkgs + 1, &t->alloc_pkgs,
					sizeof(*t->pkgs));
			pl = &t->pkgs[t->nr_pkgs++];
			memset(&pl->po, 0, sizeof(pl->po));
			pl->po.format = t->plan.formats[f].format;
			pl->po.comp = t->plan.formats[f].comp;
			pl->po.arch = a->name;
			pl->po.binary = a->binary;
			pl->po.binary_sha256 = a->sha256;
			pl->po.mtime = mtime;
			pl->po.state = &t->kept;
			pkg_init(&pl->p);
			if (plan_pkg(&t->s, &t->v, &pl->po, &pl->p) < 0 ||
			    decide_release(t, pl) < 0)
				return -1;
			max_outs++;
		}
	return 0;
}

static int write_all(struct target *t, struct bgwrite *bg)
{
	size_t i;
	int r = 0;

	for (i = 0; !r && i < t->nr_pkgs; i++) {
		/* the file name carries the package's own release (the
		 * array moved since it was planned) */
		t->pkgs[i].po.release = t->pkgs[i].release;
		r = write_one(t->stage, &t->s, &t->v, &t->pkgs[i].po,
			      t->plan.secrets, &t->pkgs[i].p, t->dir, bg);
	}
	return r;
}

/* Loads one target and checks everything that can fail before writing. */
static int prepare(struct target *t, const struct site *base, const char *host,
		   const char *outdir, const struct binopt *bins, size_t nbins,
		   const char *only, int64_t mtime, struct state *st,
		   const struct fetch_opts *fo)
{
	struct plan_server srv;
	size_t i;

	if (site_load_view(&t->s, base, host) < 0)
		return -1;
	plan_source_init(&t->src, &t->s);
	plan_server_init(&srv, &t->s);
	if (state_apply(st, &srv, STATE_CREATE, &t->kept) < 0 ||
	    resolve_version(&t->src, NULL, fo->cacert, &t->v) < 0 ||
	    keypair_apply(st, &srv, &t->v, STATE_CREATE, &t->kept) < 0)
		return -1;
	if (strlen(outdir) + (host ? strlen(host) + 1 : 0) >= sizeof(t->dir))
		return error("output path '%s' is too long", outdir);
	memcpy(t->dir, outdir, strlen(outdir) + 1);
	if (host) {
		t->dir[strlen(outdir)] = '/';
		memcpy(t->dir + strlen(outdir) + 1, host, strlen(host) + 1);
	}
	plan_host_init(&t->plan, &t->s, &t->kept, only);
	for (i = 0; i < t->plan.nr_arches; i++) {
		struct plan_arch *a = &t->plan.arches[i];
		const struct loc *loc;
		int b = binary_for(a, bins, nbins, &a->binary, &loc);

		if (b < 0)
			return -1;
		if (b > 0) {
			/* fetch_binary() hashed and verified it */
			if (fetch_binary(&t->src, &t->v, a->name, fo,
					 &t->fetched[i], a->sha256) < 0 ||
			    check_fetched(t->fetched[i], a->name) < 0)
				return -1;
			a->binary = t->fetched[i];
		} else {
			/* the stage reads it once for the whole build */
			const struct cstage_src *src;

			if (cstage_src(t->stage, a->binary, &src) < 0)
				return -1;
			memcpy(a->sha256, src->sha256, sizeof(a->sha256));
		}
	}
	/* plan every package before touching the output directory, so that
	 * render errors leave it exactly as it was */
	return plan_all(t, mtime);
}

static int parse_jobs(const char *arg)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(arg, &end, 10);
	if (errno || *end || n < 1 || n > 64)
		return error("--jobs must be a number from 1 to 64");
	return (int)n;
}

/* The stage compresses on every core unless told otherwise (the bytes
 * do not depend on it), with its block cache beside the download cache;
 * without a cache directory it still reuses blocks within the build. */
static struct cstage *stage_open(const struct fetch_opts *fo, int jobs)
{
	struct buf dir = BUF_INIT;
	struct cstage *st;
	long n = jobs ? jobs : sysconf(_SC_NPROCESSORS_ONLN);

	/* no cache directory at all: blocks are still shared in memory */
	int none = !fo->cache_dir && !getenv("XDG_CACHE_HOME") &&
		   !getenv("HOME");

	if (!none && fetch_cache_dir(fo, &dir) < 0) {
		buf_release(&dir);
		return NULL;
	}
	st = cstage_new(none ? NULL : dir.data,
			n < 1 ? 1 : n > 64 ? 64 : (unsigned)n);
	buf_release(&dir);
	/* every package goes through bgwrite, which finishes it */
	if (st)
		cstage_allow_defer(st);
	return st;
}

static void summary(const struct cstage *stage)
{
	struct buf line = BUF_INIT;

	cstage_summary(stage, &line);
	info("%s", line.data);
	buf_release(&line);
}

static int make_dir(const char *dir, int *made)
{
	if (mkdir(dir, 0755) == 0) {
		*made = 1;
		return 0;
	}
	if (errno == EEXIST)
		return 0;
	return error("cannot create '%s': %s", dir, strerror(errno));
}

/* Removes the directories fs_mkdir_p() made for --out, deepest first. */
static void unmake_out_dir(const char *dir, const struct buf *made)
{
	struct buf d = BUF_INIT;
	char *slash;

	if (!made->len)
		return;
	buf_addstr(&d, dir);
	while (d.len >= made->len) {
		rmdir(d.data);
		slash = strrchr(d.data, '/');
		if (!slash || slash == d.data)
			break;
		buf_truncate(&d, (size_t)(slash - d.data));
	}
	buf_release(&d);
}

/* Writes every package of every target, then publishes them all. */
static int write_targets(struct target *targets, size_t n)
{
	struct bgwrite bg;
	size_t i;
	int r = -1;

	bgwrite_init(&bg);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	for (i = 0; i < n; i++) {
		struct target *t = &targets[i];

		info("building Komodo Periphery %s (%s scope)%s%s", t->v.text,
		     t->plan.pkg.system_scope ? "system" : "user",
		     t->s.host ? " for " : "", t->s.host ? t->s.host : "");
		if (write_all(t, &bg) < 0)
			goto out;
	}
	if (bgwrite_wait(&bg, 1) < 0 || publish() < 0)
		goto out;
	summary(targets[0].stage);
	r = 0;
out:
	/* an error is already reported: the write in flight adds none */
	bgwrite_release(&bg);
	remove_temps();
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	return r;
}

static void release_targets(struct target *targets, size_t n, int failed)
{
	size_t i, j;

	for (i = 0; targets && i < n; i++) {
		/* a failed build leaves no new directory behind either */
		if (failed && targets[i].made_dir)
			rmdir(targets[i].dir);
		for (j = 0; j < targets[i].nr_pkgs; j++)
			pkg_release(&targets[i].pkgs[j].p);
		free(targets[i].pkgs);
		site_release(&targets[i].s);
		plan_state_release(&targets[i].kept);
		for (j = 0; j < ARRAY_SIZE(targets[i].fetched); j++)
			free(targets[i].fetched[j]);
	}
}

struct build_opts {
	struct fetch_opts fo;
	struct binopt bins[8];
	size_t nbins, nwant;
	const char **want_hosts;	/* --host, malloc'd */
	const char *outdir, *only;
	const char *sign_key, *publish_dir; /* --sign, --publish */
	int jobs;			/* 0: every core */
};

enum { OPT_SIGN = CLI_LONG, OPT_PUBLISH };

static const struct cli_opt build_options[] = {
	{ "out", 'o', "DIR", "write the packages into DIR (default: out)" },
	{ "host", 'H', "NAME",
	  "only host NAME of the site's hosts (repeatable)" },
	{ "binary", 'b', "[ARCH=]PATH",
	  "ship PATH as the agent (per ARCH); no download" },
	{ "format", 'f', "deb|rpm",
	  "only this format (default: package_formats)" },
	{ "jobs", 'j', "N",
	  "compress with N threads (default: all cores)" },
	{ "sign", OPT_SIGN, "KEY", "sign the .rpm files with GnuPG key KEY" },
	{ "publish", OPT_PUBLISH, "DIR",
	  "then add them to the repository DIR (repo add)" },
	FETCH_CLI_OPTIONS,
	{ NULL, 0, NULL, NULL },
};

const struct cli_cmd build_cmd = {
	.name = "build",
	.fn = cmd_build,
	.args = "SITE",
	.summary = "Build the .deb and .rpm packages of a site file.",
	.desc = "A site with hosts: gets one set per host, under OUT/HOST/. "
		"The agent binary is\ndownloaded and verified (see fetch) "
		"unless --binary or komodo_binary_path\nnames one.",
	.opts = build_options,
	.example = "pkgtool build site.yml --out out\n"
		   "pkgtool build site.yml --binary ./periphery --format deb",
};

/* 0, or 2 (usage) after reporting; -1 after printing the help. */
static int parse_opts(int argc, char **argv, struct build_opts *o)
{
	struct buf names = BUF_INIT;
	int c;

	o->outdir = "out";
	while ((c = cli_getopt(argc, argv, &build_cmd)) != -1) {
		if (fetch_opts_parse(&o->fo, c, optarg))
			continue;
		if (c == 'o') {
			o->outdir = optarg;
		} else if (c == 'b') {
			if (o->nbins == ARRAY_SIZE(o->bins) ||
			    parse_binary(optarg, &o->bins[o->nbins]) < 0)
				return 2;
			o->nbins++;
		} else if (c == 'f' && !pkg_format_find(optarg)) {
			pkg_format_names(&names);
			error("--format must be %s", names.data);
			buf_release(&names);
			return 2;
		} else if (c == 'f') {
			o->only = optarg;
		} else if (c == 'j') {
			o->jobs = parse_jobs(optarg);
			if (o->jobs < 0)
				return 2;
		} else if (c == OPT_SIGN) {
			o->sign_key = optarg;
		} else if (c == OPT_PUBLISH) {
			o->publish_dir = optarg;
		} else if (c == 'H') {
			o->want_hosts = xrealloc(o->want_hosts,
						 (o->nwant + 1) *
							 sizeof(*o->want_hosts));
			o->want_hosts[o->nwant++] = optarg;
		} else if (c == CLI_HELP) {
			return -1;
		} else {
			return 2;
		}
	}
	if (optind + 1 != argc)
		return cli_usage(&build_cmd);
	return 0;
}

/* The build's packages into the repository of --publish; 0 or 1. */
static int publish_to_repo(const struct build_opts *bo, int per_host)
{
	struct repo_opts ro;

	memset(&ro, 0, sizeof(ro));
	ro.key = bo->sign_key;
	ro.per_host = per_host;
	if (repo_add(bo->publish_dir, published, nr_published, &ro) < 0) {
		error("the packages are in '%s', but not in the repository "
		      "'%s'", bo->outdir, bo->publish_dir);
		return 1;
	}
	return 0;
}

/* The file-scope state of one build, for the next (unit tests run
 * several in one process). */
static void release_outputs(void)
{
	size_t i;
	int k;

	for (i = 0; outs && i < max_outs; i++)
		free(outs[i].pattern);
	free(outs);
	outs = NULL;
	max_outs = 0;
	for (k = 0; k < nr_published; k++)
		free(published[k]);
	free(published);
	published = NULL;
	nr_published = 0;
	free(sign_fpr);
	sign_fpr = NULL;
}

int cmd_build(int argc, char **argv)
{
	struct build_opts bo;
	const char **want_hosts;
	size_t nwant, ntargets = 0, i;
	const char *outdir;
	struct target *targets = NULL;
	struct cstage *stage = NULL;
	struct site base;
	struct state st;
	struct buf made_out = BUF_INIT;
	int c, r = 1;
	int64_t mtime;

	memset(&bo, 0, sizeof(bo));
	c = parse_opts(argc, argv, &bo);
	want_hosts = bo.want_hosts;
	nwant = bo.nwant;
	outdir = bo.outdir;
	if (c) {
		free(want_hosts);
		return c < 0 ? 0 : c;
	}
	if (bo.sign_key && sign_resolve(bo.sign_key) < 0) {
		free(want_hosts);
		return 1;
	}
	mtime = build_time();
	if (mtime < 0) {
		free(want_hosts);
		free(sign_fpr);
		sign_fpr = NULL;
		return 1;
	}
	/* the whole site first: it lists the hosts */
	memset(&st, 0, sizeof(st));
	if (site_load(&base, argv[optind]) < 0 ||
	    state_load(&st, argv[optind]) < 0)
		goto out;
	if (!nwant && base.nr_hosts) {
		want_hosts = xrealloc(want_hosts,
				      base.nr_hosts * sizeof(*want_hosts));
		for (i = 0; i < base.nr_hosts; i++)
			want_hosts[nwant++] = base.hosts[i];
	}
	ntargets = nwant ? nwant : 1;
	targets = xcalloc(ntargets, sizeof(*targets));
	stage = stage_open(&bo.fo, bo.jobs);
	if (!stage)
		goto out;
	for (i = 0; i < ntargets; i++) {
		targets[i].stage = stage;
		targets[i].st = &st;
	}
	for (i = 0; i < ntargets; i++)
		if (prepare(&targets[i], &base,
			    nwant ? want_hosts[i] : NULL, outdir, bo.bins,
			    bo.nbins, bo.only, mtime, &st, &bo.fo) < 0)
			goto out;
	/* generated passkeys are kept before any package carries them */
	if (state_save(&st) < 0)
		goto out;

	outs = xcalloc(max_outs, sizeof(*outs));
	if (fs_mkdir_p(outdir, 0755, &made_out) < 0)
		goto out;
	for (i = 0; i < ntargets; i++)
		if (nwant && make_dir(targets[i].dir, &targets[i].made_dir) < 0)
			goto out;
	if (write_targets(targets, ntargets) < 0)
		goto out;
	r = bo.publish_dir ? publish_to_repo(&bo, nwant > 0) : 0;
out:
	release_targets(targets, ntargets, r);
	if (r)
		unmake_out_dir(outdir, &made_out);
	buf_release(&made_out);
	free(targets);
	free(want_hosts);
	release_outputs();
	cstage_free(stage);
	site_release(&base);
	state_release(&st);
	return r;
}
