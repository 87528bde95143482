import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Delivery integrations (design §5.7): an org's own senders, by email (SMTP
 * or an HTTP provider) and WhatsApp (Cloud API).
 *
 * - `delivery_integrations`: the non-secret settings. Sender identity in
 *   columns (`from_email`, `from_name`, `whatsapp_*`), every other setting
 *   of the provider in `config` (JSON, the API's snake_case keys). The last
 *   test message's outcome is kept on the row. Soft-deleted (`deleted_at`).
 *   At most one default per org and channel among rows not deleted: a
 *   partial unique index, which both engines support.
 * - `delivery_integration_secrets`: one row per secret of an integration
 *   (`password`, `api_key`, `access_token`, `app_secret`, `verify_token`),
 *   encrypted with the DELIVERY_SECRETS_KEY keyring
 *   (#core/services/secret_keyring): `ciphertext` replaces the design's
 *   `vault_secret_id` (no Supabase Vault), `key_id` names the keyring entry
 *   that wrote it so rotation finds the rows still under an old key.
 */
const CHANNELS = ['email', 'whatsapp'] as const
const PROVIDERS = ['smtp', 'resend', 'mailgun', 'brevo', 'sendgrid', 'whatsapp_cloud'] as const
const TEST_STATUSES = ['pending', 'succeeded', 'failed'] as const
const SECRET_TYPES = ['password', 'api_key', 'access_token', 'app_secret', 'verify_token'] as const

export default class extends BaseSchema {
  async up() {
    this.schema.createTable('delivery_integrations', (table) => {
      table.uuid('id').primary()
      table
        .uuid('organization_id')
        .notNullable()
        .references('id')
        .inTable('organizations')
        .onDelete('CASCADE')
      table.enum('channel', [...CHANNELS]).notNullable()
      table.enum('provider', [...PROVIDERS]).notNullable()
      table.string('display_name', 120).notNullable()
      table.boolean('is_active').notNullable().defaultTo(true)
      table.boolean('is_default').notNullable().defaultTo(false)
      table.string('from_email', 254).nullable()
      table.string('from_name', 120).nullable()
      table.string('whatsapp_phone_number', 32).nullable()
      table.string('whatsapp_phone_number_id', 64).nullable()
      table.string('whatsapp_waba_id', 64).nullable()
      table.json('config').notNullable()
      table.timestamp('last_tested_at', { useTz: true }).nullable()
      table.enum('last_test_status', [...TEST_STATUSES]).nullable()
      table.string('last_test_message', 1000).nullable()
      table.string('last_test_to', 254).nullable()
      table.uuid('created_by').nullable().references('id').inTable('users').onDelete('SET NULL')
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.timestamp('deleted_at', { useTz: true }).nullable()
      table.index(['organization_id'])
      table.index(['organization_id', 'channel'])
    })
    this.schema.raw(
      'CREATE UNIQUE INDEX uq_delivery_integrations_default ON delivery_integrations (organization_id, channel) WHERE is_default = true AND deleted_at IS NULL'
    )

    this.schema.createTable('delivery_integration_secrets', (table) => {
      table.uuid('id').primary()
      table
        .uuid('integration_id')
        .notNullable()
        .references('id')
        .inTable('delivery_integrations')
        .onDelete('CASCADE')
      table.enum('secret_type', [...SECRET_TYPES]).notNullable()
      table.text('ciphertext').notNullable()
      table.string('key_id', 16).notNullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.unique(['integration_id', 'secret_type'])
      table.index(['key_id'])
    })
  }

  async down() {
    this.schema.dropTableIfExists('delivery_integration_secrets')
    this.schema.dropTableIfExists('delivery_integrations')
  }
}
