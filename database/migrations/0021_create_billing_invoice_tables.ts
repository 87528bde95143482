import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * What the billing run writes (issue 16; seed 000 §5.8): an org's closed
 * months (`billing_periods`), its tax invoices and credit notes
 * (`billing_invoices`, one per org and period at most) with their lines
 * (`billing_invoice_items`), the gapless number series they are numbered
 * from (`billing_invoice_counters`, as certificates' are), and staff's
 * credits and debits waiting for the next invoice (`billing_credits_debits`).
 *
 * Money is whole paise (bigint), rates basis points, calendar days
 * `YYYY-MM-DD` text, as in migration 0020. An issued invoice is never
 * edited: it keeps what it was issued with (the supplier's and the
 * recipient's names, addresses, GSTINs and the place of supply) as a
 * snapshot, so a later change of address changes no issued invoice; what
 * changes afterwards is only what was paid and the status.
 *
 * `organizations.invoice_code`: the 1–5 characters every invoice number of
 * the org carries (XEN-<CODE>-NNNNNN), given once at its first invoice,
 * unique, never changed.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.alterTable('organizations', (table) => {
      table.string('invoice_code', 5).nullable().unique()
      // Where invoices are sent besides the owners (a finance mailbox).
      table.string('billing_email', 254).nullable()
    })

    this.schema.createTable('billing_periods', (table) => {
      table.uuid('id').primary()
      table
        .uuid('organization_id')
        .notNullable()
        .references('id')
        .inTable('organizations')
        .onDelete('CASCADE')
      table.string('period_start', 10).notNullable()
      table.string('period_end', 10).notNullable()
      // closed: nothing to invoice; invoiced: its invoice exists.
      table.enum('status', ['open', 'closed', 'invoiced']).notNullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.unique(['organization_id', 'period_start'])
    })

    this.schema.createTable('billing_invoice_counters', (table) => {
      table
        .uuid('organization_id')
        .notNullable()
        .references('id')
        .inTable('organizations')
        .onDelete('CASCADE')
      table.enum('series', ['invoice', 'credit_note']).notNullable()
      table.bigInteger('last_number').notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.primary(['organization_id', 'series'])
    })

    this.schema.createTable('billing_invoices', (table) => {
      table.uuid('id').primary()
      table
        .uuid('organization_id')
        .notNullable()
        .references('id')
        .inTable('organizations')
        .onDelete('CASCADE')
      table.uuid('period_id').nullable().references('id').inTable('billing_periods')
      table.enum('kind', ['invoice', 'credit_note']).notNullable()
      table.string('invoice_number', 16).notNullable().unique()
      // A credit note's invoice (its number and date are printed on it).
      table.uuid('original_invoice_id').nullable().references('id').inTable('billing_invoices')
      table.string('issue_date', 10).notNullable()
      table.string('due_date', 10).nullable()
      table.string('period_start', 10).nullable()
      table.string('period_end', 10).nullable()
      table.enum('status', ['issued', 'paid', 'partially_paid', 'void']).notNullable()
      table.string('currency', 3).notNullable()
      // Snapshots as issued: { name, address_lines[], state, state_code, gstin }.
      table.json('supplier').notNullable()
      table.json('recipient').notNullable()
      table.string('place_of_supply', 2).nullable()
      table.boolean('intra_state').notNullable()
      table.string('sac', 8).notNullable()
      table.bigInteger('subtotal_paise').notNullable()
      table.bigInteger('cgst_paise').notNullable()
      table.bigInteger('sgst_paise').notNullable()
      table.bigInteger('igst_paise').notNullable()
      table.bigInteger('round_off_paise').notNullable()
      table.bigInteger('total_paise').notNullable()
      table.bigInteger('amount_paid_paise').notNullable().defaultTo(0)
      table.bigInteger('amount_due_paise').notNullable()
      table.string('amount_in_words', 400).notNullable()
      table.uuid('pdf_file_id').nullable().references('id').inTable('files')
      table.timestamp('issued_at', { useTz: true }).notNullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.unique(['organization_id', 'period_id'])
      table.index(['organization_id', 'issued_at'])
    })

    this.schema.createTable('billing_invoice_items', (table) => {
      table.uuid('id').primary()
      table
        .uuid('invoice_id')
        .notNullable()
        .references('id')
        .inTable('billing_invoices')
        .onDelete('CASCADE')
      table.integer('position').notNullable()
      table
        .enum('line_item_type', ['platform_fee', 'certificates', 'credit', 'debit'])
        .notNullable()
      table.string('description', 300).notNullable()
      table.bigInteger('quantity').notNullable()
      table.bigInteger('unit_price_paise').notNullable()
      // The line's taxable value (quantity × unit price) and its tax.
      table.bigInteger('amount_paise').notNullable()
      table.integer('gst_rate_basis_points').notNullable()
      table.bigInteger('cgst_paise').notNullable()
      table.bigInteger('sgst_paise').notNullable()
      table.bigInteger('igst_paise').notNullable()
      table.bigInteger('total_paise').notNullable()
      table.json('metadata').notNullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.unique(['invoice_id', 'position'])
    })

    this.schema.createTable('billing_credits_debits', (table) => {
      table.uuid('id').primary()
      table
        .uuid('organization_id')
        .notNullable()
        .references('id')
        .inTable('organizations')
        .onDelete('CASCADE')
      table.enum('kind', ['credit', 'debit']).notNullable()
      // Before tax, always > 0; a credit reduces the next invoices' taxable value until used up.
      table.bigInteger('amount_paise').notNullable()
      table.bigInteger('remaining_paise').notNullable()
      table.string('reason', 500).notNullable()
      table.uuid('created_by').nullable().references('id').inTable('users').onDelete('SET NULL')
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.index(['organization_id', 'created_at'])
    })
  }

  async down() {
    this.schema.dropTableIfExists('billing_credits_debits')
    this.schema.dropTableIfExists('billing_invoice_items')
    this.schema.dropTableIfExists('billing_invoices')
    this.schema.dropTableIfExists('billing_invoice_counters')
    this.schema.dropTableIfExists('billing_periods')
    this.schema.alterTable('organizations', (table) => {
      table.dropColumn('billing_email')
      table.dropColumn('invoice_code')
    })
  }
}
