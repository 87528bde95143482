import { Exception } from '@adonisjs/core/exceptions'

/**
 * The one answer for a record that is not there for this caller: unknown,
 * another org's, or not in a state a page can show. Pages render the 404
 * page; the JSON API answers `{ errors: [{ code: 'E_NOT_FOUND', … }] }`.
 */
export function notFound() {
  return new Exception('Resource not found', { status: 404, code: 'E_NOT_FOUND' })
}

/** The record, or the 404 above. */
export function foundOr404<T>(record: T | null | undefined): T {
  if (record === null || record === undefined) throw notFound()
  return record
}

/** The `not_found` case of an outcome handled with `handle()`: `{ not_found: throwNotFound }`. */
export function throwNotFound(): never {
  throw notFound()
}
