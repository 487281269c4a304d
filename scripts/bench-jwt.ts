/**
 * npm run bench:jwt — what checking a bearer token costs per request: jsonwebtoken handed the secret as a string
 * (it tries createPublicKey on it at every call, as the service did before) against the key object built once
 * (verifyToken today). Both in the same run, on the same token; prints µs per check and the ratio.
 */
import jwt from 'jsonwebtoken';
import { signToken, verifyToken } from '../src/auth/jwt';

const SECRET = 'bench-secret-that-is-long-enough-for-hs256';
const N = Number(process.env.BENCH_JWT_N ?? 20000);

function time(label: string, check: () => void): number {
  for (let i = 0; i < 500; i++) check(); // warm up
  const started = process.hrtime.bigint();
  for (let i = 0; i < N; i++) check();
  const us = Number(process.hrtime.bigint() - started) / 1000 / N;
  process.stdout.write(`${label.padEnd(44)} ${us.toFixed(1).padStart(7)} µs per check\n`);
  return us;
}

const token = signToken({ sub: 'bench', role: 'auditor', districts: ['500103'] }, SECRET);
const asString = time('jsonwebtoken, secret as a string (before)', () =>
  jwt.verify(token, SECRET, { algorithms: ['HS256'] }),
);
const asKey = time('verifyToken, key object built once (now)', () => verifyToken(token, { secret: SECRET }));
process.stdout.write(`ratio: ${(asString / asKey).toFixed(1)}x fewer µs per request (${N} checks each)\n`);
