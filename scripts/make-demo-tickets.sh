#!/usr/bin/env bash
# Regenerates assets/tickets/ from assets/venues/demo.json and the demo key
# (assets/keys/DEMO-ONLY-signing-key). The output is committed; run this only
# when the demo venue, the key or the ticket format changes.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh imagemagick qrencode python3

swift build --product inventory-server
server="$(swift build --show-bin-path)/inventory-server"

work="$(mktemp -d /tmp/usher-demo-tickets.XXXXXX)"
chmod 711 "$work"   # the embedded PostgreSQL runs as 'postgres' when we are root
key="$work/signing-key"
install -m 600 assets/keys/DEMO-ONLY-signing-key "$key"
common=(--data-dir "$work/data" --log-level warning)
trap 'rm -rf "$work"' EXIT

"$server" venue import assets/venues/demo.json "${common[@]}"

out=assets/tickets
mkdir -p "$out"
sign() { "$server" tickets sign --seat "$1" --out "$out/$2.png" --signing-key "$key" "${common[@]}" "${@:3}"; }

sign main-tonight.stalls.A.1 success >/dev/null
sign main-tonight.stalls.B.1 duplicate >/dev/null
sign studio-tonight.floor.A.1 wrong-hall >/dev/null
sign main-tonight.stalls.C.1 unpaid >/dev/null
sign main-matinee.stalls.A.1 expired >/dev/null
# The seller's code from before the transfer (serial 1; the seat is now at 2).
sign main-tonight.stalls.C.10 revoked --serial 1 >/dev/null
# A forgery: a real code with its seat changed (A.1 → A.7) and its CRC fixed up,
# so the format checks pass and only the signature gives it away.
genuine="$(sign main-tonight.stalls.A.1 success)"
forged="$(python3 - "$genuine" <<'PY'
import base64, sys, zlib
code = sys.argv[1]
body = code[3:]
raw = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
seat = b"main-tonight.stalls.A.1"
at = raw.index(seat)
raw[at + len(seat) - 1:at + len(seat)] = b"7"
crc = zlib.crc32(bytes(raw[:-4]))
raw[-4:] = crc.to_bytes(4, "big")
print("U1." + base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("="))
PY
)"
qrencode -l M -m 4 -s 6 -8 -o "$out/forged.png" "$forged"

# A phone photo of the SUCCESS ticket: rotated, slightly blurred, on a busy
# background, 1280x720 JPEG.
convert -size 1280x720 plasma:tan-gray60 -blur 0x2 \
  \( -size 1280x720 xc:none -fill 'rgba(40,40,40,0.35)' \
     -draw 'rectangle 40,60 300,400' -draw 'circle 1100,150 1180,230' -draw 'line 0,700 1280,500' \
     -fill 'rgba(150,20,20,0.30)' -draw 'rectangle 860,420 1240,690' -draw 'roundrectangle 330,520 620,700 20,20' \
     -fill 'rgba(20,20,120,0.25)' -draw 'polygon 900,40 1260,90 1010,330' \) -composite \
  \( "$out/success.png" -bordercolor white -border 20 -background none -rotate 11 -resize 480x480 -blur 0x0.8 \) \
  -gravity center -geometry -80+10 -composite -quality 88 "$out/photo-success.jpg"

echo "wrote $(ls "$out" | wc -l) files to $out"
