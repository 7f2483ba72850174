/**
 * The silent partition heals the same way on either Toxiproxy: removing the `timeout` toxic closes the held
 * connections (as the real server does), the replicas reconnect, and the cut-off replica can lead and commit
 * again. Runs on the embedded server and, with JITTER_REAL_TOXIPROXY set, on the real one.
 */
import { describe, it } from 'vitest';
import { PartitionFault } from '../nemesis/partition.js';
import { bringUp, moveToView, until } from './nemesis-fixture.js';
import { REAL_BINARY, SERVERS } from './toxiproxy-helpers.js';

type Fixture = Awaited<ReturnType<typeof bringUp>>;
const view = async (fx: Fixture, n: string) => Number((await fx.status(n))?.view);
const len = async (fx: Fixture, n: string) => Number((await fx.status(n))?.logLength);
/** Views 5, 8, 11, ... have r3 as primary (of r1, r2, r3). */
const nextViewLedBy3 = (v: number) => v + ((2 - (v % 3) + 3) % 3 || 3);

describe.each(SERVERS)('%s server', (kind) => {
  it('a silent partition of r3 heals: the links reconnect and r3 leads and commits again', async () => {
    const fx = await bringUp({ toxiproxy: kind === 'real' ? `bin:${REAL_BINARY}` : 'embedded' });
    try {
      // View 5's primary is r3: the others must move on without it.
      await moveToView(fx, 5);
      const p = new PartitionFault();
      await p.start(fx.world, { topology: 'one', mode: 'silent', order: ['r3', 'r1', 'r2'] });
      await until(
        async () => (await view(fx, 'r1')) > 5 && (await fx.writes(6)) > 3,
        30_000,
        'commits without r3',
      );
      await p.stop(fx.world);
      // r3 leading and committing needs its links both ways. The views may move on past one r3 leads (a
      // replica reconnecting late looks like a slow primary), so aim at the next such view until one holds.
      await until(
        async () => {
          const v = await view(fx, 'r1');
          await moveToView(fx, nextViewLedBy3(v)).catch(() => {});
          const before = await len(fx, 'r3');
          await fx.writes(6);
          return (await len(fx, 'r3')) > before;
        },
        60_000,
        'r3 commits as primary again',
        async () => JSON.stringify(await fx.status('r3')),
      );
    } finally {
      await fx.close();
    }
  }, 90_000);
});
