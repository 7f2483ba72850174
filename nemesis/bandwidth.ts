/** A bandwidth limit (KB/s) on random links or on all of them: big messages (view changes, repairs) crawl. */
import type { Rng } from '../core/rng.js';
import { toxicParams } from './params-schema.js';
import { ToxicFault } from './toxic.js';

export class BandwidthFault extends ToxicFault {
  readonly name = 'bandwidth';
  readonly params = toxicParams(['rate']);
  protected readonly toxicType = 'bandwidth' as const;

  protected planAttributes(rng: Rng): Record<string, number> {
    return { rate: rng.pick([4, 16, 64, 256]) };
  }
}
