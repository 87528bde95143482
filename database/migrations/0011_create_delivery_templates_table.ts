import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Delivery templates (design §5.7): the message an org sends per channel.
 *
 * Design columns kept: `organization_id`, `channel`, `name`, `is_active`,
 * `is_default`, `whatsapp_template_name`, `whatsapp_language`,
 * `email_subject`, `body` (the email's sanitized HTML; null for WhatsApp,
 * whose body is the approved template at Meta), `variables` (the variables
 * the template uses, recomputed at each save). Added:
 * - `locale`: the language it is written in (`en`, `hi`), shown in lists
 *   and matched with the built-in defaults it may start from;
 * - `email_text_body`: the plain-text part when the org wrote it; null
 *   means generated from the HTML at send time;
 * - `whatsapp_parameters`: the variable filling each body parameter, in
 *   order ({{1}}, {{2}}, …);
 * - `created_by`, `updated_by`: who wrote it (the audit log has the history).
 * One default per org and channel (partial unique index, both engines);
 * names unique per org and channel so lists and pickers can tell them apart.
 */
export default class extends BaseSchema {
  protected tableName = 'delivery_templates'

  async up() {
    this.schema.createTable(this.tableName, (table) => {
      table.uuid('id').primary()
      table
        .uuid('organization_id')
        .notNullable()
        .references('id')
        .inTable('organizations')
        .onDelete('CASCADE')
      table.enum('channel', ['email', 'whatsapp']).notNullable()
      table.string('name', 120).notNullable()
      table.string('locale', 10).notNullable().defaultTo('en')
      table.boolean('is_active').notNullable().defaultTo(true)
      table.boolean('is_default').notNullable().defaultTo(false)
      table.string('whatsapp_template_name', 512).nullable()
      table.string('whatsapp_language', 15).nullable()
      table.json('whatsapp_parameters').notNullable()
      table.string('email_subject', 300).nullable()
      table.text('body').nullable()
      table.text('email_text_body').nullable()
      table.json('variables').notNullable()
      table.uuid('created_by').nullable().references('id').inTable('users').onDelete('SET NULL')
      table.uuid('updated_by').nullable().references('id').inTable('users').onDelete('SET NULL')
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.index(['organization_id', 'channel'])
      table.unique(['organization_id', 'channel', 'name'])
    })
    // `WHERE is_default` reads the same on SQLite (0/1) and PostgreSQL (boolean).
    this.schema.raw(
      'CREATE UNIQUE INDEX uq_delivery_templates_default ON delivery_templates (organization_id, channel) WHERE is_default'
    )
  }

  async down() {
    this.schema.dropTableIfExists(this.tableName)
  }
}
