/**
 * Fingerprint storage for the explorer (TLC's -fp mode): 64-bit fingerprints of state keys in an
 * open-addressing table, instead of the keys themselves. Two states with the same fingerprint
 * are taken to be the same state, so a collision can hide part of the space; the probability is
 * reported the way TLC does (n^2 / 2^65 for n distinct fingerprints).
 */

/** Two independent 32-bit hashes of a string (FNV-1a and a multiplicative mix), one 64-bit fingerprint. */
export function fingerprint64(key: string): [number, number] {
  let h1 = 0x811c9dc5;
  let h2 = 0x9e3779b9;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  h1 ^= h1 >>> 16;
  h1 = Math.imul(h1, 0x85ebca6b);
  h1 ^= h1 >>> 13;
  h2 = Math.imul(h2 ^ (h2 >>> 16), 0xc2b2ae35);
  // 0 marks an empty slot: keep fingerprints non-zero.
  return [h1 >>> 0 || 1, h2 >>> 0];
}

export class FingerprintSet {
  private table: Uint32Array;
  private mask: number;
  size = 0;

  constructor(capacityLog2 = 10) {
    this.table = new Uint32Array(2 << capacityLog2);
    this.mask = (1 << capacityLog2) - 1;
  }

  /** Adds the fingerprint; true when it was not there. */
  add(h1: number, h2: number): boolean {
    if ((this.size + 1) * 4 > (this.mask + 1) * 3) this.grow();
    return this.insert(h1, h2);
  }

  /** Whether the fingerprint is there. */
  has(h1: number, h2: number): boolean {
    let i = (h1 ^ Math.imul(h2, 0x27d4eb2d)) & this.mask;
    for (;;) {
      const a = this.table[2 * i];
      if (a === 0) return false;
      if (a === h1 && this.table[2 * i + 1] === h2) return true;
      i = (i + 1) & this.mask;
    }
  }

  private insert(h1: number, h2: number): boolean {
    let i = (h1 ^ Math.imul(h2, 0x27d4eb2d)) & this.mask;
    for (;;) {
      const a = this.table[2 * i];
      if (a === 0) {
        this.table[2 * i] = h1;
        this.table[2 * i + 1] = h2;
        this.size++;
        return true;
      }
      if (a === h1 && this.table[2 * i + 1] === h2) return false;
      i = (i + 1) & this.mask;
    }
  }

  private grow(): void {
    const old = this.table;
    this.mask = this.mask * 2 + 1;
    this.table = new Uint32Array(2 * (this.mask + 1));
    this.size = 0;
    for (let i = 0; i < old.length; i += 2) if (old[i] !== 0) this.insert(old[i], old[i + 1]);
  }

  /** Bytes the table holds. */
  get bytes(): number {
    return this.table.byteLength;
  }
}

/** TLC's optimistic estimate of the probability that some two distinct states collided. */
export function collisionProbability(states: number): number {
  return (states * states) / 2 ** 65;
}
