import uploads from '#config/uploads'
import {
  IsolatedPool,
  type TaskOutcome,
  WorkerPool,
  siblingModule,
} from '#core/services/worker_pool'
import type { DataRow, TemplateSnapshot } from '#templates/services/prepared_template'
import type { ImageFormat, RasterImage } from '#templates/services/rasterize'
import type { SourceKind } from '#templates/services/template_source'
import type { NormaliseUploadOutput, RenderPreviewOutput } from '#templates/services/template_tasks'
import type { NormalisedBranding } from '#templates/services/branding_image'

/**
 * The web process's side of template work: everything here hands the work
 * off the event loop and waits, so it keeps serving requests. Uploads
 * (possibly hostile) are parsed in child processes, a few at once
 * (`FILE_PROCESSING_CONCURRENCY`), the others waiting their turn; previews
 * share a pool of worker threads.
 */

const TASKS = siblingModule(import.meta.url, 'template_tasks')

let pool: WorkerPool | null = null

function renderPool() {
  pool ??= new WorkerPool(TASKS, { size: 2, maxHeapMb: 384, idleMs: 60_000 })
  return pool
}

/** For tests and shutdown. */
export async function closeRenderPool() {
  const current = pool
  pool = null
  await current?.close()
}

/** Template and branding uploads share it: one bound per process on the parsing of untrusted files. */
export const uploadParsers = new IsolatedPool(TASKS, {
  concurrency: uploads.processingConcurrency,
  timeoutMs: uploads.processingTimeoutMs,
  maxHeapMb: uploads.processingMaxHeapMb,
  maxRssMb: uploads.processingMaxRssMb,
})

export function normaliseUpload(
  bytes: Uint8Array,
  kind: SourceKind,
  page: number
): Promise<TaskOutcome<NormaliseUploadOutput>> {
  return uploadParsers.run<NormaliseUploadOutput>('normaliseUpload', {
    bytes,
    kind,
    page,
    previewWidth: uploads.previewWidth,
  })
}

export function normaliseBranding(bytes: Uint8Array): Promise<TaskOutcome<NormalisedBranding>> {
  return uploadParsers.run<NormalisedBranding>('normaliseBranding', {
    bytes,
    maxSide: uploads.brandingMaxSide,
  })
}

export function renderPreview(
  snapshot: TemplateSnapshot,
  row: DataRow,
  image: { width: number; format: ImageFormat } | null
) {
  return renderPool().run<RenderPreviewOutput>(
    'renderPreview',
    { snapshot, row, image },
    { timeoutMs: uploads.processingTimeoutMs }
  )
}

/** A picture of a PDF we issued (trusted bytes, so a pooled thread rather than a child process). */
export function rasterizeDocument(pdf: Uint8Array, width: number) {
  return renderPool().run<RasterImage>(
    'rasterize',
    { pdf, width, format: 'png' },
    { timeoutMs: 30_000 }
  )
}
