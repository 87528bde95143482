/*
| Our thin client of Razorpay's REST API (`../shared/reference/integrations.md`
| "Razorpay"): orders, payments, captures and refunds, nothing more. Not the
| `razorpay` npm SDK: it hard-codes `https://api.razorpay.com` (we point at
| a local stand-in in tests and the demo), turns network errors into
| TypeErrors and cannot send `X-Refund-Idempotency`. Every answer is a value:
| the entity, or why not, in words an operator can act on; nothing here
| throws for what Razorpay or the network does. Settings come from the
| caller (configuration is wired elsewhere).
*/

export interface RazorpayClientSettings {
  /** `https://api.razorpay.com`, or a stand-in's URL; `/v1/…` is appended. */
  baseUrl: string
  keyId: string
  keySecret: string
  /** How long a request may take, connecting and reading the answer included. */
  timeoutMs: number
}

/** Razorpay's notes: up to 15 pairs; an entity without any carries `[]`. */
export type RazorpayNotes = Record<string, string | number>

export interface RazorpayOrder {
  id: string
  entity: 'order'
  /** Paise, as are all amounts here. */
  amount: number
  amount_paid: number
  amount_due: number
  currency: string
  receipt: string | null
  status: 'created' | 'attempted' | 'paid'
  attempts: number
  notes: RazorpayNotes | []
  /** Unix seconds. */
  created_at: number
}

export interface RazorpayPayment {
  id: string
  entity: 'payment'
  amount: number
  currency: string
  status: 'created' | 'authorized' | 'captured' | 'refunded' | 'failed'
  order_id: string | null
  method: string
  captured: boolean
  amount_refunded: number
  refund_status: null | 'partial' | 'full'
  /** Razorpay's fee, GST included (`tax`), once captured. */
  fee: number | null
  tax: number | null
  notes: RazorpayNotes | []
  error_code: string | null
  error_description: string | null
  error_source: string | null
  error_step: string | null
  error_reason: string | null
  created_at: number
}

export interface RazorpayRefund {
  id: string
  entity: 'refund'
  amount: number
  currency: string
  payment_id: string
  notes: RazorpayNotes | []
  receipt: string | null
  status: 'pending' | 'processed' | 'failed'
  speed_requested: string
  created_at: number
}

/** Why a request came to nothing; `message` says it in plain words. */
export type RazorpayFailure =
  | {
      ok: false
      /** Razorpay answered with its error body (4xx): the request, or the state of things, is wrong. */
      kind: 'rejected'
      httpStatus: number
      /** `BAD_REQUEST_ERROR` and the like. */
      code: string
      description: string
      /** The request's field at fault, when Razorpay names one. */
      field: string | null
      message: string
    }
  | { ok: false; kind: 'unauthorized'; httpStatus: number; message: string }
  | { ok: false; kind: 'unreachable'; message: string }
  | { ok: false; kind: 'server_error'; httpStatus: number; message: string }

export type RazorpayResult<T> = { ok: true; value: T } | RazorpayFailure

export interface RefundRequest {
  /** Paise; none refunds whatever is captured and not yet refunded. */
  amount?: number
  speed?: 'normal' | 'optimum'
  notes?: RazorpayNotes
  receipt?: string
}

interface Collection<T> {
  entity: 'collection'
  count: number
  items: T[]
}

/**
 * Amounts are whole paise everywhere in billing; anything else is a bug of
 * ours, refused before it could become a wrong charge or refund.
 */
