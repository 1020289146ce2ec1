#!/bin/sh
# Berth exec hook: keeps a task in an nginx upstream (open-source nginx has no runtime upstream API, so: rewrite an
# include file, then `nginx -s reload`).
#
#   healthy  add    "server <address>; # berth-task=<task id>" to NGINX_UPSTREAM_FILE, reload
#   preKill  remove that line, reload, then wait (at most NGINX_DRAIN_SECONDS) for the old workers' requests in flight
#   stop     remove it again (idempotent: nothing to do when it is gone; no reload then)
#
# Every value comes from the environment Berth gives exec hooks (BERTH_HOOK_PHASE, BERTH_TASK_ID, the task's own
# env such as PORT0); none is ever evaluated by the shell. The file is rewritten atomically (temp file + mv) under a
# lock (flock(1) when installed, otherwise a lock directory), held across the reload, so that tasks registering at
# the same time do not lose each other's lines. When the reload fails, the previous file is put back.
#
# With NGINX_PID_FILE the hook confirms instead of trusting: `nginx -s reload` only sends a signal, so after it the
# hook waits until new workers have taken over from the old ones (the new upstream is served), and in preKill until the old
# workers have finished their requests in flight and exited (at most NGINX_DRAIN_SECONDS). Without it, preKill just
# sleeps NGINX_DRAIN_SECONDS.
#
# Variables (the task's env, e.g. Marathon's "env"):
#   NGINX_UPSTREAM_FILE      required: the file included in an `upstream { … }` block
#   NGINX_UPSTREAM_ADDRESS   host:port written into the file (default: $NGINX_UPSTREAM_HOST:$PORT0)
#   NGINX_UPSTREAM_HOST      host part of the default address (default: 127.0.0.1)
#   NGINX_SERVER_PARAMS      extra `server` parameters, e.g. "max_fails=1 fail_timeout=5s" (default: none)
#   NGINX_BIN                the nginx binary (default: nginx, from PATH)
#   NGINX_CONF               passed as `-c` to `nginx -s reload` (default: nginx's built-in path)
#   NGINX_PREFIX             passed as `-p` (default: nginx's built-in prefix)
#   NGINX_PID_FILE           nginx's pid file (its `pid` directive): confirm reloads and drains (default: not confirmed)
#   NGINX_RELOAD_TIMEOUT     with NGINX_PID_FILE: seconds to wait for the new workers to take over (default: 10)
#   NGINX_DRAIN_SECONDS      preKill: longest wait for the old workers (with NGINX_PID_FILE), or the time slept
#                            (without); default 0; keep it below the hook's timeout
#   NGINX_LOCK_TIMEOUT       seconds to wait for the lock (default: 10)
set -eu

me="nginx upstream hook"
fail() {
  printf '%s: %s\n' "$me" "$*" >&2
  exit 1
}

phase="${BERTH_HOOK_PHASE:-}"
task_id="${BERTH_TASK_ID:-}"
file="${NGINX_UPSTREAM_FILE:-}"
nginx_bin="${NGINX_BIN:-nginx}"
drain="${NGINX_DRAIN_SECONDS:-0}"
lock_timeout="${NGINX_LOCK_TIMEOUT:-10}"
reload_timeout="${NGINX_RELOAD_TIMEOUT:-10}"
pid_file="${NGINX_PID_FILE:-}"
params="${NGINX_SERVER_PARAMS:-}"

[ -n "$phase" ] || fail "BERTH_HOOK_PHASE is not set (run me as a Berth exec hook)"
[ -n "$task_id" ] || fail "BERTH_TASK_ID is not set (run me as a Berth exec hook)"
[ -n "$file" ] || fail "NGINX_UPSTREAM_FILE is not set (the file included in the nginx upstream block)"

is_whole_number() {
  case "$1" in '' | *[!0-9]*) return 1 ;; *) return 0 ;; esac
}
is_whole_number "$drain" || fail "NGINX_DRAIN_SECONDS must be a whole number of seconds (got '$drain')"
is_whole_number "$reload_timeout" || fail "NGINX_RELOAD_TIMEOUT must be a whole number of seconds (got '$reload_timeout')"
is_whole_number "$lock_timeout" || fail "NGINX_LOCK_TIMEOUT must be a whole number of seconds (got '$lock_timeout')"

