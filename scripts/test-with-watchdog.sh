#!/usr/bin/env bash
# Runs a command (normally `swift test ...`) under a time bound, so a hung test
# fails `make test` with a diagnosis instead of sitting silent until CI's own
# 90-minute limit kills the job with nothing to show. (It happened: a test went
# past its `.timeLimit`, Swift Testing cannot stop a task that ignores
# cancellation, and the test process never exited.)
#
#   scripts/test-with-watchdog.sh [--timeout SECONDS] [--what NAME] -- COMMAND [ARGS...]
#
#   --timeout SECONDS     the bound; default $USHER_TEST_TIMEOUT, else 1200 (20 min)
#   --what NAME           what the verdict calls the run (default "test run")
#   USHER_GDB_TIMEOUT     bound on collecting one process's stacks (default 120 s)
#
# The command's output passes straight through (same stdout/stderr, nothing in
# between), and the exit status is the command's own. The watchdog's lines start
# with "watchdog:" and go to stderr.
#
# When the bound is exceeded it prints the Swift Testing tests that started but
# never ended (from Swift Testing's event stream, added to a `swift test` command),
# every thread's stack of each test process (gdb), kills everything the run
# started, and exits 124 with a one-line verdict as the last line.
#
# Whatever the outcome (pass, fail, timeout, Ctrl-C, SIGTERM to make) it then
# reaps what the tests may have left running. Only this run's processes are
# touched, never a developer's own servers:
#   - the run has a session of its own (setsid): signalling the session takes
#     swift test, the test process and whatever they fork that stays put;
#   - every process of the run inherits a marker variable, USHER_WATCHDOG_RUN,
#     so daemons that left the session (tmux servers, `setsid` children, the
#     inventory-server and scan-tui binaries the tests start) are found by it;
#   - PostgreSQL and RabbitMQ start with a clean environment and pg_ctl/erl put
#     them in sessions of their own, so they are found by their directories,
#     /tmp/usher-test-<pid>-* (TestCluster) and /tmp/usher-broker-<pid>-*
#     (TestBroker), where <pid> is a test process of this run.
set -euo pipefail

usage() {
  echo "usage: scripts/test-with-watchdog.sh [--timeout SECONDS] [--what NAME] -- COMMAND [ARGS...]" >&2
  exit 2
}

timeout_s="${USHER_TEST_TIMEOUT:-1200}"
what="test run"
while [ $# -gt 0 ]; do
  case "$1" in
    --timeout) [ $# -ge 2 ] || usage; timeout_s="$2"; shift 2 ;;
    --what) [ $# -ge 2 ] || usage; what="$2"; shift 2 ;;
    --) shift; break ;;
    *) usage ;;
  esac
