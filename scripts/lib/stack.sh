# The local stack for the pipeline: SeaweedFS as S3, seeded with GameLift
# Streams session export archives (scripts/testing/pipeline_fixture.py), and
# the GameLift Streams emulator listing those sessions. Source after common.sh
# and seaweedfs.sh.
#
#   stack_start DIR [fixture args...]
#       starts SeaweedFS (seaweedfs_start DIR), runs pipeline_fixture.py --out
#       DIR with the fixture args (--sessions, --groups, --seed, --archive-mb,
#       --region, ...), starts gamelift_emulator.py on DIR/seed.json, and
#       writes:
#         DIR/env           EC_S3_* (seaweedfs.sh) plus EC_GLS_ENDPOINT,
#                           EC_GLS_PID and EC_STACK_REGION; all exported here
#         DIR/client.env    AWS_* for a client of both services: one key pair
#                           (SeaweedFS's, which the emulator accepts too), the
#                           region, AWS_ENDPOINT_URL_GAMELIFTSTREAMS and
#                           AWS_ENDPOINT_URL_S3. `set -a; . DIR/client.env`
#         DIR/pipeline.json a pipeline config (CONTRACTS.md) for the fixture's
#                           stream groups, endpoints filled in, output.dir
#                           DIR/collected
#         DIR/seed.json, DIR/expected.json  (pipeline_fixture.py)
#         DIR/gls.log       the emulator's output
#       DIR/pipeline.json is written last: a harness that runs
#       `scripts/local-stack pipeline DIR` in the background waits for it (DIR/env
#       appears earlier, when SeaweedFS is up but not yet seeded).
#   stack_stop
#       the emulator (stdin closed, then SIGTERM, a bounded wait, SIGKILL),
#       then seaweedfs_stop. Callers register it: trap stack_stop EXIT
#
# Region: SeaweedFS verifies a SigV4 signature with whatever region the
# credential scope names (us-east-1, us-west-2 and eu-central-1 all work), so
# both services use the fixture's region (--region, default us-west-2) and
# EC_S3_REGION in DIR/env is rewritten to it.
#
# The emulator's stdin is the read end of DIR/gls.stdin, a FIFO whose write
# end this shell holds open: when the shell goes away, so does the emulator
# (it also exits when its parent does).
# shellcheck shell=bash

# The emulator's own default pair (gamelift_emulator.py DEFAULT_KEYS), kept
# accepted next to SeaweedFS's so the emulator's existing users still work.
STACK_GLS_DEFAULT_ACCESS_KEY=AKIDEXAMPLE
STACK_GLS_DEFAULT_SECRET_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
STACK_GLS_START_TIMEOUT=${STACK_GLS_START_TIMEOUT:-30}
STACK_GLS_STOP_GRACE=${STACK_GLS_STOP_GRACE:-3}

_STACK_LIB="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
_STACK_TESTING="$(cd "$_STACK_LIB/../testing" && pwd)"
_STACK_DIR=""
_STACK_GLS_FD=""

