import { Agent as HttpAgent, type IncomingHttpHeaders, STATUS_CODES, request } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'

/**
 * The stand-ins' own HTTP client for what they send to the app (webhooks, a
 * media fetcher's GET): node:http over keep-alive connections, as a
 * provider's servers hold theirs open. `fetch` (undici) spent about four
 * times its CPU a request, and a stand-in shares the bench's two cores with
 * the app it drives: in the deliver bench the WhatsApp stand-in's three
 * webhooks and one document fetch a message cost more CPU than the app's
 * queue worker. Redirects are not followed (callers that follow them read
 * `location`).
 */
export interface StandInResponse {
  status: number
  statusText: string
  headers: IncomingHttpHeaders
  body: Buffer
  /** The body was longer than `maxBytes` and was not read: `body` is empty. */
  tooLarge: boolean
}

const agents = {
  'http:': new HttpAgent({ keepAlive: true, maxSockets: 256 }),
  'https:': new HttpsAgent({ keepAlive: true, maxSockets: 256 }),
}

export function standInRequest(
  url: string | URL,
  options: {
    method?: string
    headers?: Record<string, string>
    body?: string | Buffer
    timeoutMs: number
    /** A body longer than this (declared or read) is not kept (`tooLarge`). */
    maxBytes?: number
  }
): Promise<StandInResponse> {
  const target = typeof url === 'string' ? new URL(url) : url
  const send = target.protocol === 'https:' ? httpsRequest : request
  const agent = agents[target.protocol as keyof typeof agents]
  if (!agent) return Promise.reject(new Error(`unsupported protocol ${target.protocol}`))
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...options.headers }
    if (options.body !== undefined) headers['Content-Length'] = Buffer.byteLength(options.body)
    const outgoing = send(target, { method: options.method ?? 'GET', headers, agent }, (answer) => {
      const status = answer.statusCode ?? 0
      const done = (body: Buffer, tooLarge: boolean) =>
        resolve({
          status,
          statusText: answer.statusMessage || STATUS_CODES[status] || '',
          headers: answer.headers,
          body,
          tooLarge,
        })
      const max = options.maxBytes ?? Number.POSITIVE_INFINITY
      if (Number(answer.headers['content-length'] ?? 0) > max) {
        answer.resume()
        return done(Buffer.alloc(0), true)
      }
      const chunks: Buffer[] = []
      let size = 0
      answer.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size > max) {
          answer.destroy()
          return done(Buffer.alloc(0), true)
        }
        chunks.push(chunk)
      })
      answer.on('end', () => done(Buffer.concat(chunks), false))
      answer.on('error', reject)
    })
    outgoing.setTimeout(options.timeoutMs, () =>
      outgoing.destroy(new Error(`no answer within ${options.timeoutMs} ms`))
    )
    outgoing.on('error', reject)
    outgoing.end(options.body)
  })
}
