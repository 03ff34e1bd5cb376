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

FCGI_COMMON := $(BUILD)/obj/fcgi/adapter.o
PROGS := $(BUILD)/max.fcgi $(BUILD)/osiris.fcgi $(BUILD)/maxctl $(BUILD)/hello.fcgi
PROGS += $(BUILD)/max-bridge
PROGS += $(BUILD)/max-relay

UNIT_SRC := $(sort $(wildcard tests/unit/*.c))
E2E_SRC  := $(sort $(wildcard tests/e2e/*.c))
TEST_PROGS := $(BUILD)/tests/unit $(BUILD)/tests/e2e

.PHONY: FORCE all deps check check-clang unit e2e e2e-apache e2e-realtime valgrind run bench clean format format-check doc doc-check layers
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

$(BUILD)/hello.fcgi: $(BUILD)/obj/bench/hello.o
	$(CC) $(LDFLAGS) -o $@ $^ -lfcgi

$(BUILD)/maxctl: $(BUILD)/obj/tools/maxctl.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/max-bridge: $(BUILD)/obj/tools/max-bridge/main.o $(BUILD)/obj/tools/max-bridge/mq.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ -lrabbitmq $(LIBS)

# the realtime endpoint (/stomp SockJS, /ws): libwebsockets from Debian
RELAY_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard tools/max-relay/*.c))
$(RELAY_OBJ): CFLAGS += $(shell pkg-config --cflags libwebsockets)
$(BUILD)/max-relay: $(RELAY_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(shell pkg-config --libs libwebsockets) $(LIBS)

$(BUILD)/tests/unit: $(UNIT_SRC:%.c=$(BUILD)/obj/%.o) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ -lcunit $(LIBS)

$(BUILD)/tests/e2e: LIBS += -lrabbitmq
$(BUILD)/tests/e2e: $(E2E_SRC:%.c=$(BUILD)/obj/%.o) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ -lcunit $(shell pkg-config --libs $(CURLPKG)) $(LIBS)

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
	$(MAKE) --no-print-directory SAN=$(SAN) unit e2e e2e-apache
	$(MAKE) --no-print-directory SAN=$(SAN) e2e-realtime

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

# bench/stream: the activity stream's seeding tool (not part of `all`)
$(BUILD)/seed_stream: $(BUILD)/obj/bench/seed_stream.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# bench/post_inproc.c: one post's (and comment's) cost inside the process
$(BUILD)/post_inproc: $(BUILD)/obj/bench/post_inproc.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
