import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ComponentStartError, createLifecycle, type Startable } from '../../runtime/startable.ts';

function recorder(log: string[], name: string, fail?: 'start' | 'afterStart'): Startable {
  return {
    start: async () => {
      log.push(`start ${name}`);
      if (fail === 'start') throw new Error(`${name} broke`);
    },
    afterStart: () => {
      log.push(`afterStart ${name}`);
      if (fail === 'afterStart') throw new Error(`${name} broke late`);
    },
    beforeStop: () => void log.push(`beforeStop ${name}`),
    stop: async () => void log.push(`stop ${name}`),
  };
}

describe('component lifecycle', () => {
  it('starts in order, then afterStart; stops in reverse after every beforeStop', async () => {
    const log: string[] = [];
    const lifecycle = createLifecycle(['a', 'b', 'c'].map((n) => ({ name: n, component: recorder(log, n) })), () => assert.fail());
    await lifecycle.start();
    assert.ok(lifecycle.started);
    await lifecycle.stop();
    assert.deepEqual(log, ['start a', 'start b', 'start c', 'afterStart a', 'afterStart b', 'afterStart c', 'beforeStop c', 'beforeStop b', 'beforeStop a', 'stop c', 'stop b', 'stop a']);
    assert.equal(lifecycle.started, false);
  });

  it('a failed start stops what had started, in reverse, and names the component', async () => {
    const log: string[] = [];
    const lifecycle = createLifecycle([{ name: 'a', component: recorder(log, 'a') }, { name: 'b', component: recorder(log, 'b') }, { name: 'c', component: recorder(log, 'c', 'start') }], () => undefined);
    await assert.rejects(lifecycle.start(), (err: Error) => err instanceof ComponentStartError && err.component === 'c' && /c broke/.test(err.message));
    assert.deepEqual(log, ['start a', 'start b', 'start c', 'beforeStop b', 'beforeStop a', 'stop b', 'stop a']);
  });

  it('a failing stop is reported and the rest still stop', async () => {
    const log: string[] = [];
    const errors: string[] = [];
    const broken: Startable = { start: () => undefined, stop: () => Promise.reject(new Error('stuck')) };
    const lifecycle = createLifecycle([{ name: 'a', component: recorder(log, 'a') }, { name: 'broken', component: broken }], (name) => errors.push(name));
    await lifecycle.start();
    await lifecycle.stop();
    assert.deepEqual(errors, ['broken']);
    assert.ok(log.includes('stop a'));
  });
});
