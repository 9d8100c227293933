# sipscope — passive SIP trunk analyser.
#
#   make            build ./sipscope (release flags, objects in build/rel)
#   make install    install under PREFIX (/usr/local) into DESTDIR; see "Install" below
#   make run        install missing run-time packages, build, analyse the sample captures
#   make check      install missing test packages, build with ASan+UBSan, run every test
#   make bench      performance figures as ratios against the floors (docs/performance.md)
#   make mutants    apply each listed source mutation to a copy; every one must be caught
#   make fuzz       run each libFuzzer target for FUZZ_SECONDS
#   make soak       bounded-memory soak: 1M and 10M messages through -r - (minutes)
#   make lab-pcaps  regenerate pcaps/lab/ with kamailio + sipp in network namespaces
#
# Every source file under src/ (except main.c) goes into one static library that
# the binary, the unit tests and the fuzz targets link; new files need no edit here.
# The shipped profiles/*.ini are compiled in from a generated $(BUILD)/gen/ file
# (scripts/embed-profiles) that joins the library too.

CC      ?= cc
BUILD   ?= build/rel
PKGS    := libpcap libmaxminddb json-c inih nettle gnutls ncursesw
SAN     :=
# Release builds with gcc use link-time optimisation: the span, cursor and
# table helpers inline across files (~5% fewer instructions a message on the
# busy workload, make bench). Fat objects keep libsipscope.a linkable without it.
ifneq ($(shell $(CC) --version 2>/dev/null | grep -c 'Free Software Foundation'),0)
LTO     ?= -flto=auto -ffat-lto-objects
AR      := gcc-ar
endif
OPT     ?= -O2 $(LTO)

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) libosip2 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -losipparser2

WARN    := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla -Wstrict-prototypes \
           -Wmissing-prototypes -Wno-unused-parameter
HARDEN  := -fstack-protector-strong -fPIE -D_FORTIFY_SOURCE=2 -fno-strict-aliasing
CFLAGS  ?=
CFLAGS  += -std=c11 -D_GNU_SOURCE -g $(OPT) $(WARN) $(HARDEN) $(SAN) -Iinclude -Isrc $(PKG_CFLAGS) -MMD -MP
LDFLAGS += -pie -Wl,-z,relro,-z,now $(OPT) $(SAN)
LIBS    := $(PKG_LIBS) -lpthread -lm

SRCS     := $(filter-out src/main.c,$(shell find src -name '*.c' | sort))
OBJS     := $(SRCS:%.c=$(BUILD)/%.o)

