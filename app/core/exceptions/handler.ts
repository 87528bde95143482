import app from '@adonisjs/core/services/app'
import { HttpContext, ExceptionHandler } from '@adonisjs/core/http'
import type { StatusPageRange, StatusPageRenderer } from '@adonisjs/core/types/http'
import { errors as vineErrors } from '@vinejs/vine'
import { errors as shieldErrors } from '@adonisjs/shield'
import { errors as limiterErrors } from '@adonisjs/limiter'
import { errors as bouncerErrors } from '@adonisjs/bouncer'
import { flashFieldErrors } from '#core/http/forms'
import { bodyTooDeep, isStackOverflowOfBodyParser } from '#core/http/body_limits'

type ApiError = { code: string; message: string; field?: string; row?: number }

const STATUS_CODES: Record<number, string> = {
  400: 'E_BAD_REQUEST',
  401: 'E_UNAUTHORIZED',
  403: 'E_FORBIDDEN',
  404: 'E_NOT_FOUND',
  405: 'E_METHOD_NOT_ALLOWED',
  409: 'E_CONFLICT',
  413: 'E_PAYLOAD_TOO_LARGE',
  415: 'E_UNSUPPORTED_MEDIA_TYPE',
  422: 'E_VALIDATION_ERROR',
  429: 'E_TOO_MANY_REQUESTS',
  500: 'E_INTERNAL',
}

export default class HttpExceptionHandler extends ExceptionHandler {
  protected debug = !app.inProduction && !app.inTest
  protected renderStatusPages = true

  protected statusPages: Record<StatusPageRange, StatusPageRenderer> = {
    '403': (error, { view }) => view.render('pages/core/errors/forbidden', { error }),
    '404': (error, { view }) => view.render('pages/core/errors/not_found', { error }),
    '429': (error, { view }) => view.render('pages/core/errors/too_many_requests', { error }),
    '500..599': (error, { view }) => view.render('pages/core/errors/server_error', { error }),
  }

  async handle(error: unknown, ctx: HttpContext) {
    if (isStackOverflowOfBodyParser(error)) error = bodyTooDeep()
    if (ctx.request.url().startsWith('/api/')) {
      return this.renderApiError(error, ctx)
    }
    if (error instanceof shieldErrors.E_BAD_CSRF_TOKEN) {
      return this.renderCsrfFailure(error, ctx)
    }
    if (
      error instanceof limiterErrors.E_TOO_MANY_REQUESTS &&
      ctx.request.accepts(['html', 'json']) !== 'json'
    ) {
      return this.renderThrottled(error, ctx)
    }
    if (
      error instanceof bouncerErrors.E_AUTHORIZATION_FAILURE &&
      ctx.request.accepts(['html', 'json']) !== 'json'
    ) {
      return this.renderForbidden(error, ctx)
    }
    return super.handle(error, ctx)
  }

  /**
   * A form that fails validation goes back to its page with the messages
   * under its fields and what was typed kept, secrets left out
   * (`core/http/forms`): the session package's own version would keep
   * every field but `password` and `password_confirmation`.
   */
  async renderValidationErrorAsHTML(error: any, ctx: HttpContext) {
    // A link, not a form (a hand-edited `?page=`): there is nothing to go back to.
    if (ctx.request.method() === 'GET') {
      ctx.response.status(422)
      return ctx.response.send(
        await ctx.view.render('pages/core/errors/invalid_request', { messages: error.messages })
      )
    }
    if (!ctx.session) return super.renderValidationErrorAsHTML(error, ctx)
    flashFieldErrors(ctx, error.messages)
    ctx.session.flashErrors({
      [String(error.code)]: 'The form could not be saved. Please check the errors below.',
    })
    ctx.response.redirect('back', true)
  }

  /**
   * Bouncer answers a denied browser request with the plain text "Access
   * denied" by itself (its exception handles itself, skipping status pages);
   * browsers get the 403 page that says what to do.
   */
  private async renderForbidden(
    error: InstanceType<typeof bouncerErrors.E_AUTHORIZATION_FAILURE>,
    ctx: HttpContext
  ) {
    ctx.response.status(403)
    return ctx.response.send(await ctx.view.render('pages/core/errors/forbidden', { error }))
  }

  /** The limiter answers plain text by itself; browsers get the 429 page, saying how long to wait. */
  private async renderThrottled(
    error: InstanceType<typeof limiterErrors.E_TOO_MANY_REQUESTS>,
    ctx: HttpContext
  ) {
    for (const [name, value] of Object.entries(error.getDefaultHeaders()))
      ctx.response.header(name, value)
    const retryAfterMinutes = Math.max(1, Math.ceil(error.response.availableIn / 60))
    ctx.response.status(429)
    return ctx.response.send(
      await ctx.view.render('pages/core/errors/too_many_requests', { error, retryAfterMinutes })
    )
  }

  /**
   * Shield's own handler redirects back as if nothing happened; a request
   * without a valid CSRF token is refused (security target A8) with a page
   * that says how to recover.
   */
  private async renderCsrfFailure(
    error: InstanceType<typeof shieldErrors.E_BAD_CSRF_TOKEN>,
    ctx: HttpContext
  ) {
    ctx.response.status(403)
    if (ctx.request.accepts(['html', 'json']) === 'json') {
      return ctx.response.send({
        errors: [
          { code: error.code, message: 'This form has expired. Reload the page and try again.' },
        ],
      })
    }
    return ctx.response.send(await ctx.view.render('pages/core/errors/csrf'))
  }

  /** The API contract's error shape: `{ errors: [{ code, message, field?, row? }] }`. */
  private renderApiError(error: any, ctx: HttpContext) {
    if (error instanceof vineErrors.E_VALIDATION_ERROR) {
      const errors: ApiError[] = error.messages.map((m: any) => ({
        code: 'E_VALIDATION_ERROR',
        message: m.message,
        field: m.field,
      }))
      return ctx.response.status(422).send({ errors })
    }
    const status: number =
      error?.status && error.status >= 400 && error.status < 600 ? error.status : 500
    if (status >= 500) {
      this.report(error, ctx)
      return ctx.response
        .status(500)
        .send({ errors: [{ code: 'E_INTERNAL', message: 'Something went wrong on our side.' }] })
    }
    const code =
      status === 404
        ? 'E_NOT_FOUND'
        : typeof error?.code === 'string' && error.code.startsWith('E_')
          ? error.code
          : (STATUS_CODES[status] ?? 'E_REQUEST_FAILED')
    const message =
      status === 404
        ? 'Resource not found'
        : typeof error?.message === 'string'
          ? error.message
          : 'Request failed'
    // The limiter's error carries Retry-After and the rate headers; JSON callers get them too.
    if (status === 429 && typeof error?.getDefaultHeaders === 'function') {
      for (const [name, value] of Object.entries(
        error.getDefaultHeaders() as Record<string, unknown>
      ))
        ctx.response.header(name, value as any)
    }
    return ctx.response.status(status).send({ errors: [{ code, message }] })
  }
}
