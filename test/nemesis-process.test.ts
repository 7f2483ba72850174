/** Kill and pause acting on real replica processes: signals, pids, logs and rejoining. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quorum } from '../jitpaxos/quorum.js';
import { BounceFault } from '../nemesis/bounce.js';
import { DiskLossFault } from '../nemesis/disk-loss.js';
import { KillFault } from '../nemesis/kill.js';
import { PauseFault } from '../nemesis/pause.js';
import { bringUp, type Fixture, moveToView, nodeIds, procState, sleep, until } from './nemesis-fixture.js';

describe('process faults on a real cluster', () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await bringUp();
  }, 60_000);
  afterAll(async () => {
    await fx?.close();
  });

  it('kill leaves no process with that pid; the restarted replica (data dir kept) rejoins', async () => {
    await fx.commits(6);
    const k = new KillFault();
    const rec = await k.start(fx.world, { target: 'one', order: ['r2', 'r1', 'r3'] });
    const pid = (rec.pids as Record<string, number>).r2!;
    expect(rec).toMatchObject({ signal: 'SIGKILL', targets: ['r2'] });
    expect(procState(pid)).toBeNull();
    expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
    expect((await fx.world.db.state('r2')).running).toBe(false);
    const stop = await k.stop(fx.world);
    const newPid = (stop.restarted as Record<string, number>).r2!;
    expect(newPid).toBeGreaterThan(0);
    expect(newPid).not.toBe(pid);
    // Rejoining: the others move to a view where r2 is in the quorum, and r2 takes part in commits. A pre-vote
    // started while r2 was down may carry them past that view to one that leaves r2 out (fixed mode skips to
    // the first view without the silent replica): aim again, until a round of writes lands in r2's log.
    await until(
      async () => {
        let v =
          1 +
          Math.max(...(await Promise.all(nodeIds().map(async (n) => Number((await fx.status(n))?.view)))));
        while (!quorum(v, nodeIds()).includes('r2')) v++;
        try {
          await moveToView(fx, v);
        } catch {
          return false;
        }
        const before = Number((await fx.status('r2'))?.logLength);
        await fx.commits(6);
        return Number((await fx.status('r2'))?.logLength) > before;
      },
      60_000,
      "writes in r2's log after it restarted",
    );
    expect((await fx.status('r2'))?.status).toBe('Normal');
  }, 90_000);

  it('disk-loss: the replica restarts without its WAL, recovers from its peers, and one loss waits for the last', async () => {
    await fx.commits(6);
    const d = new DiskLossFault();
    const rec = await d.start(fx.world, { target: 'one', order: ['r3', 'r1', 'r2'] });
    expect(rec).toMatchObject({ fault: 'disk-loss', targets: ['r3'], stateLost: ['r3'] });
    expect((await fx.world.db.state('r3')).running).toBe(false);
    const stop = await d.stop(fx.world);
    expect(Object.keys(stop.restarted as object)).toEqual(['r3']);
    await until(
      async () => (await fx.status('r3'))?.status === 'Normal',
      30_000,
      'r3 to rejoin',
      async () => JSON.stringify(await fx.status('r3')),
    );
    // The log file is written from the replica's output pipe: its lines may land after the status says so.
    const log = () => fs.readFileSync(path.join(fx.dir, 'replicas', 'r3.log'), 'utf8');
    await expect.poll(log, { timeout: 10_000 }).toMatch(/rejoined in view \d+ as incarnation 1/);
    expect(log()).toContain('"status":"Recovering"');
    await until(async () => (await fx.writes(3)) > 0, 20_000, 'writes commit after the loss');
    // With another replica down, a loss could take a majority's state: it is refused.
    const k = new KillFault();
    await k.start(fx.world, { target: 'one', order: ['r2', 'r1', 'r3'] });
    const refused = await d.start(fx.world, { target: 'one', order: ['r1', 'r2', 'r3'] });
    await k.stop(fx.world);
    expect(refused).toMatchObject({ fault: 'disk-loss', skipped: 'r2 is down' });
    expect(refused.stateLost).toBeUndefined();
    expect((await d.stop(fx.world)).restarted).toEqual({});
  }, 90_000);

  it('pause stops the replica (state T) and its log until resume; the others move on', async () => {
    await until(async () => (await fx.writes(3)) > 0, 20_000, 'writes commit');
    const target = (await fx.world.db.primary!())!;
    const logFile = path.join(fx.dir, 'replicas', `${target}.log`);
    const p = new PauseFault();
    const rec = await p.start(fx.world, { target: 'primary', order: ['r1', 'r2', 'r3'] });
    const pid = (rec.pids as Record<string, number>)[target]!;
    expect(rec.targets).toEqual([target]);
    await until(() => procState(pid) === 'T', 2000, 'the kernel to stop it');
    const size = fs.statSync(logFile).size;
    const v0 = Number((await fx.status(nodeIds().find((n) => n !== target)!))?.view);
    // The others stop hearing it and change view (clients keep trying), while it writes nothing at all.
    // (Whether they then commit depends on the new quorum: a silent non-primary quorum member stalls
    // fixed-mode JIT Paxos, so commits are not asserted here.)
    const writing = fx.writes(12);
    await until(
      async () => {
        for (const n of nodeIds()) if (n !== target && Number((await fx.status(n))?.view) > v0) return true;
        return false;
      },
      20_000,
      'a view change without the paused primary',
    );
    await sleep(300);
    expect(fs.statSync(logFile).size).toBe(size);
    expect(procState(pid)).toBe('T');
    const stop = await p.stop(fx.world);
    expect(stop).toMatchObject({ signal: 'SIGCONT', resumed: [target] });
    await until(() => procState(pid) !== 'T', 20_000, 'the kernel to continue it');
    // Back: it hears the newer view and logs it.
    await until(() => fs.statSync(logFile).size > size, 10_000, 'the resumed replica logs again');
    expect(fx.world.db.pid(target)).toBe(pid);
    await writing;
  }, 60_000);

  it('bounce kills the primary, then the next primary as soon as it is named, and restarts both at once', async () => {
    await fx.commits(3);
    const first = (await fx.world.db.primary!())!;
    const pids = Object.fromEntries(nodeIds().map((n) => [n, fx.world.db.pid(n)]));
    const b = new BounceFault();
    const rec = await b.start(fx.world, { restartMs: 100, chase: true, order: nodeIds() });
    expect(rec).toMatchObject({
      fault: 'bounce',
      signal: 'SIGKILL',
      primary: first,
      restartMs: 100,
      chase: true,
    });
    // Start returns once the primary is dead; the chase goes on, and stop waits for it.
    expect(() => process.kill(pids[first]!, 0)).toThrow(/ESRCH/);
    const stop = await b.stop(fx.world);
    const chased = stop.chased as string;
    expect(nodeIds()).toContain(chased);
    expect(chased).not.toBe(first);
    expect(stop.restarted).toEqual([first, chased]);
    // Both are new processes, running; the third was left alone.
    for (const n of [first, chased]) {
      expect(fx.world.db.pid(n), n).not.toBe(pids[n]);
      expect((await fx.world.db.state(n)).running, n).toBe(true);
    }
    const third = nodeIds().find((n) => n !== first && n !== chased)!;
    expect(fx.world.db.pid(third)).toBe(pids[third]);
    // And the cluster serves again.
    expect(await fx.commits(3)).toBeGreaterThanOrEqual(3);
  }, 90_000);
});
