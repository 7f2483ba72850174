/** "host:port" parsing shared by the API, the CLI and the topology. */
import { ApiError, ErrBadRequestBody } from './errors.js';

export interface HostPort {
  host: string;
  port: number;
}

/** Parse "host:port" or "[v6]:port". "localhost" means 127.0.0.1, so nothing lands on ::1 by surprise. */
export function parseHostPort(addr: string, what = 'address'): HostPort {
  const i = addr.lastIndexOf(':');
  if (i < 0)
    throw ApiError.join(ErrBadRequestBody, `${what} ${JSON.stringify(addr)}: missing port in address`);
  let host = addr.slice(0, i);
  const portText = addr.slice(i + 1);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    throw ApiError.join(ErrBadRequestBody, `${what} ${JSON.stringify(addr)}: invalid port`);
  }
  if (host === '' || host === 'localhost') host = '127.0.0.1';
  return { host, port };
}

export function formatHostPort({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
