/**
 * Why a socket could not listen, said for an operator: by the error's code, with what to do.
 * One table for the API's and the peer-to-peer listeners, so both say it the same way.
 */
export function listenReason(code: string | undefined, hostSetting: string): string | undefined {
  switch (code) {
    case 'EADDRINUSE':
      return 'the address is already in use (is another dchat running? choose another port, or 0 for a free one)';
    case 'EACCES':
      return 'permission denied (ports below 1024 need privileges)';
    case 'EADDRNOTAVAIL':
      return `that address is not on this machine (${hostSetting})`;
    default:
      return undefined;
  }
}
