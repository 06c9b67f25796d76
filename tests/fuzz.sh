#!/usr/bin/env bash
# Runs every cargo-fuzz target of fuzz/ for SECONDS each (default 60), one after another,
# from its committed seeds (fuzz/seeds/<target>, made by tests/fuzz_seeds.rs) and the
# local corpus (fuzz/corpus/<target>, not committed, grows between runs).
#
#   tests/fuzz.sh 10        # what CI runs
#   tests/fuzz.sh 600       # a longer local session
#
# Needs the nightly toolchain and cargo-fuzz (installed here if missing: about a minute,
# from crates.io). Exits non-zero on the first crash, leaving the input in
# fuzz/artifacts/<target>/; replay one with
#   cd fuzz && BOOTH_FUZZ_TRACE=1 cargo +nightly fuzz run -s none <target> <file>
# (BOOTH_FUZZ_TRACE: core_datagrams prints every step).
set -euo pipefail

secs="${1:-60}"
case "$secs" in '' | *[!0-9]*) echo "usage: $0 [SECONDS per target]" >&2; exit 2 ;; esac
cd "$(dirname "$0")/../fuzz"
targets=(datagram client_request config core_datagrams)

if ! cargo +nightly --version >/dev/null 2>&1; then
    echo "fuzz.sh: the nightly toolchain is missing (rustup toolchain install nightly)" >&2
    exit 1
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "fuzz.sh: installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked
fi

# Safe Rust only on these paths: no sanitizer, twice the executions per second.
flags=(--sanitizer none)
cargo +nightly fuzz build "${flags[@]}"

passed=0
failed=0
total_execs=0
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t"
    log="$(mktemp)"
    start=$(date +%s)
    if cargo +nightly fuzz run "${flags[@]}" "$t" "corpus/$t" "seeds/$t" -- \
        -max_total_time="$secs" -timeout=10 -print_final_stats=1 >"$log" 2>&1; then
        rc=0
    else
        rc=$?
    fi
    took=$(( $(date +%s) - start ))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    execs="${execs:-0}"
    total_execs=$((total_execs + execs))
    if [ "$rc" -eq 0 ]; then
        passed=$((passed + 1))
        echo "fuzz: $t ok, $execs executions in ${took} s, corpus $(ls "corpus/$t" | wc -l) files"
    else
        failed=$((failed + 1))
        echo "fuzz: $t FAILED (exit $rc) after $execs executions; the end of its log:"
        grep -v '^#' "$log" | tail -40
        ls -1 "artifacts/$t" 2>/dev/null | sed "s|^|  fuzz/artifacts/$t/|" || true
    fi
    rm -f "$log"
done
echo "fuzz: $total_execs executions in all"
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
