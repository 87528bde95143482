import { readFile } from 'node:fs/promises'
import type { HttpContext } from '@adonisjs/core/http'

export type UploadRead =
  | { kind: 'ok'; bytes: Uint8Array; originalName: string | null }
  | { kind: 'missing' }
  | { kind: 'too_large'; maxBytes: number }

/**
 * A multipart file part, size-checked while it streamed in (before anything
 * parses it) and again on disk. Its type is decided later, from the bytes;
 * the client's name is kept for display only.
 */
export async function readUploadedFile(
  { request }: HttpContext,
  name: string,
  maxBytes: number
): Promise<UploadRead> {
  const file = request.file(name, { size: maxBytes })
  const tooLarge = file?.hasErrors && file.errors.some((error) => error.type === 'size')
  if (tooLarge) return { kind: 'too_large', maxBytes }
  if (!file || !file.tmpPath) return { kind: 'missing' }
  const bytes = new Uint8Array(await readFile(file.tmpPath))
  if (bytes.byteLength > maxBytes) return { kind: 'too_large', maxBytes }
  return { kind: 'ok', bytes, originalName: file.clientName ? file.clientName.slice(0, 255) : null }
}
