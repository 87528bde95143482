import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * The verification change feed (#certificates/services/verification_cache)
 * reads, every second in every process, the certificates whose
 * `updated_at` moved since it last looked: an index on it (with the token
 * hash, so the read never touches the table) keeps that read proportional
 * to what changed. Numbered 0014: 0013 is the deliveries' throttle tables.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.alterTable('certificates', (table) => {
      table.index(['updated_at', 'verification_token_hash'], 'idx_certificates_changes')
    })
  }

  async down() {
    this.schema.alterTable('certificates', (table) => {
      table.dropIndex(['updated_at', 'verification_token_hash'], 'idx_certificates_changes')
    })
  }
}
