import { randomBytes } from 'node:crypto'
import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import { v7 as uuidv7 } from 'uuid'
import razorpay from '#config/razorpay'
import { dbTimestamp } from '#core/services/database_time'
import type Organization from '#orgs/models/organization'
import BillingInvoice from '#billing/models/billing_invoice'
import BillingOrder from '#billing/models/billing_order'
import CloseBillingPeriod from '#billing/actions/close_billing_period'
import { billingMonthNamed } from '#billing/services/billing_periods'
import { givenOrg } from '#tests/helpers/given'
import { billingProfile, issuedAt } from '#tests/helpers/billing'
import {
  type OrderEntity,
  type PaymentEntity,
  type RazorpayEvent,
  type RazorpayEventName,
  type RefundEntity,
  razorpayEvent,
  razorpaySignature,
} from '../../stand_ins/razorpay.js'

export const WEBHOOK_SECRET = 'test-webhook-secret-0f3a9c'
export const KEY_ID = 'rzp_test_AuthentixTests01'
export const KEY_SECRET = 'authentixTestKeySecret0001'
const ACCOUNT = 'acc_AuthentixTest01'

/** Razorpay's settings for a test; `restore` puts back what the suite had. */
export function useRazorpaySettings(settings: Partial<typeof razorpay>) {
  const saved = { ...razorpay }
  Object.assign(razorpay, {
    keyId: KEY_ID,
    keySecret: KEY_SECRET,
    webhookSecret: WEBHOOK_SECRET,
    configured: true,
    ...settings,
  })
  return () => {
    Object.assign(razorpay, saved)
  }
}

/** October 2026's tax invoice of an org, issued (the fee and 12 certificates, on an 18-month-old account). */
export async function givenInvoice(created: Organization) {
  const org = await billingProfile(created, {
    createdAt: '2025-04-01T10:00:00Z',
    state: 'Karnataka',
  })
  await issuedAt(org, '2026-10-12T08:00:00Z', 12)
  const outcome = await CloseBillingPeriod.handle(org, billingMonthNamed('2026-10')!)
  if (outcome.kind !== 'invoiced') throw new Error(`no invoice: ${JSON.stringify(outcome)}`)
  return BillingInvoice.findOrFail(outcome.invoiceId)
}

/** An active org with its October 2026 invoice issued (`givenInvoice`), and its owner. */
export async function givenInvoicedOrg(options: { name?: string } = {}) {
  const { org, owner } = await givenOrg({ name: options.name })
  const invoice = await givenInvoice(org)
  await db.from('organizations').where('id', org.id).update({ billing_status: 'active' })
  await org.refresh()
  return { org, owner, invoice }
}

const rzpId = (prefix: string) => `${prefix}_${randomBytes(7).toString('hex')}`

/** Our order for an invoice's amount due, as `StartInvoicePayment` stores it after Razorpay answered. */
export async function givenOrder(org: Organization, invoice: BillingInvoice) {
  const id = uuidv7()
  return BillingOrder.create({
    id,
    organizationId: org.id,
    invoiceId: invoice.id,
    razorpayOrderId: rzpId('order'),
    receipt: id,
    amountPaise: invoice.amountDuePaise,
    currency: 'INR',
    status: 'created',
  })
}

export function orderEntity(order: BillingOrder, status: OrderEntity['status']): OrderEntity {
  return {
    id: order.razorpayOrderId,
    entity: 'order',
    amount: order.amountPaise,
    amount_paid: status === 'paid' ? order.amountPaise : 0,
    amount_due: status === 'paid' ? 0 : order.amountPaise,
    currency: 'INR',
    receipt: order.receipt,
    offer_id: null,
    status,
    attempts: 1,
    notes: [],
    created_at: Math.floor(Date.now() / 1000),
  }
}

