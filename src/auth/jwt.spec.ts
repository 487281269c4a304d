import { generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { InvalidTokenError, signToken, verifyToken } from './jwt';

const secret = 'x'.repeat(40);

describe('verifyToken', () => {
  it('accepts an HS256 token and returns its principal', () => {
    const token = signToken({ sub: 'u1', role: 'district-officer', districts: ['500103'] }, secret);
    expect(verifyToken(token, { secret })).toEqual({
      sub: 'u1',
      role: 'district-officer',
      districts: ['500103'],
      subjectId: undefined,
    });
  });

  it('refuses a token signed with another secret, an expired one, and one without exp', () => {
    expect(() => verifyToken(signToken({ sub: 'u', role: 'auditor' }, 'y'.repeat(40)), { secret })).toThrow(
      InvalidTokenError,
    );
    expect(() => verifyToken(signToken({ sub: 'u', role: 'auditor' }, secret, -10), { secret })).toThrow(/expired/);
    expect(() => verifyToken(jwt.sign({ sub: 'u', role: 'auditor' }, secret), { secret })).toThrow(/no exp/);
  });

  it('refuses an unknown role and malformed district claims', () => {
    expect(() => verifyToken(jwt.sign({ sub: 'u', role: 'root' }, secret, { expiresIn: 60 }), { secret })).toThrow(
      /role claim/,
    );
    expect(() =>
      verifyToken(jwt.sign({ sub: 'u', role: 'auditor', districts: 'all' }, secret, { expiresIn: 60 }), { secret }),
    ).toThrow(/districts/);
  });

  it('accepts RS256 with the configured public key and refuses alg none', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const token = jwt.sign({ sub: 'p', role: 'integration' }, privateKey, { algorithm: 'RS256', expiresIn: 60 });
    expect(verifyToken(token, { secret, publicKey: pem }).role).toBe('integration');
    expect(() => verifyToken(token, { secret })).toThrow(InvalidTokenError);
    const none = jwt.sign({ sub: 'p', role: 'city-admin' }, '', { algorithm: 'none', expiresIn: 60 });
    expect(() => verifyToken(none, { secret })).toThrow(InvalidTokenError);
  });
});
