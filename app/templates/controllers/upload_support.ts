import { readFile } from 'node:fs/promises'
import type { HttpContext } from '@adonisjs/core/http'
import { Exception } from '@adonisjs/core/exceptions'
import uploads from '#config/uploads'

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
