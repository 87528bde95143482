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
  /** Buffers live outside the V8 heap: only a resident-memory ceiling stops this. */
  async hogBuffers() {
    const kept: Buffer[] = []
    for (;;) {
      kept.push(Buffer.alloc(16 * 1024 * 1024, 1))
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  },
  /** What a native decoder does with a malformed file. */
  async segfault() {
    process.kill(process.pid, 'SIGSEGV')
    await new Promise((resolve) => setTimeout(resolve, 10_000))
  },
  async fail() {
    throw new Error('the file is broken in a way nobody expected')
  },
}
