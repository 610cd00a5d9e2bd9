#!/bin/sh
# Container entrypoint: start one process of the platform.
#
#   entrypoint.sh gateway                   the HTTP gateway (the image's default CMD)
#   entrypoint.sh grids|tasks|scoring|notify the nameko service of that name
#   entrypoint.sh migrate [service ...]     upgrade the databases to head (no args: all)
#
# Further arguments after gateway or a service name go to `nameko run`
# (e.g. `--backdoor-port 3000`).
#
# With no argument the process is taken from $SERVICE (default: gateway). Anything else
# is refused, so a misspelt name fails loudly; for a shell use `--entrypoint sh`.
set -eu

# Module paths below are relative to the code directory (the image's WORKDIR).
cd /app 2>/dev/null || true
config="${NAMEKO_CONFIG:-deploy/nameko.yaml}"

if [ "$#" -gt 0 ]; then
    process="$1"
    shift
else
    process="${SERVICE:-gateway}"
fi

case "$process" in
    # module:Class, because a module also imports the mixins its service is composed of
    gateway)
        exec nameko run --config "$config" gateway.service:GatewayService "$@"
        ;;
    grids | tasks | scoring | notify)
        class="$(printf '%s' "$process" | cut -c1 | tr a-z A-Z)$(printf '%s' "$process" | cut -c2-)Service"
        exec nameko run --config "$config" "services.$process.service:$class" "$@"
        ;;
    migrate)
        exec python -m common.migrations "$@"
        ;;
    *)
        echo "entrypoint.sh: unknown process '$process' (expected gateway, grids, tasks, scoring, notify or migrate)" >&2
        exit 64
        ;;
esac
