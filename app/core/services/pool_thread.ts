import { type MessagePort, workerData } from 'node:worker_threads'
import { Piscina } from 'piscina'

/**
 * What every pool thread runs (piscina's `filename`, see `worker_pool.ts`):
 * loads the pool's task module once, then for each task tells the pool it
 * started (its time limit runs from here), runs `tasks[name](input, emit)`
 * and moves the `Uint8Array`s of the result back instead of copying them.
 * `emit` sends a chunk on the task's port and waits for the pool's
 * acknowledgement, so a fast producer never outruns a slow consumer.
 */

export interface PoolTask {
  task: string
  input: unknown
  port: MessagePort
}

type TaskModule = { tasks: Record<string, (input: unknown, emit: Emit) => Promise<unknown>> }
type Emit = (chunk: unknown) => Promise<void>

let loaded: Promise<TaskModule> | null = null

/** Whole `Uint8Array`s found in a value (four levels deep): moved across rather than copied. */
function transferables(value: unknown, out: ArrayBuffer[] = [], depth = 0) {
  if (value instanceof Uint8Array) {
    const buffer = value.buffer as ArrayBuffer
    if (value.byteOffset === 0 && value.byteLength === buffer.byteLength && !out.includes(buffer))
      out.push(buffer)
  } else if (value && typeof value === 'object' && depth < 4) {
    for (const item of Object.values(value)) transferables(item, out, depth + 1)
  }
  return out
}

export default async function runPoolTask({ task, input, port }: PoolTask) {
  port.postMessage({ started: true })
  try {
    loaded ??= import(workerData.module) as Promise<TaskModule>
    const { tasks } = await loaded
    const fn = tasks[task]
    if (typeof fn !== 'function') throw new Error(`unknown task ${task}`)
    const emit: Emit = (chunk) =>
      new Promise((resolve) => {
        port.once('message', () => resolve())
        port.postMessage({ chunk }, transferables(chunk))
      })
    const value = await fn(input, emit)
    return Piscina.move({
      [Piscina.transferableSymbol]: transferables(value),
      [Piscina.valueSymbol]: value,
    } as any)
  } finally {
    port.close()
  }
}
