import { cpus } from 'node:os'
import env from '#start/env'
import { WorkerPool, siblingModule } from '#core/services/worker_pool'
import type { DataRow, DocumentInfo, TemplateSnapshot } from '#templates/services/prepared_template'
import type { FieldSpec } from '#templates/services/field_spec'
import type {
  RenderChunkInput,
  RenderDocumentOutput,
  RenderedTemplate,
} from '#certificates/services/generation_tasks'

/**
 * The process's rendering threads: one per core (at most four) unless
 * `GENERATION_THREADS` says otherwise. Queue workers and the web process
 * (reissues, preflight) share them; nothing is drawn on an event loop that
 * serves requests or claims work.
 */

const TASKS = siblingModule(import.meta.url, 'generation_tasks')

export const renderThreads = () =>
  env.get('GENERATION_THREADS') ?? Math.max(1, Math.min(4, cpus().length))

export class RenderFailedError extends Error {
  constructor(readonly outcome: string) {
    super(`Rendering failed: ${outcome}`)
    this.name = 'RenderFailedError'
  }
}

let pool: WorkerPool | null = null
let closed = false

function threads() {
  // A job given back at a stop may still come here: it must fail, not start new threads.
  if (closed)
    throw new RenderFailedError('the rendering threads are closed (the process is stopping)')
  pool ??= new WorkerPool(TASKS, { size: renderThreads(), maxHeapMb: 768, idleMs: 120_000 })
  return pool
}

const TIMEOUT_MS = 120_000

function unwrap<T>(outcome: Awaited<ReturnType<WorkerPool['run']>>): T {
  if (outcome.kind === 'ok') return outcome.value as T
  throw new RenderFailedError(outcome.kind === 'failed' ? outcome.message : outcome.kind)
}

export async function renderChunk(input: RenderChunkInput): Promise<RenderedTemplate[]> {
  return unwrap<{ templates: RenderedTemplate[] }>(
    await threads().run('renderChunk', input, { timeoutMs: TIMEOUT_MS })
  ).templates
}

export async function renderDocument(
  snapshot: TemplateSnapshot,
  row: DataRow,
  document: DocumentInfo
): Promise<RenderDocumentOutput> {
  return unwrap<RenderDocumentOutput>(
    await threads().run('renderDocument', { snapshot, row, document }, { timeoutMs: TIMEOUT_MS })
  )
}

export async function measureRows(
  fields: FieldSpec[],
  rows: Array<{ position: number; row: DataRow }>
) {
  return unwrap<Array<{ position: number; key: string; overflow: boolean; missing: string[] }>>(
    await threads().run('measureRows', { fields, rows }, { timeoutMs: TIMEOUT_MS })
  )
}

/** The verification tokens a PDF names in its bytes or metadata (verify-by-upload of an altered file). */
export async function verificationTokensOf(bytes: Uint8Array) {
  return unwrap<string[]>(
    await threads().run('verificationTokens', { bytes }, { timeoutMs: TIMEOUT_MS })
  )
}

/** Ends the threads (tasks in flight fail) for good: a render asked for afterwards fails. */
export async function closeRenderThreads() {
  closed = true
  const current = pool
  pool = null
  await current?.close()
}
