# mapcount build. `make` builds ./mapcount; `make check` runs every test;
# `SANITIZE=1 make check` runs them under ASan+UBSan; `make deps` installs
# what is missing (as root) or prints the apt line. ./mapcount is built with
# profile-guided optimisation (see PGO below); `make PGO=0` skips it.

PREFIX ?= /usr/local
DESTDIR ?=
CC ?= cc
PKGS := libtracefs libtraceevent libzstd sqlite3

ifeq ($(SANITIZE),1)
BUILD ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT := -O1 -g
PGO := 0
else
BUILD ?= build
SANFLAGS :=
OPT := -O3 -g
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS_ALL = -std=gnu11 $(OPT) -Wall -Wextra -Werror -Wno-unused-parameter \
	-Wno-missing-field-initializers -D_GNU_SOURCE -I. $(PKG_CFLAGS) $(SANFLAGS) $(CFLAGS)
LDLIBS_ALL = $(PKG_LIBS) -ldl -lpthread -lm $(SANFLAGS) $(LDFLAGS)

# Sources by concern; every .c in these folders is part of the tool.
LIB_SRC := $(filter-out lib/mapcount.c,$(wildcard lib/*.c))
MODEL_SRC := $(wildcard models/*.c)
REPLAY_SRC := $(wildcard replayer/*.c)
RECORD_SRC := $(wildcard recorder/*.c)
CORE_SRC := $(LIB_SRC) $(MODEL_SRC) $(REPLAY_SRC) $(RECORD_SRC)
CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ := $(BUILD)/lib/mapcount.o

TEST_SRC := $(wildcard tests/unit/test-*.c)
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
WORKLOAD_SRC := $(wildcard tests/workloads/*.c)
WORKLOAD_BIN := $(WORKLOAD_SRC:tests/workloads/%.c=$(BUILD)/workloads/%)
PLUGIN_SRC := $(wildcard models/example-plugin/*.c)
PLUGIN_SO := $(BUILD)/example-plugin.so
FUZZ_SRC := $(wildcard tests/fuzz/fuzz-*.c)

DEPS_MARK := $(BUILD)/.deps-ok

# PGO=1 (the default with GCC; other compilers build without): the tool's
# objects are compiled twice. First with profile counters into $(PGO_BUILD),
# whose binary replays generated and bundled traces (scripts/pgo-train.sh);
# then into $(BUILD) with that profile, so the replay's hot paths are laid out
# and inlined as they really run. Code the training never runs is optimised as
# without a profile. Both compiles of a source name its profile alike
# (-dumpdir, -dumpbase): GCC keys a static function's counts by that name.
ifndef PGO
PGO := $(if $(shell $(CC) -v 2>&1 | grep '^gcc version'),1,0)
endif
PGO_BUILD := $(BUILD)-pgo
PGO_STAMP := $(if $(filter 1,$(PGO)),$(PGO_BUILD)/profile.stamp)
PGO_NAME = -dumpdir $(PGO_BUILD)/profile/ -dumpbase $(subst /,-,$*)
PGO_USE = $(if $(PGO_STAMP),-fprofile-use -fprofile-partial-training -Wno-missing-profile \
	$(PGO_NAME) -DMC_BUILD_PGO)
# the binary the tests run: ./mapcount, or the sanitizer build's own copy
TOOL := $(if $(filter 1,$(SANITIZE)),$(BUILD)/mapcount,mapcount)

.PHONY: all deps check check-unit demo bench fuzz install clean format tests

all: $(TOOL)

deps: $(DEPS_MARK)

$(DEPS_MARK): scripts/deps.sh
	@sh scripts/deps.sh
	@mkdir -p $(BUILD) && touch $@

mapcount: $(DEPS_MARK) $(BUILD)/mapcount
	@cp $(BUILD)/mapcount $@

$(BUILD)/mapcount: $(CORE_OBJ) $(MAIN_OBJ)
	$(CC) -rdynamic -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/%.o: %.c $(DEPS_MARK) $(PGO_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(PGO_USE) -MMD -MP -c -o $@ $<

$(PGO_BUILD)/%.o: %.c $(DEPS_MARK)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -fprofile-generate -fprofile-update=single $(PGO_NAME) -MMD -MP \
		-c -o $@ $<

$(PGO_BUILD)/mapcount: $(patsubst $(BUILD)/%,$(PGO_BUILD)/%,$(CORE_OBJ) $(MAIN_OBJ))
	$(CC) -rdynamic -fprofile-generate -o $@ $^ $(LDLIBS_ALL)

$(PGO_BUILD)/profile.stamp: $(PGO_BUILD)/mapcount scripts/pgo-train.sh
	@sh scripts/pgo-train.sh $(PGO_BUILD)/mapcount $(PGO_BUILD)/profile
	@touch $@

$(BUILD)/tests/%: tests/unit/%.c $(CORE_OBJ) $(DEPS_MARK)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -o $@ $< $(CORE_OBJ) $(LDLIBS_ALL)

$(BUILD)/workloads/%: tests/workloads/%.c $(DEPS_MARK)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< -lpthread

$(PLUGIN_SO): $(PLUGIN_SRC) models/model.h $(DEPS_MARK)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -fPIC -shared -o $@ $(PLUGIN_SRC)

tests: $(TOOL) $(TEST_BIN) $(WORKLOAD_BIN) $(if $(PLUGIN_SRC),$(PLUGIN_SO))

# Every test speaks TAP; prove prints the summary CI reads.
check: tests
	MAPCOUNT=$(CURDIR)/$(TOOL) BUILD=$(CURDIR)/$(BUILD) prove --exec '' --timer \
		$(TEST_BIN) $(sort $(wildcard tests/e2e/*.t))

check-unit: tests
	MAPCOUNT=$(CURDIR)/$(TOOL) BUILD=$(CURDIR)/$(BUILD) prove --exec '' $(TEST_BIN)

demo: mapcount
	@sh scripts/demo.sh

bench: mapcount
	@sh scripts/bench.sh

fuzz: $(DEPS_MARK)
	@sh scripts/fuzz.sh $(or $(FUZZ_SECONDS),60)

install: mapcount
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/include/mapcount
	install -m 0755 mapcount $(DESTDIR)$(PREFIX)/bin/mapcount
	install -m 0644 models/model.h $(DESTDIR)$(PREFIX)/include/mapcount/model.h

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-san build-pgo mapcount

-include $(shell find $(BUILD) $(if $(PGO_STAMP),$(PGO_BUILD)) -name '*.d' 2>/dev/null)
