/**
 * Tasks for the worker pool's own tests: a well-behaved one, one that never
 * finishes, one that eats its heap, one that throws.
 */
export const tasks = {
  async echo(input: { bytes: Uint8Array; label: string }) {
    return { label: input.label.toUpperCase(), bytes: input.bytes, length: input.bytes.length }
  },
  async spin() {
    for (;;) {
      // A parser stuck in a loop.
    }
  },
  async hog() {
    const kept: string[][] = []
    for (;;) kept.push(new Array(100_000).fill('x'.repeat(16)))
  },
  async fail() {
    throw new Error('the file is broken in a way nobody expected')
  },
}
