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

/**
 * A set of 64-bit fingerprints with open addressing (linear probing), 8 bytes a slot in one
 * Uint32Array. The table is not a power of two: it grows by a quarter when it is 80% full, so it
 * holds between 8 / 0.8 = 10 and 12.5 bytes per fingerprint (a doubling table at 75% holds
 * 10.7 to 21.3), which with the explorer's 3 bytes of predecessor data a state keeps the whole
 * at or under 16 bytes allocated per state. A slot's place is the first word scaled to the size
 * (multiply-shift, Lemire's reduction), so any size works.
 */
export class FingerprintSet {
  private table: Uint32Array;
  private slots: number;
  size = 0;

  constructor(slots = 1024) {
    this.slots = slots;
    this.table = new Uint32Array(2 * slots);
  }

  /** Adds the fingerprint; true when it was not there. */
  add(h1: number, h2: number): boolean {
    if ((this.size + 1) * 5 > this.slots * 4) this.grow();
    return this.insert(h1 >>> 0 || 1, h2 >>> 0);
  }

  /** Whether the fingerprint is there. */
  has(h1: number, h2: number): boolean {
    const a = h1 >>> 0 || 1;
    const b = h2 >>> 0;
    const t = this.table;
    for (let i = this.home(a, b); ; i = i + 1 === this.slots ? 0 : i + 1) {
      const x = t[2 * i];
      if (x === 0) return false;
      if (x === a && t[2 * i + 1] === b) return true;
    }
  }

  private home(a: number, b: number): number {
    const h = (a ^ Math.imul(b, 0x27d4eb2d)) >>> 0;
    return Math.min(this.slots - 1, Math.floor((h * this.slots) / 4294967296));
  }

  private insert(a: number, b: number): boolean {
    const t = this.table;
    for (let i = this.home(a, b); ; i = i + 1 === this.slots ? 0 : i + 1) {
      const x = t[2 * i];
      if (x === 0) {
        t[2 * i] = a;
        t[2 * i + 1] = b;
        this.size++;
        return true;
      }
      if (x === a && t[2 * i + 1] === b) return false;
    }
  }

  private grow(): void {
    const old = this.table;
    this.slots = Math.ceil(this.slots * 1.25);
    this.table = new Uint32Array(2 * this.slots);
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
