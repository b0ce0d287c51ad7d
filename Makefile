# Makefile - builds bin/nfsbench, bin/nfstune, bin/nfscap and their tests.
#   make            build (objects under build/)
#   make test       deps + build + unit + lab integration + unit under ASan/UBSan
#   make demo       the main job on the built-in lab
#   make bench      benchmarks (ratios against anchors measured in the same run)
#   make fuzz       libFuzzer targets (clang), short runs
#   make deps       install the Debian 12 packages everything needs
#   make install    PREFIX=/usr/local DESTDIR= (programs, man pages, bash
#                   completion, configs; the man pages need scdoc)
#   make man        man pages from docs/man/*.scd into build/man (scdoc)
#   make SAN=1      sanitizer build into build/san (binaries in build/san/bin)

PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc

PKGS := libnfs libpcap libnl-3.0 libnl-route-3.0 libnl-genl-3.0 json-c libtirpc
# Flags come from pkg-config, which `make deps` may be about to install: the
# targets that install first (test, demo, bench, fuzz) build in a sub-make
# that reads this file again after the packages are there. A build without
# them stops here with what to run, instead of failing to link.
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
BUILD_GOALS := $(filter-out deps clean,$(or $(MAKECMDGOALS),all))
ifneq ($(BUILD_GOALS),)
ifneq ($(filter-out test demo bench fuzz,$(BUILD_GOALS)),)
ifeq ($(strip $(PKG_LIBS)),)
$(error pkg-config found no $(PKGS): run `make deps` (as root) first, or `make test` / `make demo`, which install them)
endif
endif
endif

# Messages are cut to their buffers on purpose: truncation is not a bug here.
WARN   := -std=c11 -Wall -Wextra -Werror -Wno-format-truncation
CFLAGS ?= -O2 -g
ALL_CFLAGS = $(WARN) $(CFLAGS) -D_GNU_SOURCE -Ilib $(PKG_CFLAGS) -MMD -MP
LDLIBS_ALL = $(PKG_LIBS) -lpthread -lm

ifeq ($(SAN),1)
BUILD   ?= build/san
BIN     ?= $(BUILD)/bin
CFLAGS  := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
else
BUILD   ?= build
BIN     ?= bin
endif

LIB_SRC   := $(wildcard lib/*.c)
BENCH_SRC := $(filter-out nfsbench/mpi_main.c,$(wildcard nfsbench/*.c))
TUNE_SRC  := $(wildcard tuner/*.c)
CAP_SRC   := $(wildcard capture/*.c)
UNIT_SRC  := $(wildcard tests/unit/test_*.c)

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))
LIBA := $(BUILD)/libnfstk.a
PROGS := $(BIN)/nfsbench $(BIN)/nfstune $(BIN)/nfscap

# nfsbench-mpi, where OpenMPI is installed (not in sanitizer builds: MPI's
# own allocations drown ASan's report)
MPI_CFLAGS := $(shell mpicc --showme:compile 2>/dev/null)
MPI_LIBS   := $(shell mpicc --showme:link 2>/dev/null)
ifneq ($(strip $(MPI_LIBS)),)
ifneq ($(SAN),1)
PROGS += $(BIN)/nfsbench-mpi
endif
endif
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

.PHONY: all deps test unit integration demo bench fuzz install man clean
all: $(PROGS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# Unit tests see the programs' headers too.
$(BUILD)/tests/unit/%.o: tests/unit/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Infsbench -Icapture -Ituner -c -o $@ $<

$(LIBA): $(call obj,$(LIB_SRC))
	@rm -f $@
	ar rcs $@ $^

# A program's main lives in <dir>/main.c; its other files may be shared
# with the tests through the program's own archive.
$(BIN)/nfsbench: $(call obj,$(BENCH_SRC)) $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL)
$(BUILD)/nfsbench/mpi_main.o: nfsbench/mpi_main.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(MPI_CFLAGS) -c -o $@ $<
$(BIN)/nfsbench-mpi: $(call obj,$(filter-out nfsbench/main.c,$(BENCH_SRC))) $(BUILD)/nfsbench/mpi_main.o $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(MPI_LIBS) $(LDLIBS_ALL)
$(BIN)/nfstune: $(call obj,$(TUNE_SRC)) $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL)
$(BIN)/nfscap: $(call obj,$(CAP_SRC)) $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL)

# Unit tests link the shared library and every non-main object of the
# programs, so they can test program internals too.
PROG_OBJS := $(call obj,$(filter-out %/main.c,$(BENCH_SRC) $(TUNE_SRC) $(CAP_SRC)))
$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(PROG_OBJS) $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL) -lcmocka

unit-build: $(UNIT_BINS)
unit: $(UNIT_BINS) $(PROGS)
	@BUILD=$(BUILD) tests/run-unit $(UNIT_BINS)

integration: $(PROGS)
	@tests/run-integration

deps:
	@scripts/install-deps

# Each runs after deps in a new make, so pkg-config and the -dev packages
# that deps installed are seen (the first run on a fresh machine).
test: deps
	@tests/run-all

demo: deps
	@$(MAKE) --no-print-directory all
	@scripts/demo

bench: deps
	@$(MAKE) --no-print-directory all
	@scripts/bench

FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
fuzz: deps
	@scripts/fuzz $(FUZZ_SRC)

# Man pages are written in scdoc (docs/man/NAME.SECTION.scd) and turned into
# roff here; only `make man` and `make install` need scdoc (make deps
# installs it), never `make all`.
MAN_SRC := $(wildcard docs/man/*.scd)
MANS    := $(patsubst docs/man/%.scd,$(BUILD)/man/%,$(MAN_SRC))
man: $(MANS)
$(BUILD)/man/%: docs/man/%.scd
	@mkdir -p $(dir $@)
	@command -v scdoc >/dev/null || { echo "make: scdoc is missing (make deps, or apt-get install scdoc)" >&2; exit 1; }
	scdoc <$< >$@.tmp && mv $@.tmp $@

# bash-completion loads a command's completion file by the command's name:
# the one file goes in under each name.
SHARE := $(DESTDIR)$(PREFIX)/share
install: all man
	install -d $(DESTDIR)$(PREFIX)/bin $(SHARE)/nfs-toolkit/configs $(SHARE)/nfs-toolkit/testbed \
		$(SHARE)/man/man1 $(SHARE)/man/man5 $(SHARE)/man/man8 $(SHARE)/bash-completion/completions
	install -m 0755 $(PROGS) $(DESTDIR)$(PREFIX)/bin/
	install -m 0755 tests/testbed/lab tests/testbed/lab-agent $(SHARE)/nfs-toolkit/testbed/
	for f in configs/*.json; do [ -e "$$f" ] && install -m 0644 "$$f" $(SHARE)/nfs-toolkit/configs/ || true; done
	for m in $(MANS); do install -m 0644 "$$m" $(SHARE)/man/man$${m##*.}/; done
	for p in nfsbench nfsbench-mpi nfstune nfscap; do \
		install -m 0644 completion/nfs-toolkit.bash $(SHARE)/bash-completion/completions/$$p; done

clean:
	rm -rf build bin

# keep intermediate objects (unit test objects are made through a chain)
.SECONDARY:

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
