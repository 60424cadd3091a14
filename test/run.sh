#!/bin/sh
# `npm test`: the type check (TypeScript 7's native tsc: about 2 s of CPU, where 5.9's took 11) runs beside the
# build, which is mostly one core for a second, and then beside vitest; the build comes before vitest (the CLI
# tests run dist/). Fails when either fails; arguments go to vitest (`npm test -- --reporter=dot`).
npm run --silent typecheck &
tc=$!
npm run --silent build || { wait "$tc"; exit 1; }
vitest run "$@"
v=$?
wait "$tc"
t=$?
if [ "$v" -ne 0 ]; then exit "$v"; fi
exit "$t"
