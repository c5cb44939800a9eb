#!/bin/bash
# Samantic on a Slurm cluster: a job array of N workers (here N = 8), one GPU each. Task i runs
# `samantic label <folder> --shards N`, reads i from SLURM_ARRAY_TASK_ID and writes its share of the
# folder into its own project, <folder>/.samantic/shard-i-of-N.db, on the shared file system. A task
# requeued after a node failure, or submitted again, resumes where it stopped.
#
# To change N, change --array=0-(N-1) and SHARDS together.
# Submit: jobid=$(sbatch --parsable resources/deploy/slurm-array.sh)
# Merge when every task succeeded (the merge itself needs no GPU):
#   sbatch --dependency=afterok:$jobid --wrap "samantic merge $FOLDER $FOLDER/.samantic/shard-*-of-8.db"
# Re-run failed tasks only: sbatch --array=3,5 resources/deploy/slurm-array.sh, then merge again.
#SBATCH --job-name=samantic-label
#SBATCH --array=0-7
#SBATCH --gres=gpu:1
#SBATCH --cpus-per-task=4
#SBATCH --mem=16G
#SBATCH --time=24:00:00
#SBATCH --requeue
#SBATCH --output=samantic-label-%A_%a.out
set -euo pipefail

SHARDS=8
FOLDER=${FOLDER:-/shared/photos}
MODEL=${MODEL:-sam-vit-b}
# The models folder (model.json + ONNX weights), prepared once: see the README, Scale out.
export SAMANTIC_MODELS_DIR=${SAMANTIC_MODELS_DIR:-/shared/samantic/models}
export SAMANTIC_STATE_DIR=${SAMANTIC_STATE_DIR:-${TMPDIR:-/tmp}/samantic-state}

# A whole array submitted with another size than SHARDS would split the folder wrongly.
if [ "${SLURM_ARRAY_TASK_MAX:-$((SHARDS - 1))}" -ge "$SHARDS" ]; then
  echo "slurm-array.sh: array task ${SLURM_ARRAY_TASK_MAX} is beyond SHARDS=$SHARDS; submit with --array=0-$((SHARDS - 1))." >&2
  exit 2
fi

# `samantic` from an installed checkout (npm ci), or the worker image through Apptainer:
#   SAMANTIC="apptainer exec --nv samantic-worker.sif samantic" sbatch slurm-array.sh
exec ${SAMANTIC:-samantic} label "$FOLDER" --shards "$SHARDS" --model "$MODEL" --device cuda --json
