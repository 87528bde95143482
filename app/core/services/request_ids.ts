import { randomUUID } from 'node:crypto'
import type { RequestListener } from 'node:http'

/**
 * Gives each request without an `X-Request-Id` (from a proxy in front) a
 * random UUID before the app sees it, so every log line of the request
 * carries one (`request_id`). AdonisJS's own `generateRequestId` makes a
 * cuid2, whose SHA-3 cost 3 % of the web process's CPU on the verification
 * path (`npm run bench -- verify --profile`); `randomUUID` draws from a
 * cached pool of random bytes.
 */
export function withRequestIds(handle: RequestListener): RequestListener {
  return (request, response) => {
    if (!request.headers['x-request-id']) request.headers['x-request-id'] = randomUUID()
    handle(request, response)
  }
}
