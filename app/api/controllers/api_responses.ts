import type { HttpContext } from '@adonisjs/core/http'

/** One entry of the contract's `{ errors: [...] }` body. */
export type ApiError = { code: string; message: string; field?: string; row?: number }

export function fail(response: HttpContext['response'], status: number, errors: ApiError[]) {
  return response.status(status).send({ errors })
}

/** Unknown ids and other orgs' ids answer exactly this. */
export function notFound(response: HttpContext['response']) {
  return fail(response, 404, [{ code: 'E_NOT_FOUND', message: 'Resource not found' }])
}

/** Where an API call came from, for the audit log. */
export const origin = ({ request }: HttpContext) => ({
  ip: request.ip(),
  userAgent: request.header('user-agent') ?? null,
})
