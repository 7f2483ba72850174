/** Every system jitter can test; importing this module registers them. */
import './jitpaxos/index.js';
import './maelstrom/index.js';

export * from './registry.js';