/** A payment of the order as Razorpay describes it in `status`. */
export function paymentEntity(
  order: BillingOrder,
  status: PaymentEntity['status'],
  id = rzpId('pay')
): PaymentEntity {
  const failed = status === 'failed'
  return {
    id,
    entity: 'payment',
    amount: order.amountPaise,
    currency: 'INR',
    status,
    order_id: order.razorpayOrderId,
    invoice_id: null,
    international: false,
    method: 'upi',
    amount_refunded: 0,
    refund_status: null,
    captured: status === 'captured',
    description: null,
    card_id: null,
    bank: null,
    wallet: null,
    vpa: failed ? 'failure@razorpay' : 'success@razorpay',
    email: 'void@razorpay.com',
    contact: '+919000090000',
    notes: [],
    fee: status === 'captured' ? 1_180 : null,
    tax: status === 'captured' ? 180 : null,
    error_code: failed ? 'BAD_REQUEST_ERROR' : null,
    error_description: failed ? 'Payment was declined by the bank.' : null,
    error_source: failed ? 'bank' : null,
    error_step: failed ? 'payment_authorization' : null,
    error_reason: failed ? 'payment_declined' : null,
    acquirer_data: { rrn: null, upi_transaction_id: null },
    created_at: Math.floor(Date.now() / 1000),
  }
}

export function eventOf(input: {
  event: RazorpayEventName
  payment?: PaymentEntity
  order?: OrderEntity
  refund?: RefundEntity
  createdAt?: number
}): RazorpayEvent {
  return razorpayEvent({ accountId: ACCOUNT, ...input })
}

/** A webhook as Razorpay posts it: the body's bytes, their signature and an event id. */
export function signedWebhook(
  event: RazorpayEvent,
  options: { eventId?: string; secret?: string } = {}
) {
  const raw = JSON.stringify(event)
  return {
    raw,
    eventId: options.eventId ?? rzpId('evt').slice(4),
    signature: razorpaySignature(raw, options.secret ?? WEBHOOK_SECRET),
  }
}

export const appBaseUrl = () => `http://${process.env.HOST}:${process.env.PORT}`

/** POSTs a webhook to the running test server, byte for byte. */
export async function postWebhook(
  webhook: { raw: string; eventId?: string; signature?: string },
  headers: Record<string, string> = {}
) {
  const response = await fetch(`${appBaseUrl()}/webhooks/razorpay`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      ...(webhook.signature ? { 'X-Razorpay-Signature': webhook.signature } : {}),
      ...(webhook.eventId ? { 'X-Razorpay-Event-Id': webhook.eventId } : {}),
      ...headers,
    },
    body: webhook.raw,
  })
  const text = await response.text()
  let body: Record<string, any>
  try {
    body = JSON.parse(text)
  } catch {
    body = { text }
  }
  return { status: response.status, body }
}

/** The rows a payment left, read back as plain values. */
export async function paymentState(order: BillingOrder) {
  const payments = await db.from('billing_payments').where('order_id', order.id).orderBy('id')
  const orderRow = await db.from('billing_orders').where('id', order.id).first()
  const invoice = await db.from('billing_invoices').where('id', order.invoiceId!).first()
  const org = await db
    .from('organizations')
    .where('id', order.organizationId)
    .select('billing_status')
    .first()
  const audits = await db
    .from('app_audit_logs')
    .where('organization_id', order.organizationId)
    .where('action', 'billing.payment_captured')
    .count('* as n')
    .first()
  return {
    payments: payments.map((p) => ({
      status: p.status as string,
      amount: Number(p.amount_paise),
      captured: p.captured_at !== null,
    })),
    order: orderRow.status as string,
    invoice: {
      status: invoice.status as string,
      paid: Number(invoice.amount_paid_paise),
      due: Number(invoice.amount_due_paise),
    },
    billingStatus: org.billing_status as string,
    audits: Number(audits.n),
  }
}

/** The invoice a payment of `order` pays: status, paid, due. */
export async function invoiceOf(order: BillingOrder) {
  const state = await paymentState(order)
  return state.invoice
}

/** Sets an invoice overdue (its due date passed) or not. */
export async function dueOn(invoice: BillingInvoice, day: string) {
  await db
    .from('billing_invoices')
    .where('id', invoice.id)
    .update({ due_date: day, updated_at: dbTimestamp(db.connection(), DateTime.utc()) })
}
