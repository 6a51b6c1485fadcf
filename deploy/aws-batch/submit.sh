#!/usr/bin/env bash
# Submits one collection to AWS Batch: an array job of N shards, then the
# merge job.
#
#   deploy/aws-batch/submit.sh [--shards N] [--queue QUEUE] [--data DIR]
#
# Each child of the array runs `export-collector run --shard auto/N`: its
# shard is AWS_BATCH_JOB_ARRAY_INDEX (0 to N-1), its folder DIR/shard-I-of-N
# on the EFS volume of the job definitions. The merge job depends on the
# array job's id with no type: it starts once every child has succeeded
# (N_TO_N pairs the children of two array jobs and SEQUENTIAL chains the
# children of one; neither is what a single merge job needs). The shards run
# with --allow-failed-sessions, so failed sessions (recorded in the
# manifests) do not fail a child and keep the merge from starting.
#
# Register the job definitions once (and copy pipeline.json to DIR on EFS):
#   aws batch register-job-definition --cli-input-json file://deploy/aws-batch/job-definition.json
#   aws batch register-job-definition --cli-input-json file://deploy/aws-batch/merge-job-definition.json
#
# Environment: JOB_QUEUE, SHARD_JOB_DEFINITION, MERGE_JOB_DEFINITION, and the
# aws CLI's own (AWS_PROFILE, AWS_REGION). Prints the two job ids.
set -euo pipefail

shards=4
queue=${JOB_QUEUE:-export-collector}
data=/data
shard_definition=${SHARD_JOB_DEFINITION:-export-collector-shard}
merge_definition=${MERGE_JOB_DEFINITION:-export-collector-merge}

usage() { sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; }
while (($#)); do
  case "$1" in
    --shards) shards=${2:?--shards needs a number}; shift 2 ;;
    --queue) queue=${2:?--queue needs a job queue}; shift 2 ;;
    --data) data=${2:?--data needs a folder}; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "error: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
# An array job has 2 to 10,000 children.
if ! [[ $shards =~ ^[0-9]+$ ]] || ((shards < 2 || shards > 10000)); then
  echo "error: --shards must be 2 to 10000 (the sizes of an AWS Batch array job), found $shards" >&2
  exit 2
fi

# A JSON array of strings (the command overrides); the values here hold no
# control characters, so escaping \ and " is enough.
json_array() {
  local out="" item
  for item in "$@"; do
    item=${item//\\/\\\\}
    out+="${out:+,}\"${item//\"/\\\"}\""
  done
  printf '[%s]' "$out"
}

stamp=$(date -u +%Y%m%d-%H%M%S)
shard_command=$(json_array run --config "$data/pipeline.json" --shard "auto/$shards" --output "$data" \
  --allow-failed-sessions --no-progress --log-format json)
array_id=$(aws batch submit-job \
  --job-name "export-collector-$stamp-shards" \
  --job-queue "$queue" \
  --job-definition "$shard_definition" \
  --array-properties "size=$shards" \
  --container-overrides "{\"command\": $shard_command}" \
  --query jobId --output text)
echo "shards: $array_id (array of $shards)"

inputs=()
for ((i = 0; i < shards; i++)); do inputs+=("$data/shard-$i-of-$shards"); done
merge_command=$(json_array merge "${inputs[@]}" -o "$data/merged" --json)
merge_id=$(aws batch submit-job \
  --job-name "export-collector-$stamp-merge" \
  --job-queue "$queue" \
  --job-definition "$merge_definition" \
  --depends-on "jobId=$array_id" \
  --container-overrides "{\"command\": $merge_command}" \
  --query jobId --output text)
echo "merge: $merge_id (after $array_id)"
