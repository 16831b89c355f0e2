#!/usr/bin/env bash
# Lay out the Intel Image Classification set from a fetched git mirror.
# usage: model_training/extract-intel-data.sh MIRROR_GIT_DIR DEST
# MIRROR_GIT_DIR: a git clone (or mirror) of yadavaditya13/Image_Classification_Using_Deep_Learning.
# The mirror adds a stray 0.jpg to five train folders; they are dropped, so the counts match the
# published set (train 2191/2271/2404/2512/2274/2382, test 437/474/553/525/510/501).
set -euo pipefail
src=${1:?usage: extract-intel-data MIRROR_GIT_DIR DEST}
dest=${2:?usage: extract-intel-data MIRROR_GIT_DIR DEST}
mkdir -p "$dest"
git --git-dir="$src" archive 029bdafbcdc4b2ab866fd3706487c982be58b54d dataset | tar -x -C "$dest" --strip-components=1
for c in forest glacier mountain sea street; do rm -f "$dest/seg_train/$c/0.jpg"; done
for s in seg_train seg_test; do
  for c in buildings forest glacier mountain sea street; do
    printf '%s/%s %s\n' "$s" "$c" "$(ls "$dest/$s/$c" | wc -l)"
  done
done
echo "seg_pred $(ls "$dest/seg_pred" | wc -l)"
