#!/bin/bash
# Round-trip time against swtpm: our in-process commands (fobnail-init tpm bench, NativeAOT) versus the same
# commands through tpm2-tools (one process per command, as a script would run them), side by side in one run.
# Usage: bench-tpm.sh PATH/TO/fobnail-init [COUNT]
set -euo pipefail
INIT=${1:?usage: bench-tpm.sh PATH/TO/fobnail-init [COUNT]}
COUNT=${2:-100}
DIR=$(mktemp -d /tmp/fobnail-tpm-bench.XXXXXX)
SWTPM_PID=
cleanup() { [ -n "$SWTPM_PID" ] && kill "$SWTPM_PID" 2>/dev/null; rm -rf "$DIR"; }
trap cleanup EXIT

mkdir -p "$DIR/state" "$DIR/ca"
cat > "$DIR/setup.conf" <<CONF
create_certs_tool = /usr/bin/swtpm_localca
create_certs_tool_config = $DIR/localca.conf
create_certs_tool_options = $DIR/localca.options
active_pcr_banks = sha1,sha256
CONF
printf 'statedir = %s\nsigningkey = %s/signkey.pem\nissuercert = %s/issuercert.pem\ncertserial = %s/certserial\n' \
  "$DIR/ca" "$DIR/ca" "$DIR/ca" "$DIR/ca" > "$DIR/localca.conf"
printf -- '--platform-manufacturer Fobnail\n--platform-version 2.1\n--platform-model Bench\n' > "$DIR/localca.options"
swtpm_setup --tpm2 --create-ek-cert --tpmstate "$DIR/state" --overwrite --config "$DIR/setup.conf" >/dev/null 2>&1

PORT=$(python3 -c 'import socket
for _ in range(100):
    s=socket.socket(); s.bind(("127.0.0.1",0)); p=s.getsockname()[1]
    t=socket.socket()
    try: t.bind(("127.0.0.1",p+1)); print(p); break
    except OSError: pass')
swtpm socket --tpm2 --tpmstate dir="$DIR/state" --server type=tcp,port="$PORT",bindaddr=127.0.0.1 \
  --ctrl type=tcp,port=$((PORT + 1)),bindaddr=127.0.0.1 --flags not-need-init,startup-clear &
SWTPM_PID=$!
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$PORT") 2>/dev/null && break; sleep 0.05; done

"$INIT" tpm aik --create --tpm "swtpm:127.0.0.1:$PORT" >/dev/null
echo "== ours: $INIT tpm bench --count $COUNT (in-process, per call)"
"$INIT" tpm bench --count "$COUNT" --tpm "swtpm:127.0.0.1:$PORT"

export TPM2TOOLS_TCTI="swtpm:host=127.0.0.1,port=$PORT"
head -c 32 /dev/zero > "$DIR/nonce"
sha256sum "$DIR/nonce" | cut -c1-64 | xxd -r -p > "$DIR/digest"
tools_time() { # NAME COMMAND...: median and mean wall time of COUNT runs, in ms
  local name=$1; shift
  for _ in 1 2 3; do "$@" >/dev/null 2>&1; done
  for _ in $(seq "$COUNT"); do
    local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo $(((e - s) / 1000))
  done | sort -n | awk -v n="$name" '{ v[NR] = $1; t += $1 } END {
    printf "  %-28s median %8.3f ms  mean %8.3f ms  min %8.3f ms\n", n, v[int(NR / 2) + 1] / 1000, t / NR / 1000, v[1] / 1000 }'
}
echo "== tpm2-tools $(tpm2_pcrread --version | sed 's/.*version="\([^"]*\)".*/\1/') (one process per command, wall time)"
tools_time "tpm2_pcrread sha256:0-7" tpm2_pcrread sha256:0,1,2,3,4,5,6,7
tools_time "tpm2_quote sha256:0-7,17,18" tpm2_quote -c 0x8100F0BA -l sha256:0,1,2,3,4,5,6,7,17,18 -q 0000000000000000000000000000000000000000000000000000000000000000 -g sha256 -m "$DIR/q.msg" -s "$DIR/q.sig"
tools_time "tpm2_sign sha256 digest" tpm2_sign -c 0x8100F0BA -g sha256 -d -s rsassa -o "$DIR/sig" "$DIR/digest"
echo "== ours, also one process per command (static AOT startup included, wall time)"
tools_time "fobnail-init tpm pcrs sha256:0-7" "$INIT" tpm pcrs --pcrs sha256:0-7 --tpm "swtpm:127.0.0.1:$PORT"
tools_time "fobnail-init tpm quote" "$INIT" tpm quote --nonce 0000000000000000000000000000000000000000000000000000000000000000 --tpm "swtpm:127.0.0.1:$PORT"
