#!/bin/bash
# Per-assembly size of out/fobnail-init from the ILC's own statistics: one NativeAOT publish with
# IlcGenerateMstatFile=true (same settings as ./build.sh build otherwise), then tools/SizeBreakdown reads the
# .mstat and prints Markdown tables (per assembly; file = code + data blobs + native rest).
# Usage: tools/size-breakdown.sh [TOP-BLOBS]      publish under build/size/breakdown
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/size/breakdown
mkdir -p "$out"
nice -n 10 dotnet publish src/Fobnail.Init/Fobnail.Init.csproj -c Release -o "$out" -nologo -v:q -nodeReuse:false \
  -p:SourceRevisionId="$(git rev-parse --short=12 HEAD)" -p:IlcGenerateMstatFile=true >&2
dotnet build tools/SizeBreakdown/SizeBreakdown.csproj -c Release -nologo -v:q -nodeReuse:false >&2
dotnet tools/SizeBreakdown/bin/Release/net10.0/SizeBreakdown.dll \
  src/Fobnail.Init/obj/Release/net10.0/linux-x64/native/fobnail-init.mstat "$out/fobnail-init" "${1:-12}"