done
[ $# -gt 0 ] || usage
if ! [[ "$timeout_s" =~ ^[1-9][0-9]*$ ]]; then
  echo "watchdog: the bound must be a whole number of seconds, not '$timeout_s'" >&2
  exit 2
fi

say() { echo "watchdog: $*" >&2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/usher-watchdog.XXXXXX")"
run_id="$$-$(date +%s%N)"
command_line=("$@")

# Swift Testing writes one JSON record per line to the event stream as things
# happen: "testStarted"/"testEnded" events name each test, so the ones started
# and not ended are the ones running. (Verified with swift 6.3.1: the options are
# hidden from `swift test --help` but accepted.) Added only to `swift test`, and
# only if the caller did not choose a path already.
events=""
if [ "$(basename "$1")" = swift ] && [ "${2:-}" = test ]; then
  for ((i = 1; i < $#; i++)); do
    if [ "${command_line[$i]}" = --event-stream-output-path ]; then events="${command_line[$((i + 1))]}"; fi
  done
  if [ -z "$events" ]; then
    events="$work/events.jsonl"
    command_line+=(--event-stream-output-path "$events" --experimental-event-stream-version 0)
  fi
fi

# --- the run --------------------------------------------------------------

# setsid: the run leads a new session and process group, so `kill -- -PGID`
# reaches swift test, the test process and everything they fork that stays put.
# (A background job of a non-interactive shell is not a group leader, so setsid
# makes the session in place, without forking: $! is the leader's pid.) Its
# stdin is /dev/null, as for any background job; its stdout and stderr are ours.
# bash starts a background job with SIGINT and SIGQUIT ignored (no job control in
# a script); env --default-signal gives the run, and what it starts, the default
# disposition back, so Ctrl-C forwarded to it does stop it.
USHER_WATCHDOG_RUN="$run_id" setsid env --default-signal=INT,QUIT "${command_line[@]}" &
run_pid=$!
run_status=""   # set once the run has exited and been reaped
caught=""       # the signal that interrupted us, if any
ticker=""

# Only noted here; the main flow acts on it. A second Ctrl-C does not cut the
# clean-up short (it is bounded anyway). Not `trap ''`: children would inherit
# the ignored signals.
on_signal() { caught="${caught:-$1}"; }
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM
trap 'on_signal HUP' HUP

# Waits up to $1 seconds for the run to exit; sets run_status. `wait -n` on the
# run and a one-second ticker returns when either ends, or on a trapped signal.
# The status itself comes from a plain `wait PID`: if the run ended while we were
# busy elsewhere, bash has already reaped it and only `wait PID` still has its
# status (`wait -n` then says "no such job").
wait_for_run() {
  local until=$((SECONDS + $1)) rc
  while [ -z "$run_status" ] && [ "$SECONDS" -lt "$until" ]; do
    [ -z "$caught" ] || [ "${2:-}" = uninterruptible ] || return 0
    if ! alive "$run_pid"; then
      rc=0
      wait "$run_pid" || rc=$?
      run_status="$rc"
      return 0
    fi
    claim_directories
    claim_tmux_sockets
    sleep 1 &
    ticker=$!
    wait -n "$run_pid" "$ticker" 2>/dev/null || true
    kill "$ticker" 2>/dev/null || true
    wait "$ticker" 2>/dev/null || true
    ticker=""
  done
}

# --- what belongs to this run ---------------------------------------------

# Pids of live processes carrying this run's marker (not ourselves: we don't).
marked_pids() {
  grep -lzxF "USHER_WATCHDOG_RUN=$run_id" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3 | sort -n || true
}

# The tests' per-process directories are named after the test process's pid.
# Claim each one while that process is alive and carries our marker, so a
# developer's own test run, or its clusters, are never touched. Checked every
# second and at the end; a cluster takes seconds to start, so none is missed.
declare -A owned=()
claim_directories() {
  local dir name pid
  for dir in /tmp/usher-test-[0-9]* /tmp/usher-broker-[0-9]*; do
    [ -d "$dir" ] && [ -z "${owned[$dir]:-}" ] || continue
    name="${dir#/tmp/usher-*-}"
    pid="${name%%-*}"
    if grep -qzxF "USHER_WATCHDOG_RUN=$run_id" "/proc/$pid/environ" 2>/dev/null; then owned[$dir]=1; fi
  done
}

# tmux never deletes its socket file, even on kill-server; Tmux.swift's sockets
# (usher-tmux-<uuid>.sock, no pid in the name) are claimed while a server of this
# run has them open, and deleted at the end.
declare -A owned_sockets=()
claim_tmux_sockets() {
  local pid socket
  for pid in $(grep -lzF usher-tmux- /proc/[0-9]*/cmdline 2>/dev/null | cut -d/ -f3); do
    grep -qzxF "USHER_WATCHDOG_RUN=$run_id" "/proc/$pid/environ" 2>/dev/null || continue
    socket="$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -A1 -x -- -S | sed -n 2p || true)"
    case "$socket" in */usher-tmux-*.sock) owned_sockets[$socket]=1 ;; esac
  done
}

alive() { [ -e "/proc/$1" ] && [ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)" != Z ]; }

describe() { tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | cut -c1-120; }

# SIGTERM (and SIGCONT: a test may have SIGSTOPped it, see ClusterFaults.swift),
# then SIGKILL whatever is still there 5 s later.
terminate() {
  local pid deadline
  [ $# -gt 0 ] || return 0
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; kill -CONT "$pid" 2>/dev/null || true; done
  deadline=$((SECONDS + 5))
  for pid in "$@"; do
    while alive "$pid" && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
    if alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
  done
}

# --- diagnosis ------------------------------------------------------------

# Tests with a "testStarted" event and no "testEnded": the running ones. Lines
# that do not parse (the last one, cut short by a kill) are skipped.
report_running_tests() {
  if [ -z "$events" ]; then return 0; fi
  if [ ! -s "$events" ]; then
    say "Swift Testing reported no events (the run hung before Swift Testing started, or in XCTest)"
    return 0
  fi
  if ! command -v jq >/dev/null; then
    say "jq is missing (scripts/bootstrap.sh installs it); the raw event stream:"
    grep -o '"kind":"test[A-Za-z]*".*"testID":"[^"]*"' "$events" >&2 || true
    return 0
  fi
  jq -nrR --argjson now "$(date +%s)" '
    [inputs | fromjson? | select(type == "object")] as $records
    | ($records | map(select(.kind == "test") | .payload | {key: .id, value: .kind}) | from_entries) as $kinds
    | ($records | map(select(.kind == "event") | .payload)) as $events
    | ($events | map(select(.kind == "issueRecorded" and any(.messages[]?; .text | test("[Tt]ime limit")))
                   | .testID)) as $overdue
    | (reduce $events[] as $e ({};
         if $e.kind == "testStarted" then .[$e.testID] = $e.instant.since1970
         elif $e.kind == "testEnded" or $e.kind == "testSkipped" then del(.[$e.testID])
         else . end)) as $running
    | ($running | to_entries | sort_by(.value)) as $list
    | ($list | map(select($kinds[.key] != "suite"))) as $tests
    | ($list | map(select($kinds[.key] == "suite") | .key)) as $suites
    | if ($list | length) == 0 then "watchdog: no test was running (every started test had ended)"
      else
        "watchdog: still running (started, never ended): \($tests | length) test(s)",
        ($tests[] | .key as $id
                    | "watchdog:   ▶ \($id | sub("/(?<l>[^/]+:[0-9]+:[0-9]+)$"; "  at \(.l)"))"
                    + "  running \($now - .value | floor) s"
                    + (if ($overdue | index($id)) then "  (past its .timeLimit)" else "" end)),
        (if ($suites | length) > 0 then "watchdog:   in suite(s): \($suites | join(", "))" else empty end)
      end' "$events" >&2 || say "could not read the event stream $events"
}

# Every thread's stack of each test process: the XCTest/Swift Testing runner is
# the *.xctest (Linux: an executable) or *PackageTests binary swift test spawned.
# gdb is bounded: attaching to a big debug binary reads a lot of DWARF.
dump_stacks() {
  local pid exe found="" rc
  for pid in $(marked_pids); do
    exe="$(readlink "/proc/$pid/exe" 2>/dev/null || true)"
    case "$exe" in *.xctest | *PackageTests) ;; *) continue ;; esac
    found=1
    say "every thread's stack of test process $pid ($exe):"
    if ! command -v gdb >/dev/null; then
      say "gdb is missing (scripts/bootstrap.sh installs it)"
      continue
    fi
    # Swift symbols are mangled for gdb; swift demangle makes them readable. The
    # deleted lines are gdb's noise about Swift's DWARF, one per module.
    rc=0
    timeout -k 10 "${USHER_GDB_TIMEOUT:-120}" \
      gdb -nx -batch -p "$pid" -ex "set pagination off" -ex "thread apply all bt" </dev/null 2>&1 |
      sed -e '/^During symbol reading/d' -e '/^warning: Section \.debug_names/d' -e '/^\[New LWP/d' |
      if command -v swift >/dev/null; then swift demangle --simplified; else cat; fi >&2 || rc=$?
    case "$rc" in
      0) say "end of the stacks of process $pid" ;;
      124 | 137) say "gdb did not finish within ${USHER_GDB_TIMEOUT:-120} s" ;;
      *) say "gdb failed (status $rc); a container may forbid ptrace" ;;
    esac
  done
  [ -n "$found" ] || [ -z "$events" ] || say "no test process (*.xctest) was running"
}

