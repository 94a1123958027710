/**
 * Randomness for slugs, one-time ids, minted tokens and fault probabilities:
 * seeded (mulberry32) when the `seed` option is given, so runs repeat.
 */
import { randomBytes } from "node:crypto";

/** A source of numbers in [0, 1) and of short random ids. */
export interface Random {
  next(): number;
  /** `length` characters of [0-9a-z]. */
  id(length: number): string;
}

const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

export function createRandom(seed?: number): Random {
  const next = seed === undefined ? unseeded() : mulberry32(seed);
  return {
    next,
    id(length) {
      let out = "";
      for (let i = 0; i < length; i++) out += ALPHABET[Math.floor(next() * ALPHABET.length)];
      return out;
    },
  };
}

function unseeded(): () => number {
  return () => randomBytes(4).readUInt32BE(0) / 2 ** 32;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
