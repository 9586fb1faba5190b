# pkgtool - site file -> .deb and .rpm of the Komodo Periphery agent
# SPDX-License-Identifier: MIT

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
CFLAGS ?= -O2 -g
PKG_CONFIG ?= pkg-config
DEPS = yaml-0.1 libcurl libarchive rpm jansson zlib libcrypto gpgme \
	createrepo_c liblzma libzstd
# Developer builds fail on warnings; users building a release may pass WERROR=0.
WERROR ?= 1

WARN = -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes \
       -Wmissing-prototypes -Wold-style-definition -Wwrite-strings \
       -Wpointer-arith -Wvla -Wundef -Wcast-qual -Wimplicit-fallthrough \
       -Wno-unused-parameter
ifeq ($(WERROR),1)
WARN += -Werror
endif

# The one place the version lives: --version, the man pages, make install.
VERSION := $(shell cat VERSION)
VERSION_DEF = -DPKGTOOL_VERSION='"$(VERSION)"'

ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) \
	$(shell $(PKG_CONFIG) --cflags $(DEPS)) $(CFLAGS)
# librpmsign ships no .pc file; Debian 12's createrepo_c.pc says "-L
# -lcreaterepo_c" (empty libdir), which swallows the library: name it again.
LIBS = $(shell $(PKG_CONFIG) --libs $(DEPS)) -lcreaterepo_c -lrpmsign -lpthread