# Install layout. The profile directories are compiled into the generated file,
# so `make install PREFIX=/usr` rebuilds it (and relinks) when PREFIX changes.
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
DATADIR    ?= $(PREFIX)/share
MANDIR     ?= $(DATADIR)/man
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(if $(filter /usr/local,$(PREFIX)),/etc,$(PREFIX)/etc))
UNITDIR    ?= $(PREFIX)/lib/systemd/system
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
PROFILE_SHARE := $(DATADIR)/sipscope/profiles
PROFILE_ETC   := $(SYSCONFDIR)/sipscope/profiles
PROFILE_INI   := $(sort $(wildcard profiles/*.ini))
GEN_C    := $(BUILD)/gen/profiles_builtin.c
GEN_OBJ  := $(BUILD)/gen/profiles_builtin.o
GEN_PATHS := $(BUILD)/gen/paths
LIB      := $(BUILD)/libsipscope.a
BIN      := $(BUILD)/sipscope
UNIT_SRC := $(sort $(shell find tests/unit -name 'test_*.c'))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps deps-run deps-test run check unit bench fuzz soak lab-pcaps lint clean asan \
        mutants install uninstall FORCE
.DELETE_ON_ERROR:

all: sipscope

sipscope: $(BIN)
	@cp $(BIN) $@

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo '  CC    $<'
	@$(CC) $(CFLAGS) -c $< -o $@

# Rewritten only when the install paths change, so the generated file (and
# the link) is redone then and only then.
$(GEN_PATHS): FORCE
	@mkdir -p $(dir $@)
	@printf '%s\n%s\n' '$(PROFILE_SHARE)' '$(PROFILE_ETC)' >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

$(GEN_C): $(PROFILE_INI) scripts/embed-profiles $(GEN_PATHS)
	@echo '  GEN   $@'
	@scripts/embed-profiles $@ '$(PROFILE_SHARE)' '$(PROFILE_ETC)' $(PROFILE_INI)

$(GEN_OBJ): $(GEN_C)
	@echo '  CC    $<'
	@$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(OBJS) $(GEN_OBJ)
	@rm -f $@
	@$(AR) rcs $@ $^

$(BIN): $(BUILD)/src/main.o $(LIB)
	@echo '  LD    $@'
	@$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB) $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	@echo '  TEST  $@'
	@$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(LIB) $(LIBS) -lcmocka

unit: $(UNIT_BIN) $(BIN)

# `make run` needs only the build and run-time packages; the test stack (for
# check, bench, fuzz, soak, lab-pcaps) is a superset. README lists both.
deps-run:
	@scripts/install-deps run

deps-test deps:
	@scripts/install-deps test

run: deps-run
	@$(MAKE) --no-print-directory sipscope
	@scripts/run-samples ./sipscope

# The whole suite under AddressSanitizer + UndefinedBehaviorSanitizer.
check: deps
	@$(MAKE) --no-print-directory BUILD=build/asan OPT=-O1 \
	    SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" unit
	@$(MAKE) --no-print-directory lint
	@BUILD=build/asan tests/run.sh

bench: deps
	@$(MAKE) --no-print-directory sipscope
	@scripts/bench.sh
	@SIPSCOPE=$(CURDIR)/sipscope scripts/bench-live.sh | tee build/bench/results/live.md

# Each mutant of tests/mutants/mutants.txt must make its stage's tests fail.
mutants:
	@tests/mutants/run.py

fuzz: deps
	@scripts/fuzz.sh

soak: deps
	@$(MAKE) --no-print-directory sipscope
	@SIPSCOPE=$(CURDIR)/sipscope tests/soak/soak.sh

lab-pcaps: deps
	@$(MAKE) --no-print-directory sipscope
	@tests/lab/make-lab-pcaps.sh

# Install. DESTDIR stages (packaging); PREFIX is where it will run. The binary
# already holds the shipped profiles; the copies under share/ are for reading
# and are overridden by /etc/sipscope/profiles and --profiles (docs/profiles.md).
# The unit's ExecStart follows BINDIR.
install: $(BIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(PROFILE_SHARE) \
	    $(DESTDIR)$(PROFILE_ETC) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(BASHCOMPDIR)
	install -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/sipscope
	install -m 0644 docs/sipscope.1 $(DESTDIR)$(MANDIR)/man1/sipscope.1
	install -m 0644 $(PROFILE_INI) $(DESTDIR)$(PROFILE_SHARE)/
	install -m 0644 contrib/sipscope.conf.example $(DESTDIR)$(SYSCONFDIR)/sipscope/sipscope.conf.example
	sed 's|/usr/bin/sipscope|$(BINDIR)/sipscope|g' contrib/sipscope.service \
	    >$(DESTDIR)$(UNITDIR)/sipscope.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/sipscope.service
	install -m 0644 contrib/sipscope.bash-completion $(DESTDIR)$(BASHCOMPDIR)/sipscope

# Leaves $(SYSCONFDIR)/sipscope alone when it holds local files.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/sipscope $(DESTDIR)$(MANDIR)/man1/sipscope.1 \
	    $(DESTDIR)$(UNITDIR)/sipscope.service $(DESTDIR)$(BASHCOMPDIR)/sipscope \
	    $(DESTDIR)$(SYSCONFDIR)/sipscope/sipscope.conf.example
	rm -rf $(DESTDIR)$(DATADIR)/sipscope
	-rmdir $(DESTDIR)$(PROFILE_ETC) $(DESTDIR)$(SYSCONFDIR)/sipscope 2>/dev/null

# Functions the style guide bans (unbounded copies, silent conversions).
lint:
	@if grep -nE '\b(strcpy|strcat|sprintf|vsprintf|strncpy|strtok|atoi|atol|gets)\s*\(' \
	    $$(find src include -name '*.[ch]'); then \
	    echo "lint: banned function (see STYLE.md)"; exit 1; fi

clean:
	rm -rf build sipscope

-include $(OBJS:.o=.d) $(GEN_OBJ:.o=.d) $(BUILD)/src/main.d
