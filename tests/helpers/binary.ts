import type { ApiRequest, ApiResponse } from '@japa/api-client'
import superagent from 'superagent'

/**
 * superagent decodes a PDF or ZIP body as UTF-8 text (only image, audio and
 * video are kept as bytes); this asks it to keep any body as bytes.
 */
export function binary<T extends ApiRequest>(request: T): T {
  ;(request as any).request.parse((superagent as any).parse.image)
  return request
}

/** The exact bytes of a response read with `binary()` (or an image). */
export function bytesOf(response: ApiResponse): Uint8Array {
  const body = response.body()
  if (!Buffer.isBuffer(body))
    throw new Error(`expected a binary body, got ${typeof body}; wrap the request in binary()`)
  return new Uint8Array(body)
}