# --- clean-up ---------------------------------------------------------------

# Every process of the run's session. Its process group is not enough: swift test
# starts the test process in a process group of its own (seen with 6.3.1).
session_pids() { ps -o pid= -s "$run_pid" 2>/dev/null || true; }

signal_session() {
  local pid
  kill -"$1" -- "-$run_pid" 2>/dev/null || true
  for pid in $(session_pids); do kill -"$1" "$pid" 2>/dev/null || true; done
}

# Signals the run (and SIGCONT, in case a test stopped something), then SIGKILLs
# it if it is still there 10 s later.
stop_run() {
  claim_directories  # last chance: the test processes are about to go
  claim_tmux_sockets
  [ -z "$run_status" ] || return 0
  signal_session "$1"
  signal_session CONT
  wait_for_run 10 uninterruptible
  if [ -z "$run_status" ]; then
    signal_session KILL
    wait_for_run 10 uninterruptible
  fi
}

# A postmaster (pg_ctl start daemonised it into its own session): thaw it and its
# children, stop it the way ClusterReaper does (pg_ctl stop -m immediate, as the
# cluster's owner: root may not run PostgreSQL), and SIGKILL what survives.
stop_postgres() {
  local pidfile="$1" pgdata pid children pg_ctl owner
  pgdata="$(dirname "$pidfile")"
  pid="$(head -n1 "$pidfile" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] && alive "$pid" && grep -qzF "$pgdata" "/proc/$pid/cmdline" 2>/dev/null || return 0
  say "stopping PostgreSQL left running in $pgdata (pid $pid)"
  children="$(ps -o pid= --ppid "$pid" 2>/dev/null || true)"
  kill -CONT "$pid" $children 2>/dev/null || true
  pg_ctl="${USHER_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)}/pg_ctl"
  owner="$(stat -c %U "$pgdata")"
  if [ -x "$pg_ctl" ]; then
    if [ "$(id -u)" -eq 0 ] && [ "$owner" != root ]; then
      timeout -k 5 30 runuser -u "$owner" -- "$pg_ctl" stop -D "$pgdata" -m immediate -w -t 20 >/dev/null 2>&1 || true
    else
      timeout -k 5 30 "$pg_ctl" stop -D "$pgdata" -m immediate -w -t 20 >/dev/null 2>&1 || true
    fi
  fi
  if alive "$pid"; then
    kill -KILL $children 2>/dev/null || true
    kill -KILL "$pid" 2>/dev/null || true
  fi
}

