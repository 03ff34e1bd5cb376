# MAX — build, test, run.  `make run` serves MAX on 127.0.0.1:$(MAX_PORT);
# `make check` runs every test (unit + end-to-end against real servers).
# `make check SAN=1` does the same with AddressSanitizer + UBSan.

CC      ?= cc
SAN     ?= 0
PKGS    := json-c sqlite3 libcrypto gdlib
CURLPKG := libcurl
STD     := -std=c11 -D_GNU_SOURCE
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
LIBS    := $(PKG_LIBS) -lscrypt -lm -ldl

CORE_SRC := $(sort $(wildcard core/*/*.c))
CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/schema.o
SCHEMA   := $(sort $(wildcard schema/[0-9]*.sql))
LIB      := $(BUILD)/libmax.a
# compat: fcgi/, tools/, tests/ and bench/ still include core headers by bare name
$(BUILD)/obj/fcgi/%.o $(BUILD)/obj/tools/%.o $(BUILD)/obj/tests/%.o $(BUILD)/obj/bench/%.o: CFLAGS += -Icore/util -Icore/store -Icore/model -Icore/http
# compat: tools/ and tests/ still call sqlite3 directly
$(BUILD)/obj/tools/%.o $(BUILD)/obj/tests/%.o: CFLAGS += -include sqlite3.h

FCGI_COMMON := $(BUILD)/obj/fcgi/adapter.o
PROGS := $(BUILD)/max.fcgi $(BUILD)/osiris.fcgi $(BUILD)/maxctl $(BUILD)/hello.fcgi

UNIT_SRC := $(sort $(wildcard tests/unit/*.c))
E2E_SRC  := $(sort $(wildcard tests/e2e/*.c))
TEST_PROGS := $(BUILD)/tests/unit $(BUILD)/tests/e2e

.PHONY: all deps check check-clang unit e2e valgrind run bench clean format
all: $(PROGS)

deps:
	@./scripts/deps.sh

$(BUILD)/schema.c: $(SCHEMA) scripts/embed-schema.sh
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

$(BUILD)/hello.fcgi: $(BUILD)/obj/bench/hello.o
	$(CC) $(LDFLAGS) -o $@ $^ -lfcgi

$(BUILD)/maxctl: $(BUILD)/obj/tools/maxctl.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/unit: $(UNIT_SRC:%.c=$(BUILD)/obj/%.o) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ -lcunit $(LIBS)

$(BUILD)/tests/e2e: $(E2E_SRC:%.c=$(BUILD)/obj/%.o) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ -lcunit $(shell pkg-config --libs $(CURLPKG)) $(LIBS)

check: deps
	$(MAKE) --no-print-directory SAN=$(SAN) $(PROGS) $(TEST_PROGS)
	$(MAKE) --no-print-directory SAN=$(SAN) unit e2e
	$(MAKE) --no-print-directory fuzz-short

# the same sources must build warning-free under clang as well
check-clang: deps
	$(MAKE) --no-print-directory CC=clang BUILD=build/clang all build/clang/tests/unit build/clang/tests/e2e

unit: $(BUILD)/tests/unit
	$(BUILD)/tests/unit

e2e: $(PROGS) $(BUILD)/tests/e2e
	./scripts/e2e.sh $(BUILD)

# every worker under valgrind memcheck during the e2e suite (slow; not in check)
valgrind: $(PROGS) $(BUILD)/tests/e2e
	VALGRIND=1 ./scripts/e2e.sh $(BUILD)

run: deps
	$(MAKE) --no-print-directory $(PROGS)
	./scripts/run.sh $(BUILD)

bench: deps
	$(MAKE) --no-print-directory $(PROGS)
	./bench/run

format:
	clang-format -i core/*/*.[ch] fcgi/*.[ch] tools/*.c tests/*/*.[ch] bench/*.c

# bench/stream: the activity stream's seeding tool (not part of `all`)
$(BUILD)/seed_stream: $(BUILD)/obj/bench/seed_stream.o $(LIB)
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
