import { readFile } from 'node:fs/promises'
import type { HttpContext } from '@adonisjs/core/http'
import { Exception } from '@adonisjs/core/exceptions'
import uploads from '#config/uploads'
import { formatBytes } from '#core/services/file_type'
import { flashFieldError } from '#orgs/controllers/form_support'
import { type TaxonomyProblem, taxonomyProblemMessage } from '#templates/queries/template_taxonomy'
import { type SourceProblem, sourceProblemMessage } from '#templates/services/source_upload'

export type UploadRead =
  | { kind: 'ok'; bytes: Uint8Array; originalName: string | null }
  | { kind: 'missing' }
  | { kind: 'too_large'; maxBytes: number }

/**
 * The multipart part `file`, size-checked while it streamed in (before
 * anything parses it). Its type is decided later, from the bytes.
 */
export async function readUpload({ request }: HttpContext, name = 'file'): Promise<UploadRead> {
  const file = request.file(name, { size: uploads.maxBytes })
  if (!file || !file.tmpPath) {
    if (file?.hasErrors && file.errors.some((error) => error.type === 'size')) return { kind: 'too_large', maxBytes: uploads.maxBytes }
    return { kind: 'missing' }
  }
  if (file.hasErrors && file.errors.some((error) => error.type === 'size')) return { kind: 'too_large', maxBytes: uploads.maxBytes }
  const bytes = new Uint8Array(await readFile(file.tmpPath))
  if (bytes.byteLength > uploads.maxBytes) return { kind: 'too_large', maxBytes: uploads.maxBytes }
  return { kind: 'ok', bytes, originalName: file.clientName ? file.clientName.slice(0, 255) : null }
}

/** The 404 of an unknown or another org's record. */
export function notFound() {
  return new Exception('Resource not found', { status: 404, code: 'E_ROW_NOT_FOUND' })
}

/** A refused upload shown under its field: the page number, or the file. */
export function flashSourceProblem(ctx: HttpContext, problem: SourceProblem) {
  flashFieldError(ctx, problem.kind === 'page_out_of_range' ? 'page' : 'file', sourceProblemMessage(problem))
}

/** A refused category choice shown under the select it came from. */
export function flashTaxonomyProblem(ctx: HttpContext, problem: TaxonomyProblem) {
  flashFieldError(ctx, problem.kind === 'unknown_subcategory' ? 'subcategory_id' : 'category_id', taxonomyProblemMessage(problem))
}

/** A missing or oversized file part shown under the file field; true when there was one. */
export function flashUploadProblem(ctx: HttpContext, upload: UploadRead, missing: string): upload is Exclude<UploadRead, { kind: 'ok' }> {
  if (upload.kind === 'missing') flashFieldError(ctx, 'file', missing)
  else if (upload.kind === 'too_large') flashFieldError(ctx, 'file', `The file is larger than ${formatBytes(upload.maxBytes)}, the most accepted here.`)
  return upload.kind !== 'ok'
}
