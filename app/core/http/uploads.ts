import type { HttpContext } from '@adonisjs/core/http'
import uploads from '#config/uploads'
import { type UploadRead, readUploadedFile } from '#core/services/uploaded_file'
import { formatBytes } from '#core/services/file_type'
import type { FieldMessage } from '#core/http/forms'

export type { UploadRead }

/** The multipart part `file` of a template or branding upload, size-checked (`UPLOAD_MAX_BYTES`). */
export function readUpload(ctx: HttpContext, name = 'file') {
  return readUploadedFile(ctx, name, uploads.maxBytes)
}

/** What to show under the file field when the part was missing (`missing` says what to choose) or too large. */
export function uploadProblemField(
  upload: Exclude<UploadRead, { kind: 'ok' }>,
  missing: string
): FieldMessage {
  switch (upload.kind) {
    case 'missing':
      return { field: 'file', message: missing }
    case 'too_large':
      return {
        field: 'file',
        message: `The file is larger than ${formatBytes(upload.maxBytes)}, the most accepted here.`,
      }
  }
}