# Runs on every exit (normal, error, timeout, signal). Idempotent, never fails.
cleanup() {
  set +e
  [ -z "$ticker" ] || kill "$ticker" 2>/dev/null
  stop_run TERM

  # What stayed in the session after its leader (swift test) went.
  local pids pid dir pidfile socket reaped=()
  pids="$(session_pids)"
  # What left the session but inherited the marker: tmux servers, setsid children,
  # inventory-server, scan-tui.
  pids="$(printf '%s\n%s\n' "$pids" "$(marked_pids)" | sort -nu)"
  for pid in $pids; do
    [ "$pid" != $$ ] && alive "$pid" || continue
    say "stopping leftover process $pid: $(describe "$pid")"
    reaped+=("$pid")
  done
  terminate "${reaped[@]}"
  for socket in "${!owned_sockets[@]}"; do [ ! -S "$socket" ] || rm -f "$socket"; done

  # PostgreSQL clusters and RabbitMQ nodes, by this run's directories. Anything
  # else still mentioning such a directory in its command line or environment
  # (a broker's beam.smp and epmd carry HOME=<dir>/home) is stopped too.
  for dir in "${!owned[@]}"; do
    while IFS= read -r pidfile; do stop_postgres "$pidfile"; done < <(find "$dir" -maxdepth 5 -name postmaster.pid 2>/dev/null)
    reaped=()
    for pid in $(grep -lzF "$dir/" /proc/[0-9]*/cmdline /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3 | sort -nu); do
      [ "$pid" != $$ ] && alive "$pid" || continue
      say "stopping leftover process $pid: $(describe "$pid")"
      reaped+=("$pid")
    done
    terminate "${reaped[@]}"
    if [ -d "$dir" ]; then
      say "removing leftover $dir"
      rm -rf "$dir"
    fi
  done
  rm -rf "$work"
}
trap cleanup EXIT

# --- main -------------------------------------------------------------------

wait_for_run "$timeout_s"

if [ -n "$run_status" ]; then
  cleanup
  trap - EXIT
  exit "$run_status"
fi

if [ -n "$caught" ]; then
  echo >&2
  say "interrupted (SIG$caught); stopping the $what"
  report_running_tests
  stop_run "$caught"
  cleanup
  trap - EXIT
  case "$caught" in INT) exit 130 ;; HUP) exit 129 ;; *) exit 143 ;; esac
fi

echo >&2  # the run's last line may be unfinished
say "the $what exceeded its bound of $timeout_s s: $*"
running="$(report_running_tests 2>&1)"
[ -z "$running" ] || echo "$running" >&2
dump_stacks
stop_run TERM
cleanup
trap - EXIT
# Repeated last: the stacks above can be thousands of lines.
[ -z "$running" ] || echo "$running" >&2
say "$what exceeded $timeout_s s; killed"
exit 124
