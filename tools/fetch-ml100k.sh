#!/usr/bin/env bash
# Fetches MovieLens-100K from the recbole 1.2.1 wheel on PyPI into DIR
# (default data/raw) and verifies every file; never commit the result.
set -euo pipefail
dir=${1:-data/raw}
here=$(cd "$(dirname "$0")" && pwd)
wheel=recbole-1.2.1-py3-none-any.whl
wheel_sha256=9c9948202011f37eb0a7c6768129313f00d6403ad221ec940d5e2d5d5f33a407
mkdir -p "$dir"
if [ ! -f "$dir/ml-100k.inter" ]; then
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    python3 -m pip download -q --no-deps -d "$tmp" recbole==1.2.1
    echo "$wheel_sha256  $tmp/$wheel" | sha256sum -c --quiet -
    python3 - "$tmp/$wheel" "$dir" <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
for n in z.namelist():
    if n.startswith('recbole/dataset_example/ml-100k/ml-100k.'):
        open(sys.argv[2] + '/' + n.rsplit('/', 1)[1], 'wb').write(z.read(n))
PY
fi
(cd "$dir" && sha256sum -c --quiet "$here/ml-100k.sha256")
echo "data: MovieLens-100K verified in $dir"
