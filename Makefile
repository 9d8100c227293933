# sipscope — passive SIP trunk analyser.
#
#   make            build ./sipscope (release flags, objects in build/rel)
#   make run        install missing packages, build, analyse the sample captures
#   make check      install missing packages, build with ASan+UBSan, run every test
#   make bench      performance figures as ratios against the floors (docs/performance.md)
#   make mutants    apply each listed source mutation to a copy; every one must be caught
#   make fuzz       run each libFuzzer target for FUZZ_SECONDS
#   make soak       bounded-memory soak: 1M and 10M messages through -r - (minutes)
#   make lab-pcaps  regenerate pcaps/lab/ with kamailio + sipp in network namespaces
#
# Every source file under src/ (except main.c) goes into one static library that
# the binary, the unit tests and the fuzz targets link; new files need no edit here.

CC      ?= cc
BUILD   ?= build/rel
PKGS    := libpcap libmaxminddb json-c inih nettle ncursesw
SAN     :=
OPT     ?= -O2

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) libosip2 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -losipparser2

WARN    := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla -Wstrict-prototypes \
           -Wmissing-prototypes -Wno-unused-parameter
HARDEN  := -fstack-protector-strong -fPIE -D_FORTIFY_SOURCE=2 -fno-strict-aliasing
CFLAGS  ?=
CFLAGS  += -std=c11 -D_GNU_SOURCE -g $(OPT) $(WARN) $(HARDEN) $(SAN) -Iinclude -Isrc $(PKG_CFLAGS) -MMD -MP
LDFLAGS += -pie -Wl,-z,relro,-z,now $(SAN)
LIBS    := $(PKG_LIBS) -lpthread -lm

SRCS     := $(filter-out src/main.c,$(shell find src -name '*.c' | sort))
OBJS     := $(SRCS:%.c=$(BUILD)/%.o)
LIB      := $(BUILD)/libsipscope.a
BIN      := $(BUILD)/sipscope
UNIT_SRC := $(sort $(shell find tests/unit -name 'test_*.c'))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps run check unit bench fuzz soak lab-pcaps lint clean asan mutants
.DELETE_ON_ERROR:

all: sipscope

sipscope: $(BIN)
	@cp $(BIN) $@

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo '  CC    $<'
	@$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(OBJS)
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

deps:
	@scripts/install-deps all

run: deps
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

# Functions the style guide bans (unbounded copies, silent conversions).
lint:
	@if grep -nE '\b(strcpy|strcat|sprintf|vsprintf|strncpy|strtok|atoi|atol|gets)\s*\(' \
	    $$(find src include -name '*.[ch]'); then \
	    echo "lint: banned function (see STYLE.md)"; exit 1; fi

clean:
	rm -rf build sipscope

-include $(OBJS:.o=.d) $(BUILD)/src/main.d
