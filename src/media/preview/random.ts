import { createHash } from 'node:crypto'

/** The 32-byte SHA-256 digest of `text` (UTF-8). */
export function sha256Bytes(text: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(text, 'utf8').digest())
}

/**
 * A small deterministic pseudo-random generator (sfc32) seeded from the first 16 bytes of a
 * digest. `next()` returns a float in [0, 1); the sequence depends only on the seed bytes.
 */
export class Prng {
  private a: number
  private b: number
  private c: number
  private d: number

  constructor(seed: Uint8Array) {
    const word = (i: number): number =>
      ((seed[i] ?? 0) |
        ((seed[i + 1] ?? 0) << 8) |
        ((seed[i + 2] ?? 0) << 16) |
        ((seed[i + 3] ?? 0) << 24)) >>>
      0
    this.a = word(0)
    this.b = word(4)
    this.c = word(8)
    this.d = word(12) | 1
    for (let i = 0; i < 12; i++) this.next()
  }

  /** A float in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0
    this.d = (this.d + 1) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) | 0
    return (t >>> 0) / 4294967296
  }

  /** A float in [min, max). */
  range(min: number, max: number): number {
    return min + (max - min) * this.next()
  }

  /** An integer in [min, max] (both inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }
}

/**
 * A stateless 32-bit integer hash of a lattice point and a salt (for per-pixel grain and value
 * noise): the same `(x, y, salt)` always gives the same value in [0, 2^32).
 */
export function hash2(x: number, y: number, salt: number): number {
  let h = Math.imul(x, 0x27d4eb2d) ^ Math.imul(y, 0x165667b1) ^ Math.imul(salt, 0x9e3779b1)
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}
