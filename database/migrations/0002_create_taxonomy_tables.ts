import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Global taxonomy rows have organization_id NULL. An org's own entries carry
 * its id; renames and hides of global rows live in organization_taxonomy_overrides,
 * so global rows are never touched by an org.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('industries', (table) => {
      table.uuid('id').primary()
      table.string('key', 80).notNullable().unique()
      table.string('name', 120).notNullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
    })

    this.schema.createTable('organizations', (table) => {
      table.uuid('id').primary()
      table.string('name', 160).notNullable()
      table.string('business_name', 200).nullable()
      table.string('email', 254).nullable()
      table.string('phone', 32).nullable()
      table.string('slug', 60).notNullable().unique()
      table.string('application_id', 40).notNullable().unique()
      table.uuid('industry_id').nullable().references('id').inTable('industries')
      table.string('address_line1', 200).nullable()
      table.string('address_line2', 200).nullable()
      table.string('city', 100).nullable()
      table.string('state', 100).nullable()
      table.string('postal_code', 20).nullable()
      table.string('country', 2).notNullable().defaultTo('IN')
      table.string('gstin', 15).nullable()
      table.string('certificate_number_prefix', 20).notNullable()
      table
        .string('certificate_number_format', 80)
        .notNullable()
        .defaultTo('{prefix}-{YYYY}-{seq:6}')
      table
        .enum('billing_status', ['trialing', 'active', 'past_due', 'suspended', 'cancelled'])
        .notNullable()
        .defaultTo('trialing')
      table.timestamp('trial_started_at', { useTz: true }).nullable()
      table.timestamp('trial_ends_at', { useTz: true }).nullable()
      table.integer('trial_free_certificates').notNullable().defaultTo(10)
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.timestamp('deleted_at', { useTz: true }).nullable()
    })

    this.schema.createTable('certificate_categories', (table) => {
      table.uuid('id').primary()
      table
        .uuid('industry_id')
        .notNullable()
        .references('id')
        .inTable('industries')
        .onDelete('CASCADE')
      table
        .uuid('organization_id')
        .nullable()
        .references('id')
        .inTable('organizations')
        .onDelete('CASCADE')
      table.string('key', 80).notNullable()
      table.string('name', 120).notNullable()
      table.integer('sort_order').notNullable().defaultTo(0)
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.index(['industry_id'], 'idx_cert_cat_industry')
    })
    this.schema.raw(
      'CREATE UNIQUE INDEX uq_cert_cat_global_key ON certificate_categories (industry_id, key) WHERE organization_id IS NULL'
    )
    this.schema.raw(
      'CREATE UNIQUE INDEX uq_cert_cat_org_key ON certificate_categories (organization_id, industry_id, key) WHERE organization_id IS NOT NULL'
    )

    this.schema.createTable('certificate_subcategories', (table) => {
      table.uuid('id').primary()
      table
        .uuid('category_id')
        .notNullable()
        .references('id')
        .inTable('certificate_categories')
        .onDelete('CASCADE')
      table
        .uuid('organization_id')
        .nullable()
        .references('id')
        .inTable('organizations')
        .onDelete('CASCADE')
      table.string('key', 80).notNullable()
      table.string('name', 120).notNullable()
      table.integer('sort_order').notNullable().defaultTo(0)
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.index(['category_id'], 'idx_cert_subcat_cat')
    })
    this.schema.raw(
      'CREATE UNIQUE INDEX uq_cert_subcat_global_key ON certificate_subcategories (category_id, key) WHERE organization_id IS NULL'
    )
    this.schema.raw(
      'CREATE UNIQUE INDEX uq_cert_subcat_org_key ON certificate_subcategories (organization_id, category_id, key) WHERE organization_id IS NOT NULL'
    )

    this.schema.createTable('organization_taxonomy_overrides', (table) => {
      table.uuid('id').primary()
      table
        .uuid('organization_id')
        .notNullable()
        .references('id')
        .inTable('organizations')
        .onDelete('CASCADE')
      table.enum('entity_type', ['category', 'subcategory']).notNullable()
      table.uuid('entity_id').notNullable()
      table.string('name', 120).nullable()
      table.boolean('is_hidden').notNullable().defaultTo(false)
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.unique(['organization_id', 'entity_type', 'entity_id'])
    })
  }

  async down() {
    for (const name of [
      'organization_taxonomy_overrides',
      'certificate_subcategories',
      'certificate_categories',
      'organizations',
      'industries',
    ]) {
      this.schema.dropTableIfExists(name)
    }
  }
}
