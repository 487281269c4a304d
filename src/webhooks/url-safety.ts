import { LookupAddress, lookup as dnsLookup } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Where a webhook may be sent: http(s) only, no credentials in the URL, and (unless private targets are allowed)
 * no host that is or resolves to a loopback, private, link-local, shared or otherwise non-public address. The
 * check is made when a subscription is saved and again at connect time, on the address actually dialled, so a
 * name that is re-pointed later (DNS rebinding) is still refused.
 *
 * Addresses are classified by ipaddr.js (its special-purpose ranges of the IANA registries): only `unicast` is
 * public. An IPv6 address that embeds an IPv4 one is public only if what it embeds is: IPv4-mapped (::ffff:a.b.c.d)
 * and RFC 6145 translated (::ffff:0:a.b.c.d), 6to4 (2002:AABB:CCDD::/16), NAT64 (64:ff9b::/96; the local-use
 * 64:ff9b:1::/48 never), Teredo (2001::/32: its server and its client, stored inverted). IPv4-compatible addresses
 * (::a.b.c.d, deprecated) are never public.
 */
function publicV4(a: ipaddr.IPv4): boolean {
  return a.range() === 'unicast';
}

const v4At = (parts: number[], at: number) =>
  new ipaddr.IPv4([parts[at] >> 8, parts[at] & 0xff, parts[at + 1] >> 8, parts[at + 1] & 0xff]);

function publicV6(a: ipaddr.IPv6): boolean {
  const p = a.parts;
  switch (a.range()) {
    case 'unicast':
      // ::/96 is IPv4-compatible (and ::, ::1): ipaddr.js calls it unicast, but nothing public lives there
      return !(p[0] === 0 && p[1] === 0 && p[2] === 0 && p[3] === 0 && p[4] === 0 && p[5] === 0);
    case 'ipv4Mapped':
    case 'rfc6145':
      return publicV4(v4At(p, 6));
    case 'rfc6052':
      // the well-known NAT64 prefix embeds the IPv4 address in its last 32 bits; the local-use /48 is private
      return p[2] === 0 && publicV4(v4At(p, 6));
    case '6to4':
      return publicV4(v4At(p, 1));
    case 'teredo': {
      const client = new ipaddr.IPv4([
        (p[6] >> 8) ^ 0xff,
        (p[6] & 0xff) ^ 0xff,
        (p[7] >> 8) ^ 0xff,
        (p[7] & 0xff) ^ 0xff,
      ]);
      return publicV4(v4At(p, 2)) && publicV4(client);
    }
    default:
      return false;
  }
}

export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return publicV4(ipaddr.IPv4.parse(address));
  if (family !== 6) return false;
  // the WHATWG URL parser's form first: ipaddr.js reads "::a.b.c.d" as IPv4-mapped, where it is IPv4-compatible
  // (::808:808, what a socket would dial); a zone id (fe80::1%eth0) only ever qualifies link-local addresses
  let canonical: string;
  try {
    canonical = new URL(`http://[${address.replace(/%.*$/, '')}]/`).hostname.slice(1, -1);
  } catch {
    return false;
  }
  return publicV6(ipaddr.IPv6.parse(canonical));
}

export class UnsafeUrlError extends Error {
  constructor(
    readonly rule: string,
    message: string,
  ) {
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
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new UnsafeUrlError('scheme', 'url must use http or https');
  if (url.username || url.password) throw new UnsafeUrlError('noCredentials', 'url must not carry credentials');
  if (url.hash) throw new UnsafeUrlError('noFragment', 'url must not have a fragment');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate) {
    if (host === 'localhost' || host.endsWith('.localhost'))
      throw new UnsafeUrlError('publicHost', 'url must not point at this machine');
    if (isIP(host) && !isPublicAddress(host))
      throw new UnsafeUrlError(
        'publicHost',
        `url must not point at a private, loopback or link-local address (${host})`,
      );
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
  return (
    hostname: string,
    options: object,
    callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void,
  ) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const list = addresses as LookupAddress[];
      const bad = allowPrivate ? undefined : list.find((a) => !isPublicAddress(a.address));
      if (bad)
        return callback(
          new UnsafeUrlError('publicHost', `${hostname} resolves to a non-public address (${bad.address})`),
          [],
        );
      if ((options as { all?: boolean }).all) return callback(null, list);
      callback(null, list[0].address, list[0].family);
    });
  };
}
