import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Sending certificates to their recipients (design §5.7).
 *
 * - `deliveries` (added: the design has none): one request to send a
 *   generation job's certificates — the API's `/deliveries/:id` resource.
 *   It keeps what was asked (channels, audience, picked certificates,
 *   fallback to email), who asked, and its life (`queued` → `sending` →
 *   `completed`, or `cancelled`). A job may have many (a first send, then
 *   "only failed", then a resend of one certificate).
 * - `delivery_messages` (design names kept): one message per recipient per
 *   channel per delivery, carrying all that recipient's certificates of the
 *   job. Added: `delivery_id`; `integration_id` (null: the platform's own
 *   sender); `attempts`; `next_attempt_at` (when a throttled or retried
 *   message may go); `idempotency_key` (sent where the provider supports
 *   it, the same for every attempt); `sending_at`/`suppressed_at`;
 *   `error_code`/`error_message` (the provider's code and our plain-language
 *   reason); `fallback_of_message_id` (the email sent because this
 *   recipient's WhatsApp message failed for good). `status` only moves
 *   forward (`#deliveries/services/delivery_status`); `failed` and
 *   `suppressed` are final.
 * - `delivery_message_items` (design): the certificates a message carries,
 *   with the PDF file each pointed to when queued.
 * - `delivery_attempts` (added; named in the issue): every try to hand a
 *   message to its provider — when, by which worker, the outcome and the
 *   provider's answer — for the recipient's timeline and the crash test.
 * - `delivery_provider_webhook_events` (design): every provider
 *   notification, stored raw before it is applied. Added: `integration_id`,
 *   `message_id` (once matched), `dedupe_key` (unique: a replayed
 *   notification is stored once), `occurred_at` (the provider's time),
 *   `applied_at`.
 * - `delivery_suppressions` (added): addresses an org must not send to on a
 *   channel (hard bounce, complaint, unsubscribe, added by hand); later
 *   sends to them end `suppressed`.
 */
const CHANNELS = ['email', 'whatsapp'] as const
const PROVIDERS = [
  'platform',
  'smtp',
  'resend',
  'mailgun',
  'brevo',
  'sendgrid',
  'whatsapp_cloud',
] as const
const DELIVERY_STATUSES = ['queued', 'sending', 'completed', 'cancelled'] as const
const MESSAGE_STATUSES = [
  'queued',
  'sending',
  'sent',
  'delivered',
  'read',
  'failed',
  'suppressed',
] as const
const AUDIENCES = ['all', 'undelivered', 'failed', 'picked'] as const
const ATTEMPT_OUTCOMES = ['sending', 'accepted', 'transient', 'permanent', 'account'] as const
const SUPPRESSION_REASONS = ['hard_bounce', 'complaint', 'unsubscribe', 'manual'] as const

export default class extends BaseSchema {
  async up() {
    this.schema.createTable('deliveries', (table) => {
      table.uuid('id').primary()
      table
        .uuid('organization_id')
        .notNullable()
        .references('id')
        .inTable('organizations')
        .onDelete('CASCADE')
      table
        .uuid('generation_job_id')
        .notNullable()
        .references('id')
        .inTable('certificate_generation_jobs')
        .onDelete('CASCADE')
      table.enum('status', [...DELIVERY_STATUSES]).notNullable()
      table.json('channels').notNullable()
      table.enum('audience', [...AUDIENCES]).notNullable()
      table.json('certificate_ids').nullable()
      table.boolean('fallback_to_email').notNullable().defaultTo(false)
      table.integer('total_messages').notNullable().defaultTo(0)
      table.uuid('requested_by').nullable().references('id').inTable('users').onDelete('SET NULL')
      table.uuid('api_key_id').nullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.timestamp('finished_at', { useTz: true }).nullable()
      table.timestamp('cancelled_at', { useTz: true }).nullable()
      table.index(['organization_id', 'created_at'])
      table.index(['generation_job_id', 'created_at'])
    })

    this.schema.createTable('delivery_messages', (table) => {
      table.uuid('id').primary()
      table
        .uuid('organization_id')
        .notNullable()
        .references('id')
        .inTable('organizations')
        .onDelete('CASCADE')
      table
        .uuid('delivery_id')
        .notNullable()
        .references('id')
        .inTable('deliveries')
        .onDelete('CASCADE')
      table.uuid('generation_job_id').notNullable()
      table
        .uuid('recipient_id')
        .notNullable()
        .references('id')
        .inTable('generation_job_recipients')
        .onDelete('CASCADE')
      table.enum('channel', [...CHANNELS]).notNullable()
      table.enum('status', [...MESSAGE_STATUSES]).notNullable()
      table.string('to_email', 320).nullable()
      table.string('to_phone', 32).nullable()
      table
        .uuid('integration_id')
        .nullable()
        .references('id')
        .inTable('delivery_integrations')
        .onDelete('SET NULL')
      table.enum('provider', [...PROVIDERS]).notNullable()
      table.string('provider_message_id', 256).nullable()
      table.string('idempotency_key', 64).notNullable()
      table.integer('attempts').notNullable().defaultTo(0)
      table.timestamp('next_attempt_at', { useTz: true }).nullable()
      table.timestamp('queued_at', { useTz: true }).notNullable()
      table.timestamp('sending_at', { useTz: true }).nullable()
      table.timestamp('sent_at', { useTz: true }).nullable()
      table.timestamp('delivered_at', { useTz: true }).nullable()
      table.timestamp('read_at', { useTz: true }).nullable()
      table.timestamp('failed_at', { useTz: true }).nullable()
      table.timestamp('suppressed_at', { useTz: true }).nullable()
      table.string('error_code', 64).nullable()
      table.string('error_message', 1000).nullable()
      table.uuid('fallback_of_message_id').nullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.index(['organization_id', 'created_at'])
      table.index(['delivery_id', 'status'])
      table.index(['generation_job_id', 'channel'])
      table.index(['recipient_id'])
      table.index(['provider', 'provider_message_id'])
      table.unique(['delivery_id', 'recipient_id', 'channel'])
    })

    this.schema.createTable('delivery_message_items', (table) => {
      table.uuid('id').primary()
      table
        .uuid('message_id')
        .notNullable()
        .references('id')
        .inTable('delivery_messages')
        .onDelete('CASCADE')
      table
        .uuid('certificate_id')
        .nullable()
        .references('id')
        .inTable('certificates')
        .onDelete('CASCADE')
      table.uuid('file_id').nullable().references('id').inTable('files').onDelete('SET NULL')
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.unique(['message_id', 'certificate_id'])
      table.index(['certificate_id'])
    })

    this.schema.createTable('delivery_attempts', (table) => {
      table.uuid('id').primary()
      table
        .uuid('organization_id')
        .notNullable()
        .references('id')
        .inTable('organizations')
        .onDelete('CASCADE')
      table
        .uuid('message_id')
        .notNullable()
        .references('id')
        .inTable('delivery_messages')
        .onDelete('CASCADE')
      table.integer('attempt').notNullable()
      table.enum('outcome', [...ATTEMPT_OUTCOMES]).notNullable()
      table.string('worker', 120).nullable()
      table.string('provider_message_id', 256).nullable()
      table.string('error_code', 64).nullable()
      table.string('error_message', 1000).nullable()
      table.timestamp('started_at', { useTz: true }).notNullable()
      table.timestamp('finished_at', { useTz: true }).nullable()
      table.index(['message_id', 'attempt'])
    })

    this.schema.createTable('delivery_provider_webhook_events', (table) => {
      table.uuid('id').primary()
      table
        .uuid('organization_id')
        .nullable()
        .references('id')
        .inTable('organizations')
        .onDelete('CASCADE')
      table
        .uuid('integration_id')
        .nullable()
        .references('id')
        .inTable('delivery_integrations')
        .onDelete('SET NULL')
      table.enum('channel', [...CHANNELS]).notNullable()
      table.enum('provider', [...PROVIDERS]).notNullable()
      table.string('provider_message_id', 256).nullable()
      table
        .uuid('message_id')
        .nullable()
        .references('id')
        .inTable('delivery_messages')
        .onDelete('SET NULL')
      table.string('event_type', 64).notNullable()
      table.string('dedupe_key', 128).notNullable().unique()
      table.json('payload').notNullable()
      table.timestamp('occurred_at', { useTz: true }).nullable()
      table.timestamp('received_at', { useTz: true }).notNullable()
      table.timestamp('applied_at', { useTz: true }).nullable()
      table.index(['organization_id', 'received_at'])
      table.index(['provider', 'provider_message_id'])
      table.index(['message_id'])
    })

    this.schema.createTable('delivery_suppressions', (table) => {
      table.uuid('id').primary()
      table
        .uuid('organization_id')
        .notNullable()
        .references('id')
        .inTable('organizations')
        .onDelete('CASCADE')
      table.enum('channel', [...CHANNELS]).notNullable()
      table.string('address', 320).notNullable()
      table.enum('reason', [...SUPPRESSION_REASONS]).notNullable()
      table.string('detail', 1000).nullable()
      table.uuid('message_id').nullable()
      table.uuid('created_by').nullable().references('id').inTable('users').onDelete('SET NULL')
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.unique(['organization_id', 'channel', 'address'])
    })

    this.schema.alterTable('delivery_integrations', (table) => {
      // An account-level error (WhatsApp 131031/131042/368, SMTP auth) pauses the integration.
      table.timestamp('paused_at', { useTz: true }).nullable()
      table.string('pause_code', 64).nullable()
      table.string('pause_reason', 1000).nullable()
    })
  }

  async down() {
    this.schema.alterTable('delivery_integrations', (table) => {
      table.dropColumn('paused_at')
      table.dropColumn('pause_code')
      table.dropColumn('pause_reason')
    })
    this.schema.dropTableIfExists('delivery_suppressions')
    this.schema.dropTableIfExists('delivery_provider_webhook_events')
    this.schema.dropTableIfExists('delivery_attempts')
    this.schema.dropTableIfExists('delivery_message_items')
    this.schema.dropTableIfExists('delivery_messages')
    this.schema.dropTableIfExists('deliveries')
  }
}
