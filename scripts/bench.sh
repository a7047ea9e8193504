#!/usr/bin/env bash
# Speed checks (release build). Each fails (exit 1) when over its target, set for
# the 2-core reference machine with room to spare:
#   verifying 20,000 ticket codes            under 5 s   (seen: ~1-2 s)
#   exporting 20,000 tickets as QR PNGs      under 30 s  (seen: ~12 s)
#   keystroke-to-verdict on loopback         median under 10 ms
#   a 20,000-seat hall's seat map: full load median under 500 ms, an empty
#   delta poll median under 20 ms, and scan-tui showing that map while nothing
#   changes under 3% of one core
# and reports image decode times (a 300x300 clean code, a 1280x720 photo) next
# to zbarimg's on the same files.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh imagemagick
swift build -c release --product bench
swift build -c release --product inventory-server
swift build -c release --product scan-tui
bin="$(swift build -c release --show-bin-path)"

"$bin/bench" verify 20000 5
"$bin/bench" export 20000 30

work="$(mktemp -d /tmp/usher-bench.XXXXXX)"
chmod 711 "$work"
trap 'tmux -S "$work/tmux.sock" kill-server 2>/dev/null || true; kill -TERM "${server:-0}" 2>/dev/null; wait "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

convert assets/tickets/success.png -filter point -resize 300x300 "$work/clean-300.png"
"$bin/bench" decode "$work/clean-300.png" assets/tickets/photo-success.jpg

install -m 600 assets/keys/DEMO-ONLY-signing-key "$work/key"
"$bin/inventory-server" venue import assets/venues/demo.json --data-dir "$work/data" --log-level warning
"$bin/bench" venue 20000 > "$work/arena.json"
"$bin/inventory-server" venue import "$work/arena.json" --data-dir "$work/data" --log-level warning
# The demo tickets are signed with the public demo key: --demo allows it.
"$bin/inventory-server" serve --data-dir "$work/data" --signing-key "$work/key" --demo \
  --grpc-port 50071 --http-port 8071 --log-level warning &
server=$!
for _ in $(seq 1 120); do curl -fsS http://127.0.0.1:8071/readyz >/dev/null 2>&1 && break; sleep 0.5; done
# The bench calls as enrolled devices, over TLS pinned to the server's certificate.
enroll() {  # NAME ROLE [HALL] -> credential file
  local code
  code="$("$bin/inventory-server" devices add "$1" --role "$2" ${3:+--hall "$3"} --json --address 127.0.0.1:50071 \
    --data-dir "$work/data" --log-level warning | sed -n 's/.*"code":"\([^"]*\)".*/\1/p')"
  "$bin/scan-tui" enroll "$code" --credential "$work/$1.json" >/dev/null
  echo "$work/$1.json"
}
door="$(enroll bench-door door main)"
supervisor="$(enroll bench-supervisor supervisor)"
code="$(zbarimg -q --raw assets/tickets/success.png)"
"$bin/bench" scan "$door" "$code" 500 10

# Seat maps at arena scale.
"$bin/bench" hall "$supervisor" arena 500 20

# scan-tui idle: the 20,000-seat map on screen, polled every second, nothing changing.
tmux -S "$work/tmux.sock" new-session -d -x 200 -y 60 \
  "env TERM=xterm-256color LANG=C.UTF-8 $bin/scan-tui --credential $supervisor --hall arena --view map --no-bell --log-file $work/tui.log"
for _ in $(seq 1 100); do tmux -S "$work/tmux.sock" capture-pane -p | grep -q "Inside 0/20000" && break; sleep 0.1; done
tmux -S "$work/tmux.sock" capture-pane -p | grep -q "Inside 0/20000" || { echo "FAILED: scan-tui did not show the arena map"; exit 1; }
pid="$(pgrep -n -x scan-tui)"  # the program itself, not the shell tmux runs it in
sleep 2
hz="$(getconf CLK_TCK)"
before="$(awk '{print $14 + $15}' "/proc/$pid/stat")"
sleep 10
after="$(awk '{print $14 + $15}' "/proc/$pid/stat")"
rss="$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")"
cpu="$(awk -v t="$((after - before))" -v hz="$hz" 'BEGIN { printf "%.2f", t / hz / 10 * 100 }')"
echo "scan-tui idle on the 20,000-seat map: ${cpu}% of one core over 10 s, RSS $((rss / 1024)) MiB"
awk -v c="$cpu" 'BEGIN { exit !(c < 3) }' || { echo "FAILED: idle CPU ${cpu}% is over the 3% target"; exit 1; }
