import { getPriority } from 'node:os'

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
  /** The nice value of the thread running it (Linux: per thread). */
  async priority() {
    return { nice: getPriority() }
  },
  /** Three chunks, each sent only once the previous one was consumed. */
  async stream(input: { count: number }, emit: (chunk: unknown) => Promise<void>) {
    for (let i = 0; i < input.count; i++) await emit({ index: i, bytes: new Uint8Array(8).fill(i) })
    return { sent: input.count }
  },
  /** Holds its worker for a while (a parse of a big file). */
  async sleep(input: { ms: number }) {
    await new Promise((resolve) => setTimeout(resolve, input.ms))
    return { slept: input.ms }
  },
}
