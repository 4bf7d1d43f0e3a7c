#!/bin/sh
# Peak RSS of `tfe eval` on zoo network C with a large batch (issue 11: <= 2 GB at any
# --batch). Usage: sh bench/rss-eval.sh [BATCH] [CHUNK]; run `npm run build` first.
# Prints the eval JSON and the child's peak RSS (process.resourceUsage().maxRSS).
set -e
BATCH=${1:-1000}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
node dist/src/cli.js compile models/zoo/C/model.json -o "$DIR" --input-range 0:1 > /dev/null
node --import 'data:text/javascript,process.on("exit",()=>process.stderr.write("peak RSS "+(process.resourceUsage().maxRSS/1024).toFixed(0)+" MiB\n"))' \
  dist/src/cli.js eval "$DIR" --mnist ../shared/models/mnist_testset --batch "$BATCH" --limit "$BATCH" --json ${2:+--chunk "$2"}
