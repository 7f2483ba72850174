/** The model registry: names accepted by --model and by checkHistory. */
import type { AnyModel } from '../types.js';
import { kvModel } from './kv.js';
import { casRegister, etcdRegister, jitterKv } from './registers.js';

const FACTORIES: Record<string, (initial: unknown) => AnyModel> = {
  'cas-register': (initial) => casRegister(initial),
  'etcd-register': (initial) => etcdRegister(initial),
  kv: () => kvModel(),
  'jitter-kv': () => jitterKv(),
};

export const MODEL_NAMES = Object.keys(FACTORIES);

export function getModel(name: string, initial: unknown = null): AnyModel {
  const make = FACTORIES[name];
  if (!make) throw new Error(`unknown model "${name}" (known: ${MODEL_NAMES.join(', ')})`);
  return make(initial);
}

export { casRegister, etcdRegister, jitterKv, kvModel };
