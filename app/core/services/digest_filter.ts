/**
 * A Bloom filter over SHA-256 digests (64 hex characters): "surely never
 * added" or "perhaps added". A digest is already uniformly random, so the
 * filter needs no hash function of its own: its bit positions are read
 * straight off the digest (two 32-bit words, combined as in double
 * hashing). Sized for `capacity` digests at ~1 % false positives (10 bits
 * and 7 probes each); past its capacity it still answers, with more false
 * positives (`full` says when to build a bigger one).
 *
 * Why ours and not a package: `bloom-filters` rehashes every key with a
 * pure-JS xxhash; ARCHITECTURE.md ("Verification") has the figures.
 */
const BITS_PER_ENTRY = 10
const PROBES = 7
const DIGEST = /^[0-9a-f]{64}$/

export class DigestFilter {
  readonly capacity: number
  readonly #bits: Uint32Array
  readonly #size: number
  #added = 0

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new Error(`DigestFilter: capacity must be a whole number ≥ 1, not ${capacity}`)
    }
    this.capacity = capacity
    this.#size = Math.max(64, capacity * BITS_PER_ENTRY)
    this.#bits = new Uint32Array(Math.ceil(this.#size / 32))
  }

  /** Digests added (each counted once per `add`, repeats included). */
  get added() {
    return this.#added
  }

  /** More digests added than it was sized for: false positives grow past ~1 %. */
  get full() {
    return this.#added > this.capacity
  }

  add(digest: string) {
    const [first, step] = words(digest)
    for (let probe = 0; probe < PROBES; probe++) {
      const bit = (first + probe * step) % this.#size
      this.#bits[bit >>> 5] |= 1 << (bit & 31)
    }
    this.#added++
  }

  /** False: `digest` was surely never added. True: it perhaps was (~1 % of digests never added say so too). */
  mightContain(digest: string) {
    const [first, step] = words(digest)
    for (let probe = 0; probe < PROBES; probe++) {
      const bit = (first + probe * step) % this.#size
      if ((this.#bits[bit >>> 5] & (1 << (bit & 31))) === 0) return false
    }
    return true
  }
}

/** Two 32-bit words of the digest; the second odd, so the probes never repeat one position. */
function words(digest: string): [number, number] {
  if (!DIGEST.test(digest)) {
    throw new Error('DigestFilter: expected a SHA-256 digest as 64 lowercase hex characters')
  }
  return [
    Number.parseInt(digest.slice(0, 8), 16),
    (Number.parseInt(digest.slice(8, 16), 16) | 1) >>> 0,
  ]
}