_stack_start_emulator() {
  local dir=$1 region=$2 py="$EC_VENV/bin/python3"
  rm -f "$dir/gls.stdin" "$dir/gls.log"
  mkfifo "$dir/gls.stdin"
  "$py" "$_STACK_TESTING/gamelift_emulator.py" --seed "$dir/seed.json" --port 0 --region "$region" \
    --access-key "$STACK_GLS_DEFAULT_ACCESS_KEY" --secret-key "$STACK_GLS_DEFAULT_SECRET_KEY" \
    --access-key "$SEAWEEDFS_ACCESS_KEY" --secret-key "$SEAWEEDFS_SECRET_KEY" \
    <"$dir/gls.stdin" >"$dir/gls.log" 2>&1 &
  EC_GLS_PID=$!
  # Opening the write end releases the emulator's open of the read end.
  exec {_STACK_GLS_FD}>"$dir/gls.stdin"

  local deadline=$((SECONDS + STACK_GLS_START_TIMEOUT)) line=""
  while ((SECONDS < deadline)); do
    line=$(grep -m1 '^listening http://' "$dir/gls.log" 2>/dev/null || true)
    [[ -n $line ]] && break
    if ! kill -0 "$EC_GLS_PID" 2>/dev/null; then
      wait "$EC_GLS_PID" 2>/dev/null || true
      EC_GLS_PID=""
      tail -n 20 "$dir/gls.log" >&2 || true
      fatal "the GameLift Streams emulator exited at start (log: $dir/gls.log)"
    fi
    sleep 0.1
  done
  [[ -n $line ]] || fatal "the GameLift Streams emulator did not listen within ${STACK_GLS_START_TIMEOUT}s (log: $dir/gls.log)"
  EC_GLS_ENDPOINT=${line#listening }
}

stack_start() {
  local dir=${1:?stack_start needs a directory}
  shift
  [[ -z ${EC_GLS_PID:-} ]] || fatal "the stack is already started here (emulator pid $EC_GLS_PID)"
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  _STACK_DIR=$dir
  rm -f "$dir/client.env" "$dir/pipeline.json" "$dir/expected.json" "$dir/seed.json"

  # seaweedfs.sh's 16 volumes of 64 MB hold about 1 GB; the benchmark fixtures
  # (200 x 5 MB, 1000 x 1 MB) need more. Volumes take disk only when used.
  local SEAWEEDFS_VOLUME_MAX=${SEAWEEDFS_VOLUME_MAX:-128}
  seaweedfs_start "$dir"
  "$EC_VENV/bin/python3" "$_STACK_TESTING/pipeline_fixture.py" --out "$dir" "$@" ||
    fatal "pipeline_fixture.py failed (arguments: $*)"

  local region
  region=$("$EC_VENV/bin/python3" -c 'import json, sys; print(json.load(open(sys.argv[1]))["region"])' "$dir/seed.json")
  _stack_start_emulator "$dir" "$region"

  # One region for both services (see the header).
  export EC_S3_REGION=$region EC_STACK_REGION=$region EC_GLS_ENDPOINT EC_GLS_PID
  sed -i "s|^EC_S3_REGION=.*|EC_S3_REGION=$region|" "$dir/env"
  printf '%s=%s\n' EC_GLS_ENDPOINT "$EC_GLS_ENDPOINT" EC_GLS_PID "$EC_GLS_PID" EC_STACK_REGION "$region" >>"$dir/env"

  cat >"$dir/client.env.tmp" <<EOF
AWS_ACCESS_KEY_ID=$SEAWEEDFS_ACCESS_KEY
AWS_SECRET_ACCESS_KEY=$SEAWEEDFS_SECRET_KEY
AWS_REGION=$region
AWS_DEFAULT_REGION=$region
AWS_ENDPOINT_URL_GAMELIFTSTREAMS=$EC_GLS_ENDPOINT
AWS_ENDPOINT_URL_S3=$EC_S3_ENDPOINT
AWS_EC2_METADATA_DISABLED=true
EOF
  mv "$dir/client.env.tmp" "$dir/client.env"

  "$EC_VENV/bin/python3" - "$dir" "$region" "$EC_GLS_ENDPOINT" "$EC_S3_ENDPOINT" <<'PY'
import json, os, sys
dir, region, gls, s3 = sys.argv[1:]
with open(os.path.join(dir, "seed.json"), encoding="utf-8") as f:
    groups = [g["Id"] for g in json.load(f)["streamGroups"]]
config = {
    "region": region,
    "profile": None,
    "endpoints": {"gameliftstreams": gls, "s3": s3, "s3AddressingStyle": "auto"},
    "source": {"streamGroups": groups, "status": None, "exportFilesStatus": "SUCCEEDED",
               "includeFailedExports": False, "createdAfter": None},
    "download": {"concurrency": 4, "via": "signed", "presignExpiresSeconds": 900,
                 "keepArchives": True, "maxAttempts": 5},
    "index": {"sha256": True, "extract": [], "maxEntries": 200000,
              "maxUncompressedBytes": 68719476736, "maxCompressionRatio": 1000},
    "output": {"dir": os.path.join(dir, "collected"), "reports": ["html", "markdown", "csv", "jsonl"]},
}
with open(os.path.join(dir, "pipeline.json.tmp"), "w", encoding="utf-8") as f:
    json.dump(config, f, indent=2)
    f.write("\n")
os.replace(os.path.join(dir, "pipeline.json.tmp"), os.path.join(dir, "pipeline.json"))
PY
}

stack_stop() {
  local pid=${EC_GLS_PID:-} tries
  if [[ -n $_STACK_GLS_FD ]]; then
    exec {_STACK_GLS_FD}>&-
    _STACK_GLS_FD=""
  fi
  if [[ -n $pid ]]; then
    # EOF on stdin ends it at once; a signal only when it did not.
    tries=0
    while kill -0 "$pid" 2>/dev/null && ((tries < 10)); do sleep 0.1; tries=$((tries + 1)); done
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      tries=0
      while kill -0 "$pid" 2>/dev/null && ((tries < STACK_GLS_STOP_GRACE * 10)); do sleep 0.1; tries=$((tries + 1)); done
      if kill -0 "$pid" 2>/dev/null; then
        log "GameLift Streams emulator (pid $pid) still running ${STACK_GLS_STOP_GRACE}s after SIGTERM: SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
      fi
    fi
    wait "$pid" 2>/dev/null || true
    EC_GLS_PID=""
  fi
  seaweedfs_stop
  if [[ -n $_STACK_DIR ]]; then
    rm -f "$_STACK_DIR/gls.stdin" "$_STACK_DIR/client.env"
    _STACK_DIR=""
  fi
}
