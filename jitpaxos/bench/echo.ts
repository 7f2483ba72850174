/**
 * The bench's baseline peer: a separate process that answers each ClientRequest frame with a ClientReply
 * at once, over the same framing and transport as a replica. Prints "port=N" when listening.
 */
import { exitWithParent } from '../../core/cli-util.js';
import { CLIENT_MESSAGE_TYPES, type ClientReply, type ClientRequest } from '../messages.js';
import { Listener } from '../transport.js';

const listener = await Listener.listen('127.0.0.1', 0, {
  allowed: [...CLIENT_MESSAGE_TYPES],
  log: () => {},
  onMessage: (msg, conn) => {
    const m = msg as ClientRequest;
    const reply: ClientReply = {
      type: 'ClientReply',
      src: 'echo',
      client: m.client,
      reqID: m.reqID,
      reqViewID: m.viewID,
      viewID: m.viewID,
      succeeded: true,
      index: m.reqID,
      checksum: '0123456789abcdef',
      ts: m.ts,
    };
    conn.send(reply);
  },
});
process.stdout.write(`port=${listener.address().port}\n`);
exitWithParent(() => listener.close());
