#!/usr/bin/env bash
# The pipeline a user would otherwise write with the AWS CLI and unzip: list
# the sessions whose export SUCCEEDED, copy each archive, test it, extract it
# and hash the extracted files. One session after another, as such scripts
# are. The peer of `export-collector run` in scripts/bench/run_bench.py.
#
#   cli_pipeline.sh OUT_DIR STREAM_GROUP...     (AWS_* in the environment)
set -uo pipefail
out=$1; shift
mkdir -p "$out"
for group in "$@"; do
  aws gameliftstreams list-stream-sessions --identifier "$group" --export-files-status SUCCEEDED --output json \
    | jq -r '.Items[] | [(.Arn | split("/") | last), .ExportFilesMetadata.OutputUri] | @tsv'
done | while IFS=$'\t' read -r session uri; do
  case "$uri" in
    s3://*/) # a prefix: the newest object whose name carries the session id
      bucket=${uri#s3://}; bucket=${bucket%%/*}; prefix=${uri#s3://$bucket/}
      key=$(aws s3api list-objects-v2 --bucket "$bucket" --prefix "$prefix" --output json \
        | jq -r --arg s "$session" '[.Contents[]? | select(.Key | contains($s))] | sort_by(.LastModified) | last | .Key // empty')
      [[ -n $key ]] || { echo "$session: no archive under $uri" >&2; continue; }
      uri="s3://$bucket/$key" ;;
    s3://*) ;;
    *) echo "$session: bad OutputUri $uri" >&2; continue ;;
  esac
  aws s3 cp --only-show-errors "$uri" "$out/$session.zip" || continue
  unzip -tq "$out/$session.zip" >/dev/null || { echo "$session: archive does not verify" >&2; continue; }
  unzip -qo "$out/$session.zip" -d "$out/$session" >/dev/null 2>&1 || true
  (cd "$out/$session" && find . -type f -print0 | xargs -0 -r sha256sum) >"$out/$session.sha256"
done
