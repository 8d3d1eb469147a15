/** The name tools show for the process: ss's users:(("dchat",...)), netstat's PID/dchat, ps, top. */
export const PROCESS_NAME = 'dchat';

/**
 * Names this process `dchat` instead of `node`, so the deployment guide's
 * `netstat -tlnp | grep dchat` and `ss -tlnp | grep dchat` find it.
 *
 * process.title rewrites the command line (what ps and netstat read) and, through libuv, the
 * kernel's short name of the process (what ss and top read). The title is the bare name, without
 * the arguments: netstat names a process after the last `/` of its command line, so
 * `dchat --config /etc/dchat/config.toml` would show as `config.toml`.
 */
export function nameProcess(): void {
  process.title = PROCESS_NAME;
}
