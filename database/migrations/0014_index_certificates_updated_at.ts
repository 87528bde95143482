import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * The verification change feed (#certificates/services/verification_cache)
 * reads, every second in every process, the certificates whose
 * `updated_at` moved since it last looked, in (`updated_at`, token hash)
 * order: this index (which holds both, so the read never touches the
 * table) keeps that read proportional to what changed. On PostgreSQL it is
 * built CONCURRENTLY, outside a transaction, so issuing and revoking go on
 * while a large `certificates` table is indexed. Numbered 0014: 0013 is
 * the deliveries' throttle tables.
 */
export default class extends BaseSchema {
  static disableTransactions = true

  async up() {
    if (this.db.dialect.name === 'postgres') {
      this.schema.raw(
        'CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_certificates_changes ON certificates (updated_at, verification_token_hash)'
      )
      return
    }
    this.schema.alterTable('certificates', (table) => {
      table.index(['updated_at', 'verification_token_hash'], 'idx_certificates_changes')
    })
  }

  async down() {
    this.schema.raw('DROP INDEX IF EXISTS idx_certificates_changes')
  }
}
