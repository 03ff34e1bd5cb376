# MAX — build, test, run.  `make run` serves MAX on 127.0.0.1:$(MAX_PORT);
# `make check` runs every test (unit + end-to-end against real servers).
# `make check SAN=1` does the same with AddressSanitizer + UBSan.

CC      ?= cc
SAN     ?= 0
PKGS    := json-c sqlite3 libcrypto gdlib
CURLPKG := libcurl
STD     := -std=c11 -D_GNU_SOURCE -pthread
WARN    := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla -Wno-unused-parameter
OPT     ?= -O2 -g

ifeq ($(SAN),1)
BUILD   := build/san
OPT     := -O1 -g -fno-omit-frame-pointer
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all
else
BUILD   ?= build
SANFLAGS :=
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS  += $(STD) $(WARN) $(OPT) $(SANFLAGS) -Icore -I$(BUILD) $(PKG_CFLAGS) $(shell pkg-config --cflags $(CURLPKG)) -MMD -MP
LDFLAGS += $(SANFLAGS)
LIBS    := $(PKG_LIBS) -lscrypt -lm -ldl -pthread

CORE_SRC := $(sort $(wildcard core/*/*.c))
CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/schema.o
SCHEMA   := $(sort $(wildcard schema/[0-9]*.sql))
LIB      := $(BUILD)/libmax.a

FCGI_COMMON := $(BUILD)/obj/fcgi/adapter.o $(BUILD)/obj/fcgi/acceptor.o
PROGS := $(BUILD)/max.fcgi $(BUILD)/osiris.fcgi $(BUILD)/maxctl $(BUILD)/hello.fcgi
PROGS += $(BUILD)/max-bridge
PROGS += $(BUILD)/max-ldap-sync
PROGS += $(BUILD)/max-relay

UNIT_SRC := $(sort $(wildcard tests/unit/*.c))
E2E_SRC  := $(sort $(wildcard tests/e2e/*.c))
E2E_SRC  += tests/ldap/test_sync.c
TEST_PROGS := $(BUILD)/tests/unit $(BUILD)/tests/e2e

.PHONY: FORCE all deps check check-clang unit e2e e2e-apache e2e-realtime valgrind run bench clean format format-check doc doc-check layers help-check
all: $(PROGS)

deps:
	@./scripts/deps.sh

# the list of migrations, rewritten only when a file is added or renamed,
# so that a renamed migration (older than schema.c) still rebuilds it
$(BUILD)/schema.list: FORCE
	@mkdir -p $(@D)
	@echo $(SCHEMA) | cmp -s - $@ || echo $(SCHEMA) > $@

$(BUILD)/schema.c: $(SCHEMA) $(BUILD)/schema.list scripts/embed-schema.sh
	@mkdir -p $(@D)
	./scripts/embed-schema.sh $@ $(SCHEMA)

$(BUILD)/obj/schema.o: $(BUILD)/schema.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

$(LIB): $(CORE_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/max.fcgi: $(BUILD)/obj/fcgi/max.o $(FCGI_COMMON) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ -lfcgi $(LIBS)

$(BUILD)/osiris.fcgi: $(BUILD)/obj/fcgi/osiris.o $(FCGI_COMMON) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ -lfcgi $(LIBS)

# the LDAP client (core/ldap/) is linked only into the programs that use it
LDAP_LIBS := -lldap -llber
$(BUILD)/osiris.fcgi: LIBS += $(LDAP_LIBS)

# max-ldap-sync: tools/max-ldap-sync.c and its parts in tools/ldap_sync/
SYNC_SRC := tools/max-ldap-sync.c $(sort $(wildcard tools/ldap_sync/*.c))
$(BUILD)/obj/tools/ldap_sync/%.o $(BUILD)/obj/tools/max-ldap-sync.o: CFLAGS += -Itools
$(BUILD)/obj/tests/ldap/test_sync.o: CFLAGS += -Itests/e2e
$(BUILD)/max-ldap-sync: $(SYNC_SRC:%.c=$(BUILD)/obj/%.o) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) $(LDAP_LIBS)

$(BUILD)/hello.fcgi: $(BUILD)/obj/bench/hello.o
	$(CC) $(LDFLAGS) -o $@ $^ -lfcgi

# maxctl: tools/maxctl.c and its parts in tools/maxctl/
MAXCTL_PARTS := $(patsubst %.c,$(BUILD)/obj/%.o,$(sort $(wildcard tools/maxctl/*.c)))
$(BUILD)/maxctl: $(BUILD)/obj/tools/maxctl.o $(MAXCTL_PARTS) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

BRIDGE_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(sort $(wildcard tools/max-bridge/*.c)))
$(BUILD)/max-bridge: $(BRIDGE_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ -lrabbitmq $(shell pkg-config --libs $(CURLPKG)) $(LIBS)

# the realtime endpoint (/stomp SockJS, /ws): libwebsockets from Debian, on
# a libev loop (epoll; libwebsockets loads its libev plugin at start)
RELAY_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard tools/max-relay/*.c))
$(RELAY_OBJ): CFLAGS += $(shell pkg-config --cflags libwebsockets)
$(BUILD)/max-relay: $(RELAY_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(shell pkg-config --libs libwebsockets) -lev $(LIBS)

$(BUILD)/tests/unit: $(UNIT_SRC:%.c=$(BUILD)/obj/%.o) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ -lcunit $(LIBS)
# the unit tests check maxctl's explanation of every configuration key
$(BUILD)/tests/unit: $(BUILD)/obj/tools/maxctl/config_doc.o
# and max-bridge's APNs token cache (plain code, no HTTP)
$(BUILD)/tests/unit: $(BUILD)/obj/tools/max-bridge/iid.o

$(BUILD)/tests/e2e: LIBS += -lrabbitmq
$(BUILD)/tests/e2e: $(E2E_SRC:%.c=$(BUILD)/obj/%.o) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ -lcunit $(shell pkg-config --libs $(CURLPKG)) $(LIBS)

# torture: every write handler with its Nth SQLite allocation or file
# operation failing (tests/torture/main.c)
$(BUILD)/tests/torture: $(BUILD)/obj/tests/torture/main.o $(BUILD)/obj/tests/unit/fixture.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

.PHONY: torture
torture: $(BUILD)/tests/torture
	TORTURE_STEP=$(if $(filter 1,$(SAN)),7,1) $(BUILD)/tests/torture 2>$(BUILD)/tests/torture.log \
		|| { tail -20 $(BUILD)/tests/torture.log; exit 1; }
check: torture

# the LDAP client against a throw-away slapd, then the ldap and osiris
# end-to-end suites with the token server's LDAP store on (scripts/e2e-ldap.sh)
$(BUILD)/tests/ldap_client: $(BUILD)/obj/tests/ldap/test_client.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ -lcunit $(LIBS) $(LDAP_LIBS)

.PHONY: e2e-ldap
e2e-ldap: $(PROGS) $(BUILD)/tests/e2e $(BUILD)/tests/ldap_client
	./scripts/e2e-ldap.sh $(BUILD)
check: e2e-ldap

check: deps
	$(MAKE) --no-print-directory SAN=$(SAN) $(PROGS) $(TEST_PROGS)
	$(MAKE) --no-print-directory SAN=$(SAN) layers doc-check help-check format-check
	$(MAKE) --no-print-directory SAN=$(SAN) unit e2e e2e-apache
	$(MAKE) --no-print-directory SAN=$(SAN) e2e-realtime
	$(MAKE) --no-print-directory fuzz-short

# the same sources must build warning-free under clang as well
check-clang: deps
	$(MAKE) --no-print-directory CC=clang BUILD=build/clang all build/clang/tests/unit build/clang/tests/e2e

unit: $(BUILD)/tests/unit
	$(BUILD)/tests/unit

e2e: $(PROGS) $(BUILD)/tests/e2e
	./scripts/e2e.sh $(BUILD)

# the realtime suite: a private RabbitMQ node and max-bridge as well
e2e-realtime: $(PROGS) $(BUILD)/tests/e2e
	./scripts/e2e-realtime.sh $(BUILD)

# the same suite through Apache (scripts/apache.sh, doc/apache.md): mod_fcgid;
# mod_proxy_fcgi with two max.fcgi sharing one socket (requests alternate
# between workers, so ids made by both must still sort in creation order);
# the .htaccess set-up, routing and limits only
e2e-apache: $(PROGS) $(BUILD)/tests/e2e
	MAX_SERVER=apache MAX_APACHE_MODE=fcgid ./scripts/e2e.sh $(BUILD)
	MAX_SERVER=apache MAX_APACHE_MODE=proxy-fcgi E2E_PROCS=2 ./scripts/e2e.sh $(BUILD)
	MAX_SERVER=apache MAX_APACHE_MODE=htaccess ./scripts/e2e.sh $(BUILD) http osiris

# every worker under valgrind memcheck during the e2e suite (slow; not in check)
valgrind: $(PROGS) $(BUILD)/tests/e2e
	VALGRIND=1 ./scripts/e2e.sh $(BUILD)

run: deps
	$(MAKE) --no-print-directory $(PROGS)
	./scripts/run.sh $(BUILD)

bench: deps
	$(MAKE) --no-print-directory $(PROGS)
	./bench/run

FORMAT_SRC = $(wildcard core/*/*.[ch] fcgi/*.[ch] tools/*.c tools/*/*.[ch] tests/*/*.[ch] bench/*.c fuzz/*.c)

format:
	clang-format -i $(FORMAT_SRC)

# fails when a file differs from what `make format` would make of it
format-check:
	@clang-format --dry-run --Werror $(FORMAT_SRC)

# doc/endpoints.md is generated from the route table; check fails when stale
$(BUILD)/api-doc: $(BUILD)/obj/tools/api-doc.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

doc: $(BUILD)/api-doc
	$(BUILD)/api-doc > doc/endpoints.md

doc-check: $(BUILD)/api-doc
	@$(BUILD)/api-doc | cmp -s - doc/endpoints.md || \
		{ echo "doc/endpoints.md is stale: run make doc" >&2; exit 1; }

# the layer rule of core/ (scripts/check-layers.sh)
layers:
	@./scripts/check-layers.sh

# every program answers --help on stdout with its usage, and exits 0
help-check: $(PROGS)
	@for p in max.fcgi osiris.fcgi maxctl max-bridge max-ldap-sync; do \
		$(BUILD)/$$p --help | grep -q '^usage: '"$$p" || \
			{ echo "$$p --help does not print its usage" >&2; exit 1; }; \
	done

# bench/stream: the activity stream's seeding tool (not part of `all`)
$(BUILD)/seed_stream: $(BUILD)/obj/bench/seed_stream.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# bench/post_inproc.c: one post's (and comment's) cost inside the process
$(BUILD)/post_inproc: $(BUILD)/obj/bench/post_inproc.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)
# bench/commit_baseline.c: the raw commit rate a post is compared with
$(BUILD)/commit_baseline: $(BUILD)/obj/bench/commit_baseline.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)
# bench/bridge_rate: a plain confirm-mode publisher, and the outbox filler
$(BUILD)/publisher: $(BUILD)/obj/bench/publisher.o
	$(CC) $(LDFLAGS) -o $@ $^ -lrabbitmq
$(BUILD)/outbox_fill: $(BUILD)/obj/bench/outbox_fill.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# ---- fuzzing (clang libFuzzer + ASan/UBSan) ----------------------------------
# fuzz/fuzz_<target>.c against libmax built with coverage into build/fuzz;
# each target starts from fuzz/corpus/<target>; `make fuzz` keeps what it
# learns in build/fuzz/corpus/<target>; a crash lands in
# build/fuzz/crash-<target>-* (replay: build/fuzz/fuzz_<target> FILE).
# `make fuzz-short` (part of check): ~5 s per target; `make fuzz
# FUZZ_SECONDS=N`: N seconds per target.
FUZZ_TARGETS := request multipart router carrot config sanitize
FUZZ_SECONDS ?= 300
FUZZ_BUILD   := build/fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)

.PHONY: fuzz fuzz-short fuzz-build
fuzz-build:
	$(MAKE) --no-print-directory CC=clang BUILD=$(FUZZ_BUILD) OPT="-O1 -g" \
		SANFLAGS="$(FUZZ_SAN) -fsanitize=fuzzer-no-link" $(FUZZ_BUILD)/libmax.a
	$(MAKE) --no-print-directory CC=clang BUILD=$(FUZZ_BUILD) OPT="-O1 -g" \
		SANFLAGS="$(FUZZ_SAN) -fsanitize=fuzzer-no-link" $(FUZZ_BINS)

$(FUZZ_BUILD)/fuzz_%: fuzz/fuzz_%.c $(FUZZ_BUILD)/libmax.a
	$(CC) $(CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_BUILD)/libmax.a $(LIBS)

# runs each target for $(1) seconds with its working corpus in $(2)/<target>,
# one process per target, stopping at the first crash
fuzz_run = set -e; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(2)/$$t; \
		echo "fuzz: $$t for $(1) s"; \
		$(FUZZ_BUILD)/fuzz_$$t -max_total_time=$(1) -print_final_stats=1 \
			-artifact_prefix=$(FUZZ_BUILD)/crash-$$t- $(2)/$$t fuzz/corpus/$$t \
			> $(FUZZ_BUILD)/fuzz_$$t.log 2>&1 || { tail -n 60 $(FUZZ_BUILD)/fuzz_$$t.log; exit 1; }; \
		grep -h 'stat::number_of_executed_units' $(FUZZ_BUILD)/fuzz_$$t.log; \
	done

# the short run starts from the seeds alone, so that it stays short
fuzz-short: fuzz-build
	@rm -rf $(FUZZ_BUILD)/short
	@$(call fuzz_run,5,$(FUZZ_BUILD)/short)

fuzz: fuzz-build
	@$(call fuzz_run,$(FUZZ_SECONDS),$(FUZZ_BUILD)/corpus)

# ---- install ------------------------------------------------------------------
# make install [PREFIX=/usr/local] [DESTDIR=...]: programs, the sql/ views,
# a max.ini (kept when present) and its commented template, the web server
# templates, man pages, systemd units, sysusers/tmpfiles, cron and
# logrotate files (README "Operating MAX"). The schema is compiled in.
PREFIX        ?= /usr/local
SBINDIR       ?= $(PREFIX)/sbin
LIBEXECDIR    ?= $(PREFIX)/lib/max
DATADIR       ?= $(PREFIX)/share/max
MANDIR        ?= $(PREFIX)/share/man
SYSCONFDIR    ?= /etc
STATEDIR      ?= /var/lib/max
LOGDIR        ?= /var/log/max
UNITDIR       ?= $(PREFIX)/lib/systemd/system
ifeq ($(PREFIX),/usr)
SYSTEMDLIBDIR ?= /usr/lib
else
SYSTEMDLIBDIR ?= $(SYSCONFDIR)
endif
# the FastCGI workers go to LIBEXECDIR; every other program to SBINDIR
INSTALL_WORKERS := $(filter %.fcgi,$(filter-out %/hello.fcgi,$(PROGS)))
INSTALL_TOOLS   := $(sort $(filter-out %.fcgi,$(PROGS)) \
		   $(wildcard $(BUILD)/max-bridge $(BUILD)/max-relay $(BUILD)/max-ldap-sync))
MANPAGES := $(BUILD)/man/maxctl.8 $(BUILD)/man/max.ini.5 man/max-bridge.8 man/max-ldap-sync.8
SUBST = sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@LIBEXECDIR@|$(LIBEXECDIR)|g' \
	-e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' -e 's|@STATEDIR@|$(STATEDIR)|g' \
	-e 's|@LOGDIR@|$(LOGDIR)|g' -e 's|@DATADIR@|$(DATADIR)|g'

# the generated parts of the man pages: the key table and maxctl's commands
$(BUILD)/man/max.ini.5: man/max.ini.5.in $(BUILD)/maxctl
	@mkdir -p $(@D)
	$(BUILD)/maxctl config-template --roff > $@.keys
	sed -e '/^@KEYS@$$/r $@.keys' -e '/^@KEYS@$$/d' $< > $@ && rm -f $@.keys

$(BUILD)/man/maxctl.8: man/maxctl.8.in $(BUILD)/maxctl
	@mkdir -p $(@D)
	$(BUILD)/maxctl --roff-commands > $@.cmds
	sed -e '/^@COMMANDS@$$/r $@.cmds' -e '/^@COMMANDS@$$/d' $< > $@ && rm -f $@.cmds

$(BUILD)/max.ini.example: $(BUILD)/maxctl
	$(BUILD)/maxctl config-template > $@

.PHONY: install man
man: $(MANPAGES)

install: $(PROGS) $(MANPAGES) $(BUILD)/max.ini.example
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(DATADIR)/sql \
		$(DESTDIR)$(DATADIR)/lighttpd $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSTEMDLIBDIR)/sysusers.d \
		$(DESTDIR)$(SYSTEMDLIBDIR)/tmpfiles.d $(DESTDIR)$(SYSCONFDIR)/cron.d \
		$(DESTDIR)$(SYSCONFDIR)/logrotate.d
	install -d -m 0750 $(DESTDIR)$(SYSCONFDIR)/max
	install -m 0755 $(INSTALL_TOOLS) $(DESTDIR)$(SBINDIR)
	install -m 0755 $(INSTALL_WORKERS) $(DESTDIR)$(LIBEXECDIR)
	install -m 0644 sql/*.sql $(DESTDIR)$(DATADIR)/sql
	install -m 0644 $(BUILD)/max.ini.example $(DESTDIR)$(DATADIR)/max.ini.example
	install -m 0644 lighttpd/max.conf.in dist/lighttpd-systemd.conf $(DESTDIR)$(DATADIR)/lighttpd
	if [ -d apache ]; then install -d $(DESTDIR)$(DATADIR)/apache && \
		install -m 0644 apache/* $(DESTDIR)$(DATADIR)/apache; fi
	install -m 0644 $(filter %.5,$(MANPAGES)) $(DESTDIR)$(MANDIR)/man5
	install -m 0644 $(filter %.8,$(MANPAGES)) $(DESTDIR)$(MANDIR)/man8
	for f in max.socket max@.service max-write.socket max-write.service osiris.socket \
		osiris@.service max-bridge.service max-relay.service; do \
		$(SUBST) dist/$$f > $(DESTDIR)$(UNITDIR)/$$f && chmod 0644 $(DESTDIR)$(UNITDIR)/$$f; done
	$(SUBST) dist/max.sysusers > $(DESTDIR)$(SYSTEMDLIBDIR)/sysusers.d/max.conf
	$(SUBST) dist/max.tmpfiles > $(DESTDIR)$(SYSTEMDLIBDIR)/tmpfiles.d/max.conf
	$(SUBST) dist/max-ldap-sync.cron > $(DESTDIR)$(SYSCONFDIR)/cron.d/max-ldap-sync
	$(SUBST) dist/max.logrotate > $(DESTDIR)$(SYSCONFDIR)/logrotate.d/max
	chmod 0644 $(DESTDIR)$(SYSTEMDLIBDIR)/sysusers.d/max.conf \
		$(DESTDIR)$(SYSTEMDLIBDIR)/tmpfiles.d/max.conf \
		$(DESTDIR)$(SYSCONFDIR)/cron.d/max-ldap-sync $(DESTDIR)$(SYSCONFDIR)/logrotate.d/max
	@# an existing max.ini is the operator's: never overwritten
	if [ ! -e $(DESTDIR)$(SYSCONFDIR)/max/max.ini ]; then \
		umask 027 && $(BUILD)/maxctl config-template --var $(STATEDIR) \
			> $(DESTDIR)$(SYSCONFDIR)/max/max.ini; fi

# make install into a temporary DESTDIR, the installed maxctl, the units
# (tests/install/install.sh); backup under write load (tests/install/backup.sh)
.PHONY: install-check
install-check: $(PROGS) $(MANPAGES) $(BUILD)/max.ini.example
	./tests/install/install.sh $(BUILD)
	./tests/install/backup.sh $(BUILD)
check: install-check

# a stand-in for Google's token and FCM endpoints (the realtime suite's push test)
$(BUILD)/tests/fake_fcm: $(BUILD)/obj/tests/fake_fcm/fake_fcm.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)
TEST_PROGS += $(BUILD)/tests/fake_fcm
e2e-realtime: $(BUILD)/tests/fake_fcm