# What goes into nginx's configuration must not be able to change it: one token of safe characters each.
case "$task_id" in
  *[!A-Za-z0-9._:@+-]*) fail "the task id (BERTH_TASK_ID) has characters outside [A-Za-z0-9._:@+-]; not written into the nginx configuration" ;;
esac
case "$params" in
  *[!A-Za-z0-9_.=\ -]*) fail "NGINX_SERVER_PARAMS may only hold letters, digits, '_', '.', '=', '-' and spaces" ;;
esac

marker="# berth-task=$task_id"

# nginx -s reload, with -c / -p when set.
reload() {
  if [ -n "${NGINX_CONF:-}" ] && [ -n "${NGINX_PREFIX:-}" ]; then
    "$nginx_bin" -c "$NGINX_CONF" -p "$NGINX_PREFIX" -s reload
  elif [ -n "${NGINX_CONF:-}" ]; then
    "$nginx_bin" -c "$NGINX_CONF" -s reload
  elif [ -n "${NGINX_PREFIX:-}" ]; then
    "$nginx_bin" -p "$NGINX_PREFIX" -s reload
  else
    "$nginx_bin" -s reload
  fi
}

# A short pause between checks (fractions of a second where sleep(1) accepts them, as GNU and busybox do).
pause() {
  sleep 0.1 2>/dev/null || sleep 1
}

# Process ids of nginx's master's children (workers, cache processes), one line each; nothing without a pid file.
old_workers=""
master=""
read_master() {
  [ -n "$pid_file" ] || return 0
  master=$(cat -- "$pid_file" 2>/dev/null) || fail "cannot read NGINX_PID_FILE ($pid_file): is nginx running?"
  is_whole_number "$master" || fail "NGINX_PID_FILE ($pid_file) does not hold a process id"
}
workers() {
  [ -n "$master" ] || return 0
  ps -e -o ppid= -o pid= | awk -v master="$master" '$1 == master { print $2 }'
}
# Prints how many of $old_workers are still running.
old_still_running() {
  current=" $(workers | tr '\n' ' ') "
  count=0
  for pid in $old_workers; do
    case "$current" in *" $pid "*) count=$((count + 1)) ;; esac
  done
  echo "$count"
}
# After a reload: waits until the master runs a worker that was not there before and every old worker has stopped
# accepting connections (it is gone, or nginx has retitled it "worker process is shutting down"), so that from now on
# every new connection gets the new upstream list.
await_new_workers() {
  [ -n "$master" ] || return 0
  deadline=$(($(date +%s) + reload_timeout))
  while :; do
    new=0
    accepting=0
    for entry in $(ps -e -o ppid= -o pid= -o args= | awk -v master="$master" \
      '$1 == master { print $2 ":" (index($0, "shutting down") ? "closing" : "serving") }'); do
      case " $old_workers " in
        *" ${entry%%:*} "*) [ "${entry#*:}" = closing ] || accepting=1 ;;
        *) new=1 ;;
      esac
    done
    if [ "$new" = 1 ] && [ "$accepting" = 0 ]; then return 0; fi
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    pause
  done
}

