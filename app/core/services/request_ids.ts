import { randomUUID } from 'node:crypto'
import type { RequestListener } from 'node:http'

/** What a proxy in front may pass as a request id; anything else (long, odd characters) is replaced. */
const PASSED_ID = /^[\w.:-]{1,128}$/

/**
 * Gives each request without a usable `X-Request-Id` (one from a proxy in
 * front is kept) a random UUID before the app sees it, so every log line of
 * the request carries one (`request_id`), never kilobytes a client sent. AdonisJS's own `generateRequestId` makes a
 * cuid2, whose SHA-3 cost 3 % of the web process's CPU on the verification
 * path (`npm run bench -- verify --profile`); `randomUUID` draws from a
 * cached pool of random bytes.
 */
export function withRequestIds(handle: RequestListener): RequestListener {
  return (request, response) => {
    const passed = request.headers['x-request-id']
    if (typeof passed !== 'string' || !PASSED_ID.test(passed)) {
      request.headers['x-request-id'] = randomUUID()
    }
    handle(request, response)
  }
}
