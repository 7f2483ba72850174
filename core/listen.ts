/**
 * The accept queue of jitter's listeners (proxies and replicas): the kernel's own cap (somaxconn, 4096 on
 * current kernels; it clamps larger values), as Go's net.Listen, and so the real Toxiproxy, asks for. Node's
 * default of 511 overflows when hundreds of clients connect at once: the kernel drops their SYNs, they retry a
 * second later, and their first operations time out.
 */
export const LISTEN_BACKLOG = 4096;