dir=$(dirname -- "$file")
[ -d "$dir" ] || fail "the directory of NGINX_UPSTREAM_FILE ($dir) does not exist"
tmp="$file.berth.$$"
backup="$file.berth-old.$$"
lockfile="$file.lock"
lockdir="$file.lockdir"
have_lockdir=0
cleanup() {
  rm -f -- "$tmp" "$backup"
  unlock
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

lock() {
  if command -v flock >/dev/null 2>&1; then
    # Released by the kernel when this script exits, whatever kills it.
    exec 9>>"$lockfile"
    flock -w "$lock_timeout" 9 || fail "could not lock $lockfile within $lock_timeout s"
  else
    waited=0
    until mkdir -- "$lockdir" 2>/dev/null; do
      [ "$waited" -lt "$lock_timeout" ] || fail "could not lock $lockdir within $lock_timeout s (remove it if no hook is running)"
      sleep 1
      waited=$((waited + 1))
    done
    have_lockdir=1
  fi
}

unlock() {
  if [ "$have_lockdir" = 1 ]; then
    rmdir -- "$lockdir" 2>/dev/null || true
    have_lockdir=0
  fi
  exec 9>&- # a flock is released with its last descriptor
}

# Writes the file without this task's line (plus $1 when given) to $tmp. Lines are compared as text: awk reads the
# marker from the environment, never from its program text.
write_without_task() {
  if [ -f "$file" ]; then
    BERTH_HOOK_MARKER="$marker" awk '
      BEGIN { m = " " ENVIRON["BERTH_HOOK_MARKER"] }
      { if (length($0) < length(m) || substr($0, length($0) - length(m) + 1) != m) print }
    ' "$file" >"$tmp" || fail "could not read $file"
  else
    : >"$tmp" || fail "could not write $tmp"
  fi
  if [ $# -gt 0 ]; then printf '%s\n' "$1" >>"$tmp" || fail "could not write $tmp"; fi
  chmod 644 "$tmp" || fail "could not chmod $tmp"
}

# Moves $tmp over the file and reloads nginx; puts the old file back when the reload fails.
install_and_reload() {
  if [ -f "$file" ]; then
    if cmp -s "$tmp" "$file"; then return 1; fi # unchanged
  elif [ ! -s "$tmp" ]; then
    return 1 # no file, nothing to add
  fi
  had_file=0
  if [ -f "$file" ]; then
    cp -p -- "$file" "$backup" || fail "could not copy $file"
    had_file=1
  fi
  read_master
  old_workers=$(workers | tr '\n' ' ')
  mv -f -- "$tmp" "$file" || fail "could not replace $file"
  if ! reload; then
    if [ "$had_file" = 1 ]; then mv -f -- "$backup" "$file"; else rm -f -- "$file"; fi
    fail "'$nginx_bin -s reload' failed; $file was restored (see nginx's message above)"
  fi
  await_new_workers || fail "nginx's new workers did not take over within $reload_timeout s after the reload (see its error log); $file holds the new list"
  return 0
}

case "$phase" in
  healthy)
    if [ -n "${NGINX_UPSTREAM_ADDRESS:-}" ]; then
      address="$NGINX_UPSTREAM_ADDRESS"
    else
      [ -n "${PORT0:-}" ] || fail "PORT0 is not set (the task has no port) and NGINX_UPSTREAM_ADDRESS is not set"
      address="${NGINX_UPSTREAM_HOST:-127.0.0.1}:$PORT0"
    fi
    case "$address" in
      '' | *[!A-Za-z0-9.:_\[\]-]*) fail "address '$address' is not a host:port (letters, digits, '.', ':', '_', '-', '[]')" ;;
    esac
    line="server $address"
    if [ -n "$params" ]; then line="$line $params"; fi
    lock
    write_without_task "$line; $marker"
    if install_and_reload; then
      printf '%s: added %s to %s, nginx reloaded\n' "$me" "$address" "$file"
    else
      printf '%s: %s already in %s\n' "$me" "$address" "$file"
    fi
    ;;
  preKill | stop)
    lock
    write_without_task
    if install_and_reload; then
      printf '%s: removed task %s from %s, nginx reloaded\n' "$me" "$task_id" "$file"
      unlock # other tasks may register while this one drains
      if [ "$phase" = preKill ] && [ "$drain" -gt 0 ]; then
        if [ -n "$master" ]; then
          deadline=$(($(date +%s) + drain))
          while left=$(old_still_running) && [ "$left" -gt 0 ] && [ "$(date +%s)" -lt "$deadline" ]; do pause; done
          if [ "$left" -gt 0 ]; then
            printf '%s: %s old nginx processes still busy after %s s; going on\n' "$me" "$left" "$drain"
          else
            printf '%s: the old nginx workers have finished their requests\n' "$me"
          fi
        else
          printf '%s: waiting %s s for requests in flight\n' "$me" "$drain"
          sleep "$drain"
        fi
      fi
    else
      printf '%s: task %s not in %s (nothing to do)\n' "$me" "$task_id" "$file"
    fi
    ;;
  *)
    fail "nothing to do in phase '$phase' (use the phases healthy, preKill, stop)"
    ;;
esac
