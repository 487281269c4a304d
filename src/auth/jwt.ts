import jwt from 'jsonwebtoken';
import { createPublicKey, createSecretKey, KeyObject } from 'node:crypto';
import { Principal, Role, ROLES } from '../shared/decider';

export class InvalidTokenError extends Error {}

export interface JwtKeys {
  secret: string;
  publicKey?: string;
}

/**
 * Key objects, built once per configured key: handed a string, jsonwebtoken tries createPublicKey on it at every
 * verification (a third of a millisecond per request), whatever the algorithm.
 */
const keyObjects = new Map<string, KeyObject>();
function keyObject(kind: 'secret' | 'public', key: string): KeyObject {
  const id = `${kind}:${key}`;
  let k = keyObjects.get(id);
  if (!k) {
    k = kind === 'secret' ? createSecretKey(Buffer.from(key, 'utf8')) : createPublicKey(key);
    keyObjects.set(id, k);
  }
  return k;
}

/**
 * Verifies a bearer token: HS256 with JWT_SECRET, or RS256 with JWT_PUBLIC_KEY when one is configured.
 * Claims: sub, role (domain.md §9), districts (codes), subjectId; exp is required.
 */
export function verifyToken(token: string, keys: JwtKeys): Principal {
  let payload: jwt.JwtPayload;
  try {
    const decoded = jwt.decode(token, { complete: true });
    const alg = decoded?.header.alg;
    if (alg === 'RS256' && keys.publicKey) {
      payload = jwt.verify(token, keyObject('public', keys.publicKey), { algorithms: ['RS256'] }) as jwt.JwtPayload;
    } else {
      payload = jwt.verify(token, keyObject('secret', keys.secret), { algorithms: ['HS256'] }) as jwt.JwtPayload;
    }
  } catch (err) {
    throw new InvalidTokenError((err as Error).message);
  }
  if (typeof payload !== 'object' || payload === null) throw new InvalidTokenError('token payload is not an object');
  if (typeof payload.exp !== 'number') throw new InvalidTokenError('token has no exp claim');
  if (typeof payload.sub !== 'string' || !payload.sub) throw new InvalidTokenError('token has no sub claim');
  if (!ROLES.includes(payload.role)) throw new InvalidTokenError(`role claim must be one of ${ROLES.join(', ')}`);
  const districts = payload.districts ?? [];
  if (!Array.isArray(districts) || districts.some((d) => typeof d !== 'string')) {
    throw new InvalidTokenError('districts claim must be a list of codes');
  }
  if (payload.subjectId !== undefined && typeof payload.subjectId !== 'string') {
    throw new InvalidTokenError('subjectId claim must be a string');
  }
  return { sub: payload.sub, role: payload.role as Role, districts, subjectId: payload.subjectId };
}

export function signToken(
  claims: { sub: string; role: Role; districts?: string[]; subjectId?: string },
  secret: string,
  expiresInSeconds = 12 * 3600,
): string {
  return jwt.sign({ ...claims, districts: claims.districts ?? [] }, secret, {
    algorithm: 'HS256',
    expiresIn: expiresInSeconds,
  });
}
