#!/bin/bash
# Size effect of the ILC/trimming switches, one at a time against the project's settings: one NativeAOT publish
# per row (run them one after another: the machine is shared), each row the stripped binary's bytes and `xz -9`
# of it, and the difference to the first row. Usage: tools/size-switches.sh ['NAME|MSBUILD-PROPERTIES' ...]
# (default: the rows below)
# Output: a Markdown table on stdout; publishes under build/size/NAME.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=("$@")
if ((${#ROWS[@]} == 0)); then
  ROWS=(
    "project|(as in Fobnail.Init.csproj)"
    "UseSystemResourceKeys|-p:UseSystemResourceKeys=true"
    "StackTraceSupport|-p:StackTraceSupport=false -p:IlcGenerateStackTraceData=false"
    "IlcFoldIdenticalMethodBodies|-p:IlcFoldIdenticalMethodBodies=true"
    "OptimizationPreference=Speed|-p:OptimizationPreference=Speed -p:IlcOptimizationPreference=Speed"
  )
fi
rev=$(git rev-parse --short=12 HEAD)
echo "| Switch (one at a time) | out/fobnail-init (bytes) | xz -9 (bytes) | Δ binary | Δ xz |"
echo "|---|---:|---:|---:|---:|"
base_size= base_xz=
for row in "${ROWS[@]}"; do
  name=${row%%|*} props=${row#*|}
  [[ $props == "("* ]] && props=
  dir=build/size/${name//[^A-Za-z0-9_.-]/_}
  # shellcheck disable=SC2086
  nice -n 10 dotnet publish src/Fobnail.Init/Fobnail.Init.csproj -c Release -o "$dir" -nologo -v:q -nodeReuse:false \
    -p:SourceRevisionId="$rev" $props > "$dir.log" 2>&1 || { echo "| $name | publish failed: $dir.log | | | |"; continue; }
  size=$(stat -c %s "$dir/fobnail-init")
  xzs=$(xz -9 -T1 -c "$dir/fobnail-init" | wc -c)
  : "${base_size:=$size}" "${base_xz:=$xzs}"
  printf '| %s `%s` | %s | %s | %+d | %+d |\n' "$name" "$props" "$size" "$xzs" $((size - base_size)) $((xzs - base_xz))
done
