import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { tempDir } from './spawn-node.ts';

/**
 * A real HAProxy (Debian's `haproxy`) in TCP mode in front of relay replicas, as an operator runs
 * it (deploy/haproxy/relay-cluster.cfg is the same shape): least connections, a health check
 * per replica, and a refused connection redispatched to another replica, so a replica killed
 * with -9 is out of the rotation at once. Where haproxy is missing the tests skip and say why,
 * except under CI, which installs it (.ci/run).
 */
export interface TestHaproxy {
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
}

export type HaproxyOrSkip = { readonly haproxy: TestHaproxy; readonly skip?: undefined } | { readonly haproxy?: undefined; readonly skip: string };

/** The haproxy binary: on PATH, or in /usr/sbin (not on an ordinary user's PATH). */
const HAPROXY = fs.existsSync('/usr/sbin/haproxy') ? '/usr/sbin/haproxy' : 'haproxy';

export function haproxyMissing(): string | undefined {
  try {
    execFileSync(HAPROXY, ['-v'], { stdio: 'pipe' });
    return undefined;
  } catch {
    const why = 'HAProxy is not installed (apt-get install haproxy), so the relay cluster tests cannot run here';
    if (process.env.CI) throw new Error(`${why}; CI installs it (.ci/run) and must run them`);
    return why;
  }
}

/** The balancer's configuration: one frontend on `port`, the replicas at `backends` (host:port). */
export function haproxyConfig(port: number, backends: readonly string[]): string {
  return [
    'global',
    '  maxconn 4096',
    'defaults',
    '  mode tcp',
    '  timeout connect 2s',
    // libp2p connections are long-lived and idle between messages (yamux pings keep them up).
    '  timeout client 1h',
    '  timeout server 1h',
    '  option redispatch',
    '  retries 3',
    'frontend dchat_relay',
    `  bind 127.0.0.1:${port}`,
    '  default_backend dchat_relay_replicas',
    'backend dchat_relay_replicas',
    '  balance leastconn',
    ...backends.map((b, i) => `  server replica${i + 1} ${b} check inter 1s fall 1 rise 1 on-marked-down shutdown-sessions`),
    '',
  ].join('\n');
}

async function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startHaproxy(port: number, backends: readonly string[]): Promise<TestHaproxy> {
  const dir = tempDir('dchat-haproxy-');
  const config = path.join(dir, 'haproxy.cfg');
  fs.writeFileSync(config, haproxyConfig(port, backends));
  execFileSync(HAPROXY, ['-c', '-q', '-f', config], { stdio: 'pipe' });
  // -db: stay in the foreground, so the test owns the process (and its pid) and can stop it.
  const child: ChildProcess = spawn(HAPROXY, ['-db', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 10_000;
  while (!(await accepting(port))) {
    if (child.exitCode !== null) throw new Error(`haproxy exited: ${stderr}`);
    if (Date.now() > deadline) throw new Error(`haproxy did not listen on ${port}: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
