#!/bin/sh
# Brings up a Buildbot master and one worker on this machine for trying slashbuild on Buildbot,
# with examples/buildbot/slashbuild.yaml; and takes down exactly what it started.
#
#   examples/buildbot/try-buildbot.sh start DIR   # DIR is created; master in DIR/master, worker in DIR/worker
#   examples/buildbot/try-buildbot.sh stop DIR    # stops that master and worker (by their own pid files)
#
# Needs Debian's buildbot and buildbot-worker (apt-get install buildbot buildbot-worker) and
# `npm ci` done in this clone. Ports: BB_WWW_PORT (8010) and BB_WORKER_PORT (9989), both listening
# on 127.0.0.1 only (the config's url and worker_interface); the REST API answers slashbuild's user only.
set -eu

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
action=$1
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
config="$here/slashbuild.yaml"
slashbuild() { node "$root/bin/slashbuild.js" "$@"; }

case "$action" in
start)
  mkdir -p "$2"
  dir=$(cd "$2" && pwd)
  # The www stub Debian lacks (the REST API lives in www): the master needs it on PYTHONPATH.
  slashbuild buildbot-config --www-stub "$dir/www-stub"
  export PYTHONPATH="$dir/www-stub"
  buildbot create-master --quiet "$dir/master"
  slashbuild buildbot-config --config "$config" > "$dir/master/master.cfg"
  chmod 600 "$dir/master/master.cfg"  # it holds passwords
  buildbot checkconfig "$dir/master"
  buildbot upgrade-master "$dir/master" > "$dir/upgrade-master.log"
  buildbot start "$dir/master"
  buildbot-worker create-worker --quiet "$dir/worker" "127.0.0.1:${BB_WORKER_PORT:-9989}" worker-1 \
    "${BB_WORKER_PASSWORD:-try-buildbot-worker-password}"
  buildbot-worker start "$dir/worker"
  echo "Buildbot master at http://127.0.0.1:${BB_WWW_PORT:-8010}/api/v2 with worker-1."
  echo "Now: node bin/slashbuild.js serve --config examples/buildbot/slashbuild.yaml"
  echo "Stop both with: $0 stop $dir"
  ;;
stop)
  [ -d "$2" ] || { echo "$0: no such directory $2" >&2; exit 1; }
  dir=$(cd "$2" && pwd)
  status=0
  if [ -f "$dir/worker/twistd.pid" ]; then buildbot-worker stop "$dir/worker" || status=1; fi
  if [ -f "$dir/master/twistd.pid" ]; then buildbot stop "$dir/master" || status=1; fi
  exit $status
  ;;
*)
  usage
  ;;
esac