SRCS = $(sort $(filter-out pkgtool/embedded.c,$(wildcard pkgtool/*.c))) \
	pkgtool/embedded.c
OBJS = $(SRCS:.c=.o)
LIB_OBJS = $(filter-out pkgtool/main.o,$(OBJS))
HDRS = $(wildcard pkgtool/*.h)
UNIT_SRCS = $(wildcard tests/unit/*.c)
EMBED = config/defaults.yml $(sort $(wildcard templates/deb/* templates/rpm/* templates/*.sh))

# Man pages and the bash completion, generated from the option tables
# (pkgtool help --roff / --list-options) and config/defaults.yml.
DOCS = doc/pkgtool.1 doc/pkgtool-site.5 doc/pkgtool.bash
# The pages' date: SOURCE_DATE_EPOCH, else the last commit (reproducible).
MANDATE := $(shell date -u -d "@$${SOURCE_DATE_EPOCH:-$$(git log -1 \
	--format=%ct 2>/dev/null || date +%s)}" +%Y-%m-%d)

all: pkgtool/pkgtool tests/fake/fake-periphery $(DOCS)

pkgtool/pkgtool: $(OBJS)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(LIBS)

pkgtool/%.o: pkgtool/%.c $(HDRS)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

pkgtool/cli.o: VERSION
pkgtool/cli.o: ALL_CFLAGS += $(VERSION_DEF)

doc/pkgtool.1: doc/pkgtool.1.in scripts/mkman.sh pkgtool/pkgtool VERSION
	sh scripts/mkman.sh 1 pkgtool/pkgtool $(VERSION) $(MANDATE) < $< > $@.tmp
	mv $@.tmp $@

doc/pkgtool-site.5: doc/pkgtool-site.5.in scripts/mkman.sh config/defaults.yml \
		VERSION
	sh scripts/mkman.sh 5 config/defaults.yml $(VERSION) $(MANDATE) \
		< $< > $@.tmp
	mv $@.tmp $@

doc/pkgtool.bash: doc/pkgtool.bash.in scripts/mkcompletion.sh pkgtool/pkgtool
	sh scripts/mkcompletion.sh pkgtool/pkgtool < $< > $@.tmp
	mv $@.tmp $@

# config/defaults.yml and templates/ are compiled in: one source of truth,
# and an installed pkgtool needs no data directory.
pkgtool/embedded.c: scripts/embed.sh $(EMBED)
	sh scripts/embed.sh $(EMBED) > $@.tmp && mv $@.tmp $@

tests/unit/unit: $(UNIT_SRCS) $(LIB_OBJS) $(HDRS) tests/unit/harness.h
	$(CC) $(ALL_CFLAGS) -Ipkgtool $(LDFLAGS) -o $@ $(UNIT_SRCS) \
		$(LIB_OBJS) $(LIBS)

# The Periphery test double needs only libc + OpenSSL 3 (libssl-dev to
# build; libssl3 at run time, which the package's Depends: openssl brings).
tests/fake/fake-periphery: $(wildcard tests/fake/periphery*.c) \
		$(wildcard tests/fake/periphery*.h) pkgtool/banned.h
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(wildcard tests/fake/periphery*.c) \
		-lssl -lcrypto -lpthread

check: all tests/unit/unit fuzz-build
	PKGTOOL=$(CURDIR)/pkgtool/pkgtool sh scripts/check.sh

# libFuzzer targets (tests/fuzz/fuzz_*.c) link the library objects built
# again by clang with ASan + UBSan in a tree of their own. `make fuzz` runs
# each for FUZZ_TIME seconds on its corpus (tests/fuzz/corpus/<target>/,
# which grows); `make check` runs a short fixed-seed smoke of each.
FUZZ_CC ?= clang
FUZZ_TIME ?= 300
FUZZ_TARGETS = site json vault
FUZZ_BUILD = tests/tmp/fuzz
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all
# gcc's -Werror set is the gate; clang only builds the fuzzers here.
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE $(filter-out -Werror,$(WARN)) \
	$(shell $(PKG_CONFIG) --cflags $(DEPS)) -g -O1 -fno-omit-frame-pointer
FUZZ_OBJS = $(patsubst pkgtool/%.c,$(FUZZ_BUILD)/%.o,$(filter-out pkgtool/main.c,$(SRCS)))
FUZZ_BINS = $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz-%)

$(FUZZ_BUILD)/%.o: pkgtool/%.c $(HDRS)
	@mkdir -p $(FUZZ_BUILD)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_SAN) -c -o $@ $<

$(FUZZ_BUILD)/fuzz-%: tests/fuzz/fuzz_%.c $(FUZZ_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Ipkgtool -fsanitize=fuzzer $(FUZZ_SAN) \
		-o $@ $< $(FUZZ_OBJS) $(LIBS)

$(FUZZ_BUILD)/cli.o: VERSION
$(FUZZ_BUILD)/cli.o: FUZZ_CFLAGS += $(VERSION_DEF)

fuzz-build: $(FUZZ_BINS)

# kept (not make's intermediates): their removal would print after the test
# summary, whose line must come last, and rebuild them every time
.SECONDARY: $(FUZZ_OBJS)

fuzz: fuzz-build
	for t in $(FUZZ_TARGETS); do \
		sh tests/fuzz/run.sh $$t $(FUZZ_TIME) || exit 1; \
	done

# Sanitizer build in its own tree so the normal objects stay usable.
check-asan:
	$(MAKE) clean-bins
	$(MAKE) check CFLAGS="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
		LDFLAGS="-fsanitize=address,undefined" SKIP_E2E=1
	$(MAKE) clean-bins

install: pkgtool/pkgtool $(DOCS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(BASHCOMPDIR)
	install -m 755 pkgtool/pkgtool $(DESTDIR)$(BINDIR)/pkgtool
	install -m 644 doc/pkgtool.1 $(DESTDIR)$(MANDIR)/man1/pkgtool.1
	install -m 644 doc/pkgtool-site.5 $(DESTDIR)$(MANDIR)/man5/pkgtool-site.5
	install -m 644 doc/pkgtool.bash $(DESTDIR)$(BASHCOMPDIR)/pkgtool
	@echo "installed pkgtool $(VERSION) under $(DESTDIR)$(PREFIX)"

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/pkgtool $(DESTDIR)$(MANDIR)/man1/pkgtool.1 \
		$(DESTDIR)$(MANDIR)/man5/pkgtool-site.5 \
		$(DESTDIR)$(BASHCOMPDIR)/pkgtool

clean-bins:
	rm -f pkgtool/*.o pkgtool/pkgtool tests/unit/unit tests/fake/fake-periphery

clean: clean-bins
	rm -f pkgtool/embedded.c $(DOCS)
	rm -rf tests/tmp

.PHONY: all check check-asan install uninstall clean clean-bins fuzz fuzz-build
