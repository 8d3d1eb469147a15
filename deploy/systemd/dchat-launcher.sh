#!/bin/sh
# Installed as /usr/local/bin/dchat: runs dchat from /opt/dchat on the Node.js 24 that `npm ci`
# installs with the project, so the server's own Node version does not matter.
DCHAT_HOME=${DCHAT_HOME:-/opt/dchat}
NODE="$DCHAT_HOME/node_modules/node/bin/node"
[ -x "$NODE" ] || NODE=node
exec "$NODE" "$DCHAT_HOME/bin/dchat.js" "$@"
