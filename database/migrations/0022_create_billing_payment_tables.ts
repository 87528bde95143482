import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * How orgs pay their invoices through Razorpay (issue 16; seed 000 §5.8):
 * the orders Razorpay is asked to collect (`billing_orders`), the payments
 * attempted on them (`billing_payments`), money given back
 * (`billing_refunds`, each made under an idempotency key of ours and
 * documented by a credit note) and every webhook as received
 * (`billing_provider_events`).
 *
 * Money is whole paise (bigint). Statuses only move forward, whatever
 * order Razorpay's events come in; what guards against doing a thing twice
 * is in the columns: `captured_at` is set once, by the transaction that
 * credits the invoice; a refund's `credit_note_id` once, by the one that
 * issues its credit note; an event is stored once per event id and once
 * per body (a signed body replayed under another event id is the same
 * event).
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('billing_orders', (table) => {
      table.uuid('id').primary()
      table
        .uuid('organization_id')
        .notNullable()
        .references('id')
        .inTable('organizations')
        .onDelete('CASCADE')
      table.uuid('invoice_id').nullable().references('id').inTable('billing_invoices')
      table.string('razorpay_order_id', 40).notNullable().unique()
      // Ours, sent as the order's receipt: the order's own id (Razorpay: unique, ≤ 40 characters).
      table.string('receipt', 40).notNullable().unique()
      table.bigInteger('amount_paise').notNullable()
      table.string('currency', 3).notNullable()
      table.enum('status', ['created', 'attempted', 'paid']).notNullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.index(['invoice_id', 'status'])
      // The reconciliation reads orders not yet paid, youngest days only.
      table.index(['status', 'created_at'])
    })

    this.schema.createTable('billing_payments', (table) => {
      table.uuid('id').primary()
      table
        .uuid('organization_id')
        .notNullable()
        .references('id')
        .inTable('organizations')
        .onDelete('CASCADE')
      table
        .uuid('order_id')
        .notNullable()
        .references('id')
        .inTable('billing_orders')
        .onDelete('CASCADE')
      table.string('razorpay_payment_id', 40).notNullable().unique()
      table.bigInteger('amount_paise').notNullable()
      // Ours: refunds asked for and not failed (pending or processed).
      table.bigInteger('amount_refunded_paise').notNullable().defaultTo(0)
      table.string('currency', 3).notNullable()
      table.enum('status', ['authorized', 'captured', 'failed', 'refunded']).notNullable()
      table.string('method', 40).nullable()
      table.string('error_code', 100).nullable()
      table.string('error_description', 500).nullable()
      table.string('error_reason', 100).nullable()
      // Set once, in the transaction that credits the invoice: the guard against crediting twice.
      table.timestamp('captured_at', { useTz: true }).nullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.index(['order_id'])
      table.index(['status'])
    })

    this.schema.createTable('billing_refunds', (table) => {
      table.uuid('id').primary()
      table
        .uuid('organization_id')
        .notNullable()
        .references('id')
        .inTable('organizations')
        .onDelete('CASCADE')
      table
        .uuid('payment_id')
        .notNullable()
        .references('id')
        .inTable('billing_payments')
        .onDelete('CASCADE')
      // Null until Razorpay has answered (a lost answer is asked again under the same key).
      table.string('razorpay_refund_id', 40).nullable().unique()
      // Sent as X-Refund-Idempotency: a retry cannot refund twice.
      table.string('idempotency_key', 64).notNullable().unique()
      table.bigInteger('amount_paise').notNullable()
      table.enum('status', ['pending', 'processed', 'failed']).notNullable()
      // Issued once the refund is processed (money given back is what a credit note documents).
      table.uuid('credit_note_id').nullable().unique().references('id').inTable('billing_invoices')
      table.string('reason', 500).notNullable()
      // Why Razorpay refused or failed it.
      table.string('error', 500).nullable()
      table.uuid('created_by').nullable().references('id').inTable('users').onDelete('SET NULL')
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.index(['payment_id'])
      table.index(['status', 'created_at'])
    })

    this.schema.createTable('billing_provider_events', (table) => {
      table.uuid('id').primary()
      // Known once applied (the order it concerns is ours); null for what is not.
      table
        .uuid('organization_id')
        .nullable()
        .references('id')
        .inTable('organizations')
        .onDelete('CASCADE')
      table.enum('provider', ['razorpay']).notNullable()
      // X-Razorpay-Event-Id: the same on every copy and retry of one event.
      table.string('event_id', 64).notNullable()
      table.string('event', 64).notNullable()
      // SHA-256 of the raw body: the signature covers the body only, not the event id header.
      table.string('payload_hash', 64).notNullable()
      table.json('payload').notNullable()
      table.enum('status', ['received', 'applied', 'ignored', 'failed']).notNullable()
      table.string('error', 1000).nullable()
      table.timestamp('received_at', { useTz: true }).notNullable()
      table.timestamp('applied_at', { useTz: true }).nullable()
      table.unique(['provider', 'event_id'])
      table.unique(['provider', 'payload_hash'])
      table.index(['organization_id', 'received_at'])
    })
  }

  async down() {
    this.schema.dropTableIfExists('billing_provider_events')
    this.schema.dropTableIfExists('billing_refunds')
    this.schema.dropTableIfExists('billing_payments')
    this.schema.dropTableIfExists('billing_orders')
  }
}
