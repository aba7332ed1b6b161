#!/bin/sh
# Rebuilds words/english-scowl.txt from SCOWL as Debian ships it (package wamerican-huge,
# version 2020.12.07-2): every entry that starts with a lower-case letter (proper nouns are
# capitalised in SCOWL and are left out), possessives dropped, ASCII only, sorted.
#   apt-get install wamerican-huge && sh redaction-rules/tools/build_english.sh
set -eu
src=${1:-/usr/share/dict/american-english-huge}
out=$(dirname "$0")/../words/english-scowl.txt
{
  echo "# SCOWL english word list (size 70, wamerican-huge 2020.12.07-2): lower-case entries only."
  echo "# Copyright 2000-2011 Kevin Atkinson and others; licence in english-scowl.COPYRIGHT."
  grep -a '^[a-z]' "$src" | grep -av "'s\$" | LC_ALL=C grep -a '^[a-z][a-z'"'"'-]*$' | LC_ALL=C sort -u
} > "$out"
