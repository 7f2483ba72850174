/**
 * The cluster's network topology through Toxiproxy.
 *
 * For replicas r1..rn there is one proxy per directed replica link and one per replica for client traffic:
 *   "r1->r2"     carries only what r1 sends to r2 (r1 dials it as its address for peer r2; upstream is r2's listen)
 *   "client->r1" carries client traffic to r1 (clients dial it; upstream is r1's listen)
 * These names are stable: nemeses and reports refer to links by them. Each replica opens its own outbound
 * connection per peer and only sends on it, so cutting "r1->r2" silences r1 towards r2 and nothing else.
 */
import fs from 'node:fs';
import net from 'node:net';
import type { Proxy as ToxiProxy, Toxiproxy } from 'toxiproxy-node-client';

export interface ReplicaAddress {
  id: string;
  /** The replica's real listen address, host:port. */
  listen: string;
}

export interface ProxySpec {
  name: string;
  listen: string;
  upstream: string;
}

export interface Topology {
  proxies: ProxySpec[];
  /** peers[a][b]: the address replica a must dial to reach b (the "a->b" proxy). */
  peers: Record<string, Record<string, string>>;
  /** clients[a]: the address clients dial to reach replica a (the "client->a" proxy). */
  clients: Record<string, string>;
}

export const linkProxyName = (from: string, to: string): string => `${from}->${to}`;
export const clientProxyName = (replica: string): string => `client->${replica}`;

/** `--peer id=host:port` arguments for starting replica `id`. */
export function peerArgs(topology: Topology, id: string): string[] {
  const peers = topology.peers[id];
  if (!peers) throw new Error(`unknown replica ${JSON.stringify(id)}`);
  return Object.entries(peers).flatMap(([peer, addr]) => ['--peer', `${peer}=${addr}`]);
}

const ID = /^[A-Za-z0-9_.]+$/;

function validate(replicas: ReplicaAddress[]): void {
  if (replicas.length === 0) throw new Error('a topology needs at least one replica');
  const seen = new Set<string>();
  for (const r of replicas) {
    // "-" and ">" would make proxy names ambiguous ("a->b->c").
    if (!ID.test(r.id)) throw new Error(`replica id ${JSON.stringify(r.id)} must match ${ID}`);
    if (r.id === 'client') throw new Error('replica id "client" is reserved for client proxies');
    if (seen.has(r.id)) throw new Error(`duplicate replica id ${JSON.stringify(r.id)}`);
    seen.add(r.id);
    if (!/^[^\s]+:\d{1,5}$/.test(r.listen))
      throw new Error(`replica ${r.id}: listen must be host:port, got ${JSON.stringify(r.listen)}`);
  }
}

/**
 * Free TCP ports on `host` for listeners that are started later by other processes (replicas, servers).
 * They are drawn below the kernel's ephemeral range (32768-60999 here), because a port handed out from that
 * range can be taken by any outgoing connection between the moment we check it and the moment the child
 * binds it; with many connections coming and going (proxies, reconnects, parallel tests) that happens.
 */
export async function allocatePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const [low, high] = ephemeralRange();
  const below = Math.max(1024, Math.min(low, high) - 1);
  const floor = Math.max(1024, below - 12_000);
  const ports: number[] = [];
  const held: net.Server[] = [];
  try {
    for (let attempt = 0; ports.length < count && attempt < count * 50; attempt++) {
      const port = floor + Math.floor(Math.random() * (below - floor));
      if (ports.includes(port)) continue;
      // Hold each until all are picked, so the same port is not handed out twice.
      const server = await new Promise<net.Server | null>((resolve) => {
        const s = net.createServer();
        s.once('error', () => resolve(null));
        s.listen(port, host, () => resolve(s));
      });
      if (server) {
        held.push(server);
        ports.push(port);
      }
    }
  } finally {
    await Promise.all(held.map((s) => new Promise((r) => s.close(r))));
  }
  if (ports.length < count) throw new Error(`could not find ${count} free ports on ${host}`);
  return ports;
}

function ephemeralRange(): [number, number] {
  try {
    const [a, b] = fs
      .readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (a && b) return [a, b];
  } catch {
    // not Linux: assume the IANA range
  }
  return [49152, 65535];
}

/** The proxies the cluster needs, each listening on `listenHost` with a port chosen by the server (port 0). */
export function planProxies(replicas: ReplicaAddress[], listenHost = '127.0.0.1'): ProxySpec[] {
  validate(replicas);
  const specs: ProxySpec[] = [];
  for (const to of replicas) {
    for (const from of replicas) {
      if (from.id !== to.id)
        specs.push({ name: linkProxyName(from.id, to.id), listen: `${listenHost}:0`, upstream: to.listen });
    }
    specs.push({ name: clientProxyName(to.id), listen: `${listenHost}:0`, upstream: to.listen });
  }
  return specs;
}

/**
 * Create every proxy through the Toxiproxy API (replacing same-named ones) and return the addresses replicas
 * and clients must dial. Proxies pick free ports themselves, so there is no window for another process to take one.
 */
export async function createTopology(
  client: Toxiproxy,
  replicas: ReplicaAddress[],
  opts: { listenHost?: string } = {},
): Promise<Topology & { created: Record<string, ToxiProxy> }> {
  const specs = planProxies(replicas, opts.listenHost);
  const existing = await client.getAll();
  await Promise.all(specs.filter((s) => existing[s.name]).map((s) => existing[s.name]!.remove()));
  const created: Record<string, ToxiProxy> = {};
  for (const s of specs) created[s.name] = await client.createProxy({ ...s, enabled: true });

  const proxies = specs.map((s) => ({ ...s, listen: created[s.name]!.listen }));
  const peers: Record<string, Record<string, string>> = {};
  const clients: Record<string, string> = {};
  for (const from of replicas) {
    peers[from.id] = {};
    for (const to of replicas)
      if (from.id !== to.id) peers[from.id]![to.id] = created[linkProxyName(from.id, to.id)]!.listen;
    clients[from.id] = created[clientProxyName(from.id)]!.listen;
  }
  return { proxies, peers, clients, created };
}
