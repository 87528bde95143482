import type { ApiClient } from '@japa/api-client'
import { PASSWORD } from '#tests/helpers/given'
import { withSessionId } from '#tests/helpers/database_session_client'

export const SESSION_COOKIE = 'authentix_session'
export const REMEMBER_COOKIE = 'remember_web'

/** Submits the login form like a browser; returns the response and the session id it set. */
export async function logIn(
  client: ApiClient,
  email: string,
  password: string = PASSWORD,
  options: { remember?: boolean; ip?: string } = {}
) {
  const request = client
    .post('/login')
    .form({ email, password, ...(options.remember ? { remember_me: 'true' } : {}) })
    .withCsrfToken()
    .redirects(0)
  if (options.ip) request.header('x-forwarded-for', options.ip)
  const response = await request
  return { response, sessionId: response.cookie(SESSION_COOKIE)?.value as string | undefined }
}

/** A GET made with an existing session cookie. */
export function getWithSession(client: ApiClient, path: string, sessionId: string) {
  return withSessionId(client.get(path), sessionId).redirects(0)
}
