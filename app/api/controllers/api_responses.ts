import type { HttpContext } from '@adonisjs/core/http'
import { type TaxonomyProblem, taxonomyProblemMessage } from '#templates/queries/template_taxonomy'

/** One entry of the contract's `{ errors: [...] }` body. */
export type ApiError = { code: string; message: string; field?: string; row?: number }

export function fail(response: HttpContext['response'], status: number, errors: ApiError[]) {
  return response.status(status).send({ errors })
}

/** No multipart part `file`: 422, the message says what to send. */
export function fileRequired(response: HttpContext['response'], message: string) {
  return fail(response, 422, [{ code: 'E_FILE_REQUIRED', message, field: 'file' }])
}

/** The multipart part `file` is over its limit: 413, the message names the limit. */
export function fileTooLarge(response: HttpContext['response'], message: string) {
  return fail(response, 413, [{ code: 'E_FILE_TOO_LARGE', message, field: 'file' }])
}

/** A refused `category_key`/`subcategory_key`, named under the key it concerns. */
export function taxonomyError(problem: TaxonomyProblem): ApiError {
  const subcategory = problem.kind === 'unknown_subcategory'
  return {
    code: subcategory ? 'E_UNKNOWN_SUBCATEGORY' : 'E_UNKNOWN_CATEGORY',
    message: taxonomyProblemMessage(problem),
    field: subcategory ? 'subcategory_key' : 'category_key',
  }
}

/** A page of a list as the contract sends it: `{ data, meta: { total, page, per_page } }`. */
export function pageJson<T, J>(
  page: { all(): T[]; total: number; currentPage: number; perPage: number },
  toJson: (item: T) => J
) {
  return {
    data: page.all().map((item) => toJson(item)),
    meta: { total: page.total, page: page.currentPage, per_page: page.perPage },
  }
}
