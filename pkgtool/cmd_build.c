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

#include "deb.h"
#include "digest.h"
#include "pkg.h"
#include "pkgtool.h"
#include "plan.h"
#include "rpm.h"
#include "sval.h"
#include "util.h"
#include "banned.h"

#define MAX_OUT 16

struct output {
	char tmp[4096];
	char final[4096];
	int secret;
};

/* Temp files to remove if a signal ends the build. */
static struct output outs[MAX_OUT];
static volatile sig_atomic_t nr_outs;

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

static int binary_for(const struct site *s, const char *arch,
		      const struct binopt *bins, size_t nbins,
		      const char **path, const struct loc **loc)
{
	const struct sval *bp = site_get(s, "komodo_binary_path");
	static const struct loc cmdline = { NULL, 0, 0 };
	size_t i;
	int m, want = strcmp(arch, "amd64") ? 183 : 62;

	*path = NULL;
	*loc = &cmdline;
	for (i = 0; i < nbins; i++)
		if (!bins[i].arch || !strcmp(bins[i].arch, arch))
			*path = bins[i].path;
	if (!*path && bp->type == SV_MAP) {
		const struct sval *e = sval_map_get(bp, arch);

		if (e) {
			*path = e->str;
			*loc = &e->loc;
		}
	} else if (!*path && bp->type == SV_SCALAR && bp->str[0]) {
		*path = bp->str;
		*loc = &bp->loc;
	}
	if (!*path)
		return error_at(site_loc(s, "komodo_binary_path"),
				"no agent binary for %s: set "
				"'komodo_binary_path' (or pass --binary); "
				"downloading releases is not available in "
				"this build yet",
				arch);
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

static int write_one(const struct site *s, const struct version *v,
		     const struct plan_opts *po, const char *outdir)
{
	struct output *o;
	struct pkg p;
	struct buf name = BUF_INIT;
	int fd, r = -1;

	if (nr_outs == MAX_OUT)
		return error("too many packages in one build");
	o = &outs[nr_outs];
	plan_filename(s, v, po->format, po->arch, &name);
	snprintf(o->final, sizeof(o->final), "%s/%s", outdir, name.data);
	snprintf(o->tmp, sizeof(o->tmp), "%s/.%s.XXXXXX", outdir, name.data);
	buf_release(&name);
	fd = mkstemp(o->tmp);
	if (fd < 0)
		return error("cannot create a file in '%s': %s", outdir,
			     strerror(errno));
	close(fd);
	nr_outs++;
	o->secret = plan_has_secrets(s);
	pkg_init(&p);
	if (plan_pkg(s, v, po, &p) < 0)
		goto out;
	if (po->format == FORMAT_DEB)
		r = deb_write(&p, o->tmp);
	else
		r = rpm_write(&p, o->tmp);
out:
	pkg_release(&p);
	return r;
}

/* Makes the temp files durable, then renames them all. */
static int publish(void)
{
	sig_atomic_t i;

	for (i = 0; i < nr_outs; i++) {
		int fd = open(outs[i].tmp, O_RDONLY | O_CLOEXEC);

		/* packages with passkeys or tokens are not world-readable */
		if (fd < 0 || fchmod(fd, outs[i].secret ? 0600 : 0644) < 0 ||
		    fsync(fd) < 0) {
			if (fd >= 0)
				close(fd);
			return error("cannot finish '%s': %s", outs[i].tmp,
				     strerror(errno));
		}
		close(fd);
	}
	for (i = 0; i < nr_outs; i++) {
		struct stat st;

		if (rename(outs[i].tmp, outs[i].final) < 0)
			return error("cannot rename '%s' to '%s': %s",
				     outs[i].tmp, outs[i].final,
				     strerror(errno));
		if (stat(outs[i].final, &st) == 0)
			info("wrote %s (%.1f MB)%s", outs[i].final,
			     (double)st.st_size / 1e6,
			     outs[i].secret ? ", mode 0600: it contains "
					      "secrets"
					    : "");
	}
	nr_outs = 0;
	return 0;
}

static int want_format(const struct site *s, const char *only, const char *f)
{
	const struct sval *l = site_get(s, "package_formats");
	size_t i;

	if (only)
		return !strcmp(only, f);
	for (i = 0; i < l->n; i++)
		if (!strcmp(l->items[i]->str, f))
			return 1;
	return 0;
}

static int comp_of(const struct site *s, const char *fmt,
		   enum pkg_compression *c)
{
	const struct sval *v = site_get(s, "package_compression");
	const char *name = "xz";

	if (v->type == SV_MAP) {
		const struct sval *e = sval_map_get(v, fmt);

		if (e)
			name = e->str;
	} else {
		name = v->str;
	}
	*c = !strcmp(name, "zstd") ? COMP_ZSTD
	     : !strcmp(name, "gzip") ? COMP_GZIP
				     : COMP_XZ;
	return 0;
}

static void set_opts(const struct site *s, struct plan_opts *po, int rpm,
		     const char *arch, const char *bin, const char *sum,
		     int64_t mtime)
{
	memset(po, 0, sizeof(*po));
	po->format = rpm ? FORMAT_RPM : FORMAT_DEB;
	po->arch = arch;
	po->binary = bin;
	po->binary_sha256 = sum;
	po->mtime = mtime;
	comp_of(s, rpm ? "rpm" : "deb", &po->comp);
}

int cmd_build(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "binary", required_argument, NULL, 'b' },
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct binopt bins[8];
	size_t nbins = 0, i;
	const char *outdir = "out", *only = NULL;
	struct site s;
	struct version v;
	int c, r = 1, loaded = 0;
	int64_t mtime;

	while ((c = getopt_long(argc, argv, "o:b:f:", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			outdir = optarg;
			break;
		case 'b':
			if (nbins == ARRAY_SIZE(bins) ||
			    parse_binary(optarg, &bins[nbins]) < 0)
				return 2;
			nbins++;
			break;
		case 'f':
			if (strcmp(optarg, "deb") && strcmp(optarg, "rpm")) {
				error("--format must be deb or rpm");
				return 2;
			}
			only = optarg;
			break;
		default:
			return 2;
		}
	}
	if (optind + 1 != argc) {
		error("usage: pkgtool build SITE [--out DIR] [--binary "
		      "[ARCH=]PATH] [--format deb|rpm]");
		return 2;
	}
	mtime = build_time();
	if (mtime < 0)
		return 1;
	loaded = 1; /* site_release() is safe after a failed load */
	if (site_load(&s, argv[optind]) < 0)
		goto out;
	if (site_fixed_version(&s, NULL, &v) < 0)
		goto out;
	/* validate everything before the first byte is written */
	{
		const struct sval *arches = site_get(&s, "package_architectures");
		const char *paths[8];
		char sums[8][65];

		if (arches->n > ARRAY_SIZE(paths))
			BUG("too many architectures");
		for (i = 0; i < arches->n; i++) {
			const struct loc *loc;

			if (binary_for(&s, arches->items[i]->str, bins, nbins,
				       &paths[i], &loc) < 0)
				goto out;
			if (digest_file_sha256(paths[i], sums[i]) < 0)
				goto out;
		}
		/* plan every package before touching the output directory, so
		 * that render errors leave it exactly as it was */
		for (i = 0; i < arches->n; i++) {
			int f;

			for (f = 0; f < 2; f++) {
				struct plan_opts po;
				struct pkg p;
				int pr;

				if (!want_format(&s, only, f ? "rpm" : "deb"))
					continue;
				set_opts(&s, &po, f, arches->items[i]->str,
					 paths[i], sums[i], mtime);
				pkg_init(&p);
				pr = plan_pkg(&s, &v, &po, &p);
				pkg_release(&p);
				if (pr < 0)
					goto out;
			}
		}
		if (mkdir(outdir, 0755) < 0 && errno != EEXIST) {
			error("cannot create '%s': %s", outdir,
			      strerror(errno));
			goto out;
		}
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
		signal(SIGHUP, on_signal);
		info("building Komodo Periphery %s (%s scope)", v.text,
		     site_str(&s, "komodo_service_scope"));
		for (i = 0; i < arches->n; i++) {
			int f;

			for (f = 0; f < 2; f++) {
				struct plan_opts po;

				if (!want_format(&s, only, f ? "rpm" : "deb"))
					continue;
				set_opts(&s, &po, f, arches->items[i]->str,
					 paths[i], sums[i], mtime);
				if (write_one(&s, &v, &po, outdir) < 0)
					goto out;
			}
		}
	}
	if (publish() < 0)
		goto out;
	r = 0;
out:
	remove_temps();
	if (loaded)
		site_release(&s);
	return r;
}
