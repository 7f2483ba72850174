/** Every toxic jitter knows; importing this registers them. A new toxic is a new file here plus one line. */
import './noop.js';
import './latency.js';
import './bandwidth.js';
import './slow_close.js';
import './timeout.js';
import './reset_peer.js';
import './slicer.js';
import './limit_data.js';

export { registerToxic, toxicDefinition, toxicTypes } from './registry.js';
