/** noop: does nothing (upstream registers it too, so clients may create one). */
import { registerToxic } from './registry.js';

export const noop = registerToxic({ type: 'noop', attributes: {}, create: () => null });
