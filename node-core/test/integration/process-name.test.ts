import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { after, describe, it } from 'node:test';
import { killAllNodes, startNode } from '../helpers/spawn-node.ts';

/** The command's output, or undefined when it is not installed (ENOENT). */
function run(command: string, args: readonly string[]): string | undefined {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

const portOf = (url: string) => new URL(url).port;

describe('the process is named dchat', () => {
  after(killAllNodes);

  it('so the deployment guide\'s `ss -tlnp | grep dchat` and `netstat -tlnp | grep dchat` find its ports', async (t) => {
    const node = await startNode();
    try {
      const pid = node.child.pid!;
      if (process.platform === 'linux') {
        assert.equal(fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim(), 'dchat', 'the kernel\'s name of the process (ss, top)');
        assert.equal(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+$/, ''), 'dchat', 'its command line (ps, netstat)');
      }
      const apiPort = portOf(node.url);
      const tcpPort = /\/tcp\/(\d+)\/p2p\//.exec(node.p2pAddresses.find((a) => !a.includes('/ws/')) ?? '')?.[1];
      assert.ok(tcpPort, `a TCP address among ${node.p2pAddresses.join(', ')}`);

      const ss = run('ss', ['-tlnp']);
      if (ss === undefined) t.diagnostic('ss is not installed (Debian: apt-get install iproute2): the ss check did not run');
      else {
        const ours = ss.split('\n').filter((line) => line.includes('dchat') && line.includes(`pid=${pid},`));
        for (const port of [apiPort, tcpPort]) assert.ok(ours.some((line) => line.includes(`:${port} `)), `ss -tlnp | grep dchat shows port ${port}:\n${ours.join('\n')}`);
        assert.ok(ours.every((line) => line.includes('(("dchat",')), ours.join('\n'));
      }

      const netstat = run('netstat', ['-tlnp']);
      if (netstat === undefined) t.diagnostic('netstat is not installed (Debian: apt-get install net-tools): the netstat check did not run');
      else {
        const ours = netstat.split('\n').filter((line) => line.includes(`${pid}/dchat`));
        for (const port of [apiPort, tcpPort]) assert.ok(ours.some((line) => line.includes(`:${port} `)), `netstat -tlnp | grep dchat shows port ${port}:\n${ours.join('\n')}`);
      }
    } finally {
      await node.stop();
    }
  });
});
