import { Exception } from '@adonisjs/core/exceptions'

/** Levels of nesting a request body may have; ours need four or five. */
export const MAX_BODY_DEPTH = 32

/** The answer for a body nested deeper than the limit, whoever notices it first. */
export function bodyTooDeep() {
  return new Exception(`The request body is nested too deeply (limit ${MAX_BODY_DEPTH} levels).`, {
    status: 400,
    code: 'E_BODY_TOO_DEEP',
  })
}

/**
 * The body parser's JSON reader walks the parsed value recursively looking
 * for `__proto__`; a body nested some 10,000 levels overflows the stack
 * there, before our middleware sees it, as a RangeError it marks 400.
 */
export function isStackOverflowOfBodyParser(error: unknown) {
  return (
    error instanceof RangeError &&
    (error as RangeError & { status?: number }).status === 400 &&
    /call stack/i.test(error.message)
  )
}
