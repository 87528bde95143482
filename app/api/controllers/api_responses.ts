import type { HttpContext } from '@adonisjs/core/http'

/** One entry of the contract's `{ errors: [...] }` body. */
export type ApiError = { code: string; message: string; field?: string; row?: number }

export function fail(response: HttpContext['response'], status: number, errors: ApiError[]) {
  return response.status(status).send({ errors })
}
