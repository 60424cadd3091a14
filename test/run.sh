#!/bin/sh
# `npm test`: build (the CLI tests run dist/), then the type check alongside vitest (TypeScript 7's native
# tsc: about 2 s of CPU, where 5.9's took 11). Fails when either fails; arguments go to vitest
# (`npm test -- --reporter=dot`).
npm run --silent build || exit
npm run --silent typecheck &
tc=$!
vitest run "$@"
v=$?
wait "$tc"
t=$?
if [ "$v" -ne 0 ]; then exit "$v"; fi
exit "$t"
