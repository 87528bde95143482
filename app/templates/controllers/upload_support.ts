import type { HttpContext } from '@adonisjs/core/http'
import { Exception } from '@adonisjs/core/exceptions'
import uploads from '#config/uploads'
import { type UploadRead, readUploadedFile } from '#core/services/uploaded_file'
import { formatBytes } from '#core/services/file_type'
import { flashFieldError } from '#core/http/forms'
import { type TaxonomyProblem, taxonomyProblemMessage } from '#templates/queries/template_taxonomy'
import { type SourceProblem, sourceProblemMessage } from '#templates/services/source_upload'

export type { UploadRead }

/** The multipart part `file` of a template or branding upload (limit: UPLOAD_MAX_BYTES). */
export function readUpload(ctx: HttpContext, name = 'file') {
  return readUploadedFile(ctx, name, uploads.maxBytes)
}

/** The 404 of an unknown or another org's record. */
export function notFound() {
  return new Exception('Resource not found', { status: 404, code: 'E_ROW_NOT_FOUND' })
}

/** A refused upload shown under its field: the page number, or the file. */
export function flashSourceProblem(ctx: HttpContext, problem: SourceProblem) {
  flashFieldError(
    ctx,
    problem.kind === 'page_out_of_range' ? 'page' : 'file',
    sourceProblemMessage(problem)
  )
}

/** A refused category choice shown under the select it came from. */
export function flashTaxonomyProblem(ctx: HttpContext, problem: TaxonomyProblem) {
  flashFieldError(
    ctx,
    problem.kind === 'unknown_subcategory' ? 'subcategory_id' : 'category_id',
    taxonomyProblemMessage(problem)
  )
}

/** A missing or oversized file part shown under the file field; true when there was one. */
export function flashUploadProblem(
  ctx: HttpContext,
  upload: UploadRead,
  missing: string
): upload is Exclude<UploadRead, { kind: 'ok' }> {
  if (upload.kind === 'missing') flashFieldError(ctx, 'file', missing)
  else if (upload.kind === 'too_large')
    flashFieldError(
      ctx,
      'file',
      `The file is larger than ${formatBytes(upload.maxBytes)}, the most accepted here.`
    )
  return upload.kind !== 'ok'
}
