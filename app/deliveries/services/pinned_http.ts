import http from 'node:http'
import https from 'node:https'
import { isIP } from 'node:net'
import type { LookupFunction } from 'node:net'

export interface JsonAnswer {
  status: number
  body: unknown
  /** The answer's headers, lower-cased names (e.g. `retry-after`). */
  headers: Record<string, string | string[] | undefined>
}

/** POSTs JSON (see `postPinned`). */
export function postJsonPinned(
  url: URL,
  address: string | undefined,
  headers: Record<string, string>,
  body: unknown,
  timeoutMs: number
): Promise<JsonAnswer> {
  return postPinned(
    url,
    address,
    { ...headers, 'Content-Type': 'application/json' },
    Buffer.from(JSON.stringify(body)),
    timeoutMs
  )
}

/**
 * POSTs `payload` to `url`, connecting to `address` (the one the SSRF check
 * approved) rather than resolving the name again, which could answer
 * differently (DNS rebinding). TLS still checks the certificate against
 * the URL's host name. No redirects are followed. The answer's body is
 * parsed as JSON when it is JSON, else kept as text.
 */
export function postPinned(
  url: URL,
  address: string | undefined,
  headers: Record<string, string>,
  payload: Buffer,
  timeoutMs: number
): Promise<JsonAnswer> {
  const lookup: LookupFunction | undefined = address
    ? (_hostname, options, callback) => {
        const family = isIP(address) === 6 ? 6 : 4
        if ((options as { all?: boolean }).all) {
          ;(callback as any)(null, [{ address, family }])
        } else callback(null, address, family)
      }
    : undefined
  const client = url.protocol === 'https:' ? https : http
  return new Promise((resolve, reject) => {
    const request = client.request(
      url,
      {
        method: 'POST',
        lookup,
        timeout: timeoutMs,
        headers: {
          ...headers,
          'Content-Length': String(payload.length),
        },
      },
      (response) => {
        const chunks: Buffer[] = []
        let size = 0
        response.on('data', (chunk: Buffer) => {
          size += chunk.length
          // A provider's answer is small; anything bigger is not one.
          if (size > 1024 * 1024) request.destroy(new Error('the answer was larger than 1 MB'))
          else chunks.push(chunk)
        })
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          let parsed: unknown = text
          try {
            parsed = JSON.parse(text)
          } catch {}
          resolve({ status: response.statusCode ?? 0, body: parsed, headers: response.headers })
        })
        response.on('error', reject)
      }
    )
    request.on('timeout', () => {
      const error = new Error(`no answer within ${timeoutMs / 1000} s`) as NodeJS.ErrnoException
      error.code = 'ETIMEDOUT'
      request.destroy(error)
    })
    request.on('error', reject)
    request.end(payload)
  })
}
