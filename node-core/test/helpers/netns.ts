import { execFileSync } from 'node:child_process';

/**
 * Network namespaces for tests that need separate hosts: one namespace per name, each with a
 * veth on one bridge in the test's own namespace. Names get `<prefix>.1`, `.2`, ... in order; the
 * test itself (and its HTTP calls) is `<prefix>.254`. `cut` splits them into groups that cannot
 * reach each other (blackhole routes inside the namespaces: existing TCP connections stall as on
 * a real partition, they are not reset), `heal` joins them again.
 */
export interface Namespaces {
  host(name: string): string;
  /** The command prefix that runs a process inside the name's namespace. */
  wrapper(name: string): string[];
  cut(...groups: ReadonlyArray<readonly string[]>): void;
  heal(): void;
  cleanup(): void;
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });

/** Why namespaces cannot be made here, or undefined when they can. */
export function namespacesUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root to make network namespaces';
  try {
    ip('netns', 'list');
  } catch {
    return 'needs iproute2 (ip netns) to make network namespaces';
  }
  return undefined;
}

/** Makes the namespaces, or returns why it could not (everything made so far is removed). */
export function createNamespaces(names: readonly string[], prefix: string): Namespaces | string {
  const suffix = String(process.pid % 10000);
  const ns = (name: string) => `dchat-${names.indexOf(name)}-${suffix}`;
  const bridge = `dbr${suffix}`;
  const hostOf = (name: string) => `${prefix}.${names.indexOf(name) + 1}`;
  const cuts: Array<[string, string]> = [];
  const cleanup = () => {
    for (const args of [...names.map((n) => ['netns', 'del', ns(n)]), ['link', 'del', bridge]]) {
      try {
        ip(...args);
      } catch {
        // already gone
      }
    }
  };
  try {
    ip('link', 'add', bridge, 'type', 'bridge');
    ip('addr', 'add', `${prefix}.254/24`, 'dev', bridge);
    ip('link', 'set', bridge, 'up');
    names.forEach((name, i) => {
      const outside = `dh${i}-${suffix}`;
      const inside = `dv${i}-${suffix}`;
      ip('netns', 'add', ns(name));
      ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside);
      ip('link', 'set', inside, 'netns', ns(name));
      ip('link', 'set', outside, 'master', bridge);
      ip('link', 'set', outside, 'up');
      ip('-n', ns(name), 'addr', 'add', `${hostOf(name)}/24`, 'dev', inside);
      ip('-n', ns(name), 'link', 'set', inside, 'up');
      ip('-n', ns(name), 'link', 'set', 'lo', 'up');
    });
  } catch (err) {
    cleanup();
    return `cannot create network namespaces here: ${(err as Error).message.split('\n')[0]}`;
  }
  return {
    host: hostOf,
    wrapper: (name) => ['ip', 'netns', 'exec', ns(name)],
    cut(...groups) {
      for (const group of groups) {
        for (const name of group) {
          for (const other of groups.filter((g) => g !== group).flat()) {
            ip('-n', ns(name), 'route', 'add', 'blackhole', `${hostOf(other)}/32`);
            cuts.push([ns(name), `${hostOf(other)}/32`]);
          }
        }
      }
    },
    heal() {
      for (const [space, target] of cuts.splice(0)) ip('-n', space, 'route', 'del', 'blackhole', target);
    },
    cleanup,
  };
}