function requirePaise(amount: number, name: string) {
  if (!Number.isSafeInteger(amount)) {
    throw new RangeError(`${name} must be a whole number of paise; got ${amount}`)
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

export class RazorpayClient {
  readonly #settings: RazorpayClientSettings
  readonly #baseUrl: string
  readonly #authorization: string

  constructor(settings: RazorpayClientSettings) {
    this.#settings = settings
    this.#baseUrl = settings.baseUrl.replace(/\/+$/, '')
    this.#authorization = `Basic ${Buffer.from(`${settings.keyId}:${settings.keySecret}`).toString('base64')}`
  }

  createOrder(input: {
    amount: number
    currency?: 'INR'
    /** Ours (≤ 40 characters), unique per order: it finds the order again after a lost answer. */
    receipt?: string
    notes?: RazorpayNotes
  }): Promise<RazorpayResult<RazorpayOrder>> {
    requirePaise(input.amount, 'amount')
    return this.#request('create the order', 'POST', '/v1/orders', {
      amount: input.amount,
      currency: input.currency ?? 'INR',
      ...(input.receipt !== undefined ? { receipt: input.receipt } : {}),
      ...(input.notes !== undefined ? { notes: input.notes } : {}),
    })
  }

  fetchOrder(orderId: string): Promise<RazorpayResult<RazorpayOrder>> {
    return this.#request(`fetch order ${orderId}`, 'GET', `/v1/orders/${segment(orderId)}`)
  }

  /** Every payment attempted on the order, newest first. */
  async fetchOrderPayments(orderId: string): Promise<RazorpayResult<RazorpayPayment[]>> {
    const result = await this.#request<Collection<RazorpayPayment>>(
      `fetch the payments of order ${orderId}`,
      'GET',
      `/v1/orders/${segment(orderId)}/payments`
    )
    return result.ok ? { ok: true, value: result.value.items } : result
  }

  fetchPayment(paymentId: string): Promise<RazorpayResult<RazorpayPayment>> {
    return this.#request(`fetch payment ${paymentId}`, 'GET', `/v1/payments/${segment(paymentId)}`)
  }

  /** Captures an authorized payment (auto-capture does it unless turned off); the amount must be the payment's. */
  capturePayment(
    paymentId: string,
    input: { amount: number; currency?: 'INR' }
  ): Promise<RazorpayResult<RazorpayPayment>> {
    requirePaise(input.amount, 'amount')
    return this.#request(
      `capture payment ${paymentId}`,
      'POST',
      `/v1/payments/${segment(paymentId)}/capture`,
      { amount: input.amount, currency: input.currency ?? 'INR' }
    )
  }

  /**
   * Refunds a captured payment. The idempotency key (≥ 10 letters, digits,
   * `-` or `_`) makes a retry safe: the same key with the same request
   * answers the refund already made. Send the same request again after
   * `unreachable`, `server_error` or a 409; a new refund needs a new key.
   */
  refundPayment(
    paymentId: string,
    input: RefundRequest,
    idempotencyKey: string
  ): Promise<RazorpayResult<RazorpayRefund>> {
    if (input.amount !== undefined) requirePaise(input.amount, 'amount')
    const body: Record<string, unknown> = {}
    if (input.amount !== undefined) body.amount = input.amount
    if (input.speed !== undefined) body.speed = input.speed
    if (input.notes !== undefined) body.notes = input.notes
    if (input.receipt !== undefined) body.receipt = input.receipt
    return this.#request(
      `refund payment ${paymentId}`,
      'POST',
      `/v1/payments/${segment(paymentId)}/refund`,
      body,
      { 'X-Refund-Idempotency': idempotencyKey }
    )
  }

  fetchRefund(refundId: string): Promise<RazorpayResult<RazorpayRefund>> {
    return this.#request(`fetch refund ${refundId}`, 'GET', `/v1/refunds/${segment(refundId)}`)
  }

  async #request<T>(
    what: string,
    method: 'GET' | 'POST',
    path: string,
    body?: Record<string, unknown>,
    headers: Record<string, string> = {}
  ): Promise<RazorpayResult<T>> {
    const url = `${this.#baseUrl}${path}`
    let status: number
    let text: string
    try {
      const response = await fetch(url, {
        method,
        headers: {
          Authorization: this.#authorization,
          Accept: 'application/json',
          ...(body ? { 'Content-Type': 'application/json' } : {}),
          ...headers,
        },
        body: body ? JSON.stringify(body) : undefined,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.#settings.timeoutMs),
      })
      status = response.status
      text = await response.text()
    } catch (error) {
      return { ok: false, kind: 'unreachable', message: this.#unreachable(what, method, error) }
    }
    let parsed: unknown = null
    try {
      parsed = JSON.parse(text)
    } catch {}

    if (status >= 200 && status < 300) {
      if (isObject(parsed)) return { ok: true, value: parsed as T }
      return {
        ok: false,
        kind: 'server_error',
        httpStatus: status,
        message: `Razorpay answered HTTP ${status} to ${what}, but not with JSON; try again later.`,
      }
    }
    if (status === 401) {
      return {
        ok: false,
        kind: 'unauthorized',
        httpStatus: status,
        message: `Razorpay did not accept our API key (key id ${this.#settings.keyId}) when asked to ${what}: check the key id and key secret.`,
      }
    }
    if (status >= 400 && status < 500) {
      const error = isObject(parsed) && isObject(parsed.error) ? parsed.error : {}
      const code = typeof error.code === 'string' ? error.code : `HTTP_${status}`
      const description =
        typeof error.description === 'string' ? error.description : text.slice(0, 200)
      const field = typeof error.field === 'string' ? error.field : null
      return {
        ok: false,
        kind: 'rejected',
        httpStatus: status,
        code,
        description,
        field,
        message: rejectionMessage(what, status, description, field),
      }
    }
    return {
      ok: false,
      kind: 'server_error',
      httpStatus: status,
      message: `Razorpay had trouble of its own (HTTP ${status}) when asked to ${what}; try again later.`,
    }
  }

  #unreachable(what: string, method: string, error: unknown) {
    const origin = new URL(this.#baseUrl).origin
    // A request sent but not answered may still have been carried out.
    const perhapsDone =
      method === 'POST'
        ? ' Razorpay may have done it all the same: look before doing it again (a refund may be sent again with the same idempotency key).'
        : ''
    if (error instanceof Error && error.name === 'TimeoutError') {
      return `Razorpay did not answer within ${this.#settings.timeoutMs / 1000} seconds when asked to ${what}.${perhapsDone}`
    }
    const cause =
      error instanceof Error ? (error.cause as NodeJS.ErrnoException | undefined) : undefined
    if (cause?.code === 'ECONNREFUSED') {
      return `Could not reach Razorpay at ${origin} to ${what}: the connection was refused.`
    }
    const reason = cause?.message ?? (error instanceof Error ? error.message : String(error))
    return `Could not reach Razorpay at ${origin} to ${what} (${reason}).${perhapsDone}`
  }
}

/** An id as one path segment, whatever it holds. */
const segment = (id: string) => encodeURIComponent(id)

function rejectionMessage(what: string, status: number, description: string, field: string | null) {
  if (status === 409) {
    return `Razorpay is still working on the same request to ${what}; send it again shortly, unchanged.`
  }
  const at = field ? ` (field “${field}”)` : ''
  return `Razorpay refused to ${what}: ${description}${at}`
}
