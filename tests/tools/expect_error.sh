#!/usr/bin/env bash
# expect_error.sh EXIT_CODE REGEX COMMAND...: runs COMMAND and passes when it exits with EXIT_CODE
# and prints exactly one line on stderr, matching REGEX (a clear one-line error, no stack trace).
set -u
want_code=$1
regex=$2
shift 2
err=$("$@" 2>&1 >/dev/null)
code=$?
lines=$(printf '%s\n' "$err" | wc -l)
if [[ $code -ne $want_code ]]; then echo "exit code $code, expected $want_code; stderr: $err"; exit 1; fi
if [[ $lines -ne 1 ]]; then echo "expected one line on stderr, got $lines: $err"; exit 1; fi
if ! [[ $err =~ $regex ]]; then echo "stderr '$err' does not match '$regex'"; exit 1; fi
echo "ok: $err"
