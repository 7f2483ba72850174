/**
 * The silent partition heals the same way on either Toxiproxy: removing the `timeout` toxic closes the held
 * connections (as the real server does), the replicas reconnect, and the cut-off replica hears the others again. Runs on the
 * embedded server and, with JITTER_REAL_TOXIPROXY set, on the real one.
 */
import { describe, expect, it } from 'vitest';
import { PartitionFault } from '../nemesis/partition.js';
import { bringUp, moveToView, until } from './nemesis-fixture.js';
import { REAL_BINARY, SERVERS } from './toxiproxy-helpers.js';

const view = async (fx: Awaited<ReturnType<typeof bringUp>>, n: string) => Number((await fx.status(n))?.view);

describe.each(SERVERS)('%s server', (kind) => {
  it('a silent partition of r3 heals: the links reconnect and r3 learns the current view', async () => {
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
      // Cut off both ways, r3 hears of no newer view.
      expect(await view(fx, 'r3')).toBe(5);
      await p.stop(fx.world);
      // r3 is outside view 6's quorum, so it gets no log entries; that it learns the view shows r1 reaches it again.
      const now = await view(fx, 'r1');
      await until(
        async () => (await view(fx, 'r3')) >= now,
        30_000,
        'r3 learns the current view',
        async () => JSON.stringify(await fx.status('r3')),
      );
      const links = (await fx.status('r3'))?.links as Record<string, { connected: boolean }>;
      expect(links.r1?.connected && links.r2?.connected).toBe(true);
      expect(await fx.writes(6)).toBeGreaterThan(3);
    } finally {
      await fx.close();
    }
  }, 90_000);
});
