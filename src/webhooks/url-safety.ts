import { LookupAddress, lookup as dnsLookup } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/**
 * Where a webhook may be sent: http(s) only, no credentials in the URL, and (unless private targets are allowed)
 * no host that is or resolves to a loopback, private, link-local, shared or otherwise non-public address. The
 * check is made when a subscription is saved and again at connect time, on the address actually dialled, so a
 * name that is re-pointed later (DNS rebinding) is still refused.
 */
const BLOCKED = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24],
  ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) BLOCKED.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['2001:db8::', 32], ['64:ff9b::', 96]] as const) {
  BLOCKED.addSubnet(net, bits, 'ipv6');
}

export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return isPublicAddress(mapped[1]);
    return !BLOCKED.check(address, 'ipv6');
  }
  return !BLOCKED.check(address, 'ipv4');
}

export class UnsafeUrlError extends Error {
  constructor(readonly rule: string, message: string) {
    super(message);
  }
}

/** The checks that need no DNS; returns the parsed URL. */
export function checkUrlShape(raw: string, allowPrivate: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UnsafeUrlError('isUrl', 'url must be an absolute http(s) URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UnsafeUrlError('scheme', 'url must use http or https');
  if (url.username || url.password) throw new UnsafeUrlError('noCredentials', 'url must not carry credentials');
  if (url.hash) throw new UnsafeUrlError('noFragment', 'url must not have a fragment');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate) {
    if (host === 'localhost' || host.endsWith('.localhost')) throw new UnsafeUrlError('publicHost', 'url must not point at this machine');
    if (isIP(host) && !isPublicAddress(host)) throw new UnsafeUrlError('publicHost', `url must not point at a private, loopback or link-local address (${host})`);
  }
  return url;
}

/** Resolves the host and refuses it when any address it resolves to is not public. */
export async function checkUrl(raw: string, allowPrivate: boolean): Promise<URL> {
  const url = checkUrlShape(raw, allowPrivate);
  if (allowPrivate) return url;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return url;
  const addresses = await new Promise<LookupAddress[]>((resolve, reject) =>
    dnsLookup(host, { all: true }, (err, list) => (err ? reject(err) : resolve(list))),
  ).catch(() => {
    throw new UnsafeUrlError('resolvable', `url host ${host} does not resolve`);
  });
  const bad = addresses.find((a) => !isPublicAddress(a.address));
  if (bad) throw new UnsafeUrlError('publicHost', `url host ${host} resolves to a non-public address (${bad.address})`);
  return url;
}

/** A `lookup` for http.request that refuses non-public addresses at connect time. */
export function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: object, callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const list = addresses as LookupAddress[];
      const bad = allowPrivate ? undefined : list.find((a) => !isPublicAddress(a.address));
      if (bad) return callback(new UnsafeUrlError('publicHost', `${hostname} resolves to a non-public address (${bad.address})`), []);
      if ((options as { all?: boolean }).all) return callback(null, list);
      callback(null, list[0].address, list[0].family);
    });
  };
}
