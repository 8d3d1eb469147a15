import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

/** Every node a test started, so a failing test cannot leave processes behind. */
const live = new Set<ChildProcess>();

/** Kills whatever nodes are still running (use in after() hooks). */
export async function killAllNodes(): Promise<void> {
  const waiting = [...live].map((child) => new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(undefined);
    child.once('exit', resolve);
    child.kill('SIGKILL');
  }));
  await Promise.all(waiting);
}
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** How long a node may take to exit after SIGTERM or SIGINT before its teardown fails. */
export const STOP_DEADLINE_MS = 5000;

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const DCHAT_BIN = path.join(REPO_ROOT, 'bin', 'dchat.js');

export function tempDir(prefix = 'dchat-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Environment for a child dchat: no DCHAT_* or seed variables leak in from the developer's shell. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(DCHAT_|RUST_LOG$|LOG_DIR$|DATABASE_|JWT_SECRET$|TLS_|CORS_|XDG_DATA_HOME$)/.test(key)) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a Node script to completion, killing it after the timeout. */
export function runScript(script: string, args: readonly string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { env: cleanEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${path.basename(script)} ${args.join(' ')} did not finish in time\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs the real CLI to completion. */
export const runCli = (args: readonly string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<RunResult> => runScript(DCHAT_BIN, args, options);

/** A node's API, as tests call it: fetch with the token, `json` sent as a JSON body. */
export type ApiFetch = (pathAndQuery: string, init?: RequestInit & { json?: unknown }) => Promise<Response>;

export function apiFetch(url: string, token: string): ApiFetch {
  return (pathAndQuery, init = {}) => {
    const { json, headers, ...rest } = init;
    return fetch(`${url}${pathAndQuery}`, {
      ...rest,
      method: rest.method ?? (json !== undefined ? 'POST' : 'GET'),
      headers: {
        authorization: `Bearer ${token}`,
        ...(json !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(headers as Record<string, string> | undefined),
      },
      body: json !== undefined ? JSON.stringify(json) : rest.body,
    });
  };
}

export interface RunningNode {
  readonly url: string;
  /** libp2p peer id and addresses (with /p2p/), when networking is on. */
  readonly peerId: string | null;
  readonly p2pAddresses: string[];
  readonly metricsUrl: string | undefined;
  readonly dataDir: string;
  readonly token: string;
  readonly child: ChildProcess;
  /** Every log line so far, parsed. */
  readonly logs: Array<Record<string, unknown>>;
  readonly stderr: () => string;
  /** fetch against the node with the API token. */
  readonly api: ApiFetch;
  /**
   * Sends a signal (SIGTERM by default) and waits for exit; resolves with the exit code. A node
   * asked to stop with SIGTERM or SIGINT must exit with 0 within STOP_DEADLINE_MS, else it is
   * killed and this rejects: a slow or failed shutdown fails the test that started the node.
   * A node that already exited resolves with its code (the test killed it on purpose).
   */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  readonly exited: Promise<number | null>;
}

export interface StartNodeOptions {
  /** A command to run the node under, e.g. ['ip', 'netns', 'exec', 'ns1'] (it must exec). */
  readonly wrapper?: readonly string[];
  readonly dataDir?: string;
  readonly env?: Record<string, string>;
  readonly args?: readonly string[];
  readonly timeoutMs?: number;
}

/** Starts `dchat --headless` on a free port and waits until it logs that it is ready. */
export async function startNode(options: StartNodeOptions = {}): Promise<RunningNode> {
  const dataDir = options.dataDir ?? tempDir();
  const args = [DCHAT_BIN, '--headless', '--data-dir', dataDir, '--api-port', '0', '--p2p-port', '0', '--p2p-ws-port', '0', ...(options.args ?? [])];
  const [command, ...prefix] = options.wrapper ?? [];
  const child = spawn(command ?? process.execPath, command ? [...prefix, process.execPath, ...args] : args, {
    env: cleanEnv({ DCHAT_LOG_LEVEL: 'debug', DCHAT_P2P_HOST: '127.0.0.1', ...options.env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  let stderr = '';
  live.add(child);
  child.stderr!.on('data', (d: Buffer) => (stderr += d));
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      live.delete(child);
      resolve(code);
    }),
  );

  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      logs.push(entry);
      if (typeof entry.msg === 'string' && entry.msg.includes(' ready on ')) resolve(entry);
    });
    void exited.then((code) => reject(new Error(`dchat exited with ${code} before it was ready:\n${stderr}`)));
  });
  const timeout = new Promise<never>((_, reject) => {
    const timer = setTimeout(() => reject(new Error(`dchat was not ready within ${options.timeoutMs ?? 20_000} ms:\n${stderr}`)), options.timeoutMs ?? 20_000);
    timer.unref();
  });
  let readyEntry: Record<string, unknown>;
  try {
    readyEntry = await Promise.race([ready, timeout]);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  const url = readyEntry.api as string;
  const token = fs.readFileSync(path.join(dataDir, 'api-token'), 'utf8').trim();

  return {
    url,
    peerId: (readyEntry.peer_id as string | null) ?? null,
    p2pAddresses: (readyEntry.p2p_addresses as string[] | undefined) ?? [],
    metricsUrl: typeof readyEntry.metrics === 'string' && !readyEntry.metrics.startsWith(url) ? readyEntry.metrics : undefined,
    dataDir,
    token,
    child,
    logs,
    stderr: () => stderr,
    exited,
    api: apiFetch(url, token),
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const started = Date.now();
      child.kill(signal);
      if (signal !== 'SIGTERM' && signal !== 'SIGINT') return exited;
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), STOP_DEADLINE_MS)));
      const code = await Promise.race([exited, late]).finally(() => clearTimeout(timer));
      if (code === 'late') {
        child.kill('SIGKILL');
        await exited;
        throw new Error(`dchat did not stop within ${STOP_DEADLINE_MS} ms of ${signal}; killed it\n${stderr.slice(-2000)}`);
      }
      if (code !== 0) throw new Error(`dchat exited with ${code} after ${signal} (in ${Date.now() - started} ms), not 0\n${stderr.slice(-2000)}`);
      return code;
    },
  };
}

/** Creates an identity and a chat, the two objects sending a message needs. */
export async function prepareChat(node: RunningNode, chatId = 'test'): Promise<{ identityId: string }> {
  const identity = (await (await node.api('/api/identities', { json: { username: 'operator' } })).json()) as { id: string };
  const res = await node.api('/api/chats', { json: { chat_id: chatId } });
  if (res.status !== 201) throw new Error(`creating chat ${chatId}: ${res.status} ${await res.text()}`);
  return { identityId: identity.id };
}
