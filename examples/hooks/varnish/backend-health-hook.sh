#!/bin/sh
# Berth exec hook: takes a Varnish backend out of rotation before its task is stopped and puts it back once the task
# is ready, through varnishadm (no VCL reload):
#
#   healthy  varnishadm backend.set_health <backend> auto   (Varnish uses the backend again; its probe decides, if any)
#   preKill  varnishadm backend.set_health <backend> sick   (no new requests), then wait until the backend's requests
#            in flight are answered (varnishstat VBE.*.<backend>.conn reaches 0), at most VARNISH_DRAIN_SECONDS
#   stop     the same as preKill (idempotent)
#
# The backend is declared in the VCL (one backend per task slot: e.g. `backend app1 { .host = "127.0.0.1";
# .port = "31000"; }`); this hook only switches its health. Every value comes from the environment Berth gives exec
# hooks (BERTH_HOOK_PHASE, BERTH_TASK_ID, the task's own env); none is ever evaluated by the shell.
#
# Variables (the task's env, e.g. Marathon's "env"):
#   VARNISH_BACKEND         required: the backend's name (or a varnishadm pattern such as `boot.app*`)
#   VARNISH_NAME            varnishadm -n: the varnishd instance's working directory (default: varnishadm's own)
#   VARNISH_ADMIN_ADDRESS   varnishadm -T host:port, instead of finding it through -n (needs VARNISH_SECRET_FILE)
#   VARNISH_SECRET_FILE     varnishadm -S: the file with the admin secret
#   VARNISHADM              the varnishadm binary (default: varnishadm, from PATH)
#   VARNISHSTAT             the varnishstat binary (default: varnishstat, from PATH)
#   VARNISH_DRAIN_SECONDS   preKill: the longest wait for the requests in flight (default: 0: no wait); keep it below
#                           the hook's timeout. Confirmed through varnishstat (same host, -n); with
#                           VARNISH_ADMIN_ADDRESS only, or when varnishstat fails, it is simply slept.
set -eu

me="varnish backend hook"
fail() {
  printf '%s: %s\n' "$me" "$*" >&2
  exit 1
}

phase="${BERTH_HOOK_PHASE:-}"
backend="${VARNISH_BACKEND:-}"
varnishadm="${VARNISHADM:-varnishadm}"
varnishstat="${VARNISHSTAT:-varnishstat}"
drain="${VARNISH_DRAIN_SECONDS:-0}"

[ -n "$phase" ] || fail "BERTH_HOOK_PHASE is not set (run me as a Berth exec hook)"
[ -n "$backend" ] || fail "VARNISH_BACKEND is not set (the name of the task's backend in the VCL)"
# varnishadm joins its arguments into one CLI line: the name must stay one plain word.
case "$backend" in
  *[!A-Za-z0-9_.*-]*) fail "VARNISH_BACKEND '$backend' may only hold letters, digits, '_', '.', '-' and '*'" ;;
esac
case "$drain" in
  '' | *[!0-9]*) fail "VARNISH_DRAIN_SECONDS must be a whole number of seconds (got '$drain')" ;;
esac

case "$phase" in
  healthy) health=auto ;;
  preKill | stop) health=sick ;;
  *) fail "nothing to do in phase '$phase' (use the phases healthy, preKill, stop)" ;;
esac

# varnishadm [-n DIR] [-T ADDR] [-S FILE] backend.set_health NAME HEALTH, building the argument list without eval.
set -- backend.set_health "$backend" "$health"
if [ -n "${VARNISH_SECRET_FILE:-}" ]; then set -- -S "$VARNISH_SECRET_FILE" "$@"; fi
if [ -n "${VARNISH_ADMIN_ADDRESS:-}" ]; then set -- -T "$VARNISH_ADMIN_ADDRESS" "$@"; fi
if [ -n "${VARNISH_NAME:-}" ]; then set -- -n "$VARNISH_NAME" "$@"; fi

# varnishadm exits non-zero when Varnish answers with an error (e.g. no backend matches the name).
if ! answer=$("$varnishadm" "$@" 2>&1); then
  [ -z "$answer" ] || printf '%s\n' "$answer" >&2
  fail "'$varnishadm backend.set_health $backend $health' failed (instance: ${VARNISH_NAME:-default})"
fi
printf '%s: backend %s set to %s (task %s)\n' "$me" "$backend" "$health" "${BERTH_TASK_ID:-?}"

# Connections Varnish is using to the backend right now (the sum over VCLs), or nothing when varnishstat fails.
busy() {
  if [ -n "${VARNISH_NAME:-}" ]; then
    out=$("$varnishstat" -n "$VARNISH_NAME" -1 -f "VBE.*.$backend.conn" 2>/dev/null) || return 0
  else
    out=$("$varnishstat" -1 -f "VBE.*.$backend.conn" 2>/dev/null) || return 0
  fi
  printf '%s\n' "$out" | awk '{ n += $2 } END { print n + 0 }'
}
pause() {
  sleep 0.1 2>/dev/null || sleep 1
}

if [ "$phase" = preKill ] && [ "$drain" -gt 0 ]; then
  if [ -n "${VARNISH_ADMIN_ADDRESS:-}" ] && [ -z "${VARNISH_NAME:-}" ]; then
    left=""
  else
    left=$(busy)
  fi
  if [ -z "$left" ]; then
    printf '%s: waiting %s s for requests in flight (not confirmed: no varnishstat for this instance)\n' "$me" "$drain"
    sleep "$drain"
  else
    deadline=$(($(date +%s) + drain))
    while [ "$left" -gt 0 ] && [ "$(date +%s)" -lt "$deadline" ]; do
      pause
      left=$(busy)
      [ -n "$left" ] || left=0
    done
    if [ "$left" -gt 0 ]; then
      printf '%s: %s requests to %s still in flight after %s s; going on\n' "$me" "$left" "$backend" "$drain"
    else
      printf '%s: no request to %s in flight\n' "$me" "$backend"
    fi
  fi
fi
