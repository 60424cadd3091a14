#!/bin/sh
# `npm test`: build (the CLI tests run dist/), then the type check alongside vitest: tsc keeps one core busy
# for a few seconds, which vitest's two workers leave free now and then. Fails when either fails; arguments
# go to vitest (`npm test -- --reporter=dot`).
npm run --silent build || exit
npm run --silent typecheck &
tc=$!
vitest run "$@"
v=$?
wait "$tc"
t=$?
if [ "$v" -ne 0 ]; then exit "$v"; fi
exit "$t"
