import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * An org's ledger (#billing/queries/org_ledger) reads its payments and
 * refunds by org: both tables were indexed only by order or payment, so
 * every billing page and `GET /api/v1/billing` scanned every org's rows.
 * Invoices and staff adjustments are indexed by org already (0021).
 */
export default class extends BaseSchema {
  async up() {
    this.schema.alterTable('billing_payments', (table) => {
      table.index(['organization_id', 'captured_at'], 'idx_billing_payments_org_captured')
    })
    this.schema.alterTable('billing_refunds', (table) => {
      table.index(['organization_id', 'status'], 'idx_billing_refunds_org_status')
    })
  }

  async down() {
    this.schema.alterTable('billing_refunds', (table) => {
      table.dropIndex(['organization_id', 'status'], 'idx_billing_refunds_org_status')
    })
    this.schema.alterTable('billing_payments', (table) => {
      table.dropIndex(['organization_id', 'captured_at'], 'idx_billing_payments_org_captured')
    })
  }
}
