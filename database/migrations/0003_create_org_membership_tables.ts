import { BaseSchema } from '@adonisjs/lucid/schema'

export default class extends BaseSchema {
  async up() {
    this.schema.createTable('organization_roles', (table) => {
      table.uuid('id').primary()
      table
        .uuid('organization_id')
        .notNullable()
        .references('id')
        .inTable('organizations')
        .onDelete('CASCADE')
      table.string('key', 60).notNullable()
      table.string('name', 80).notNullable()
      table.string('description', 240).nullable()
      table.boolean('is_system').notNullable().defaultTo(false)
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.unique(['organization_id', 'key'])
    })

    this.schema.createTable('role_permissions', (table) => {
      table
        .uuid('role_id')
        .notNullable()
        .references('id')
        .inTable('organization_roles')
        .onDelete('CASCADE')
      table.string('permission', 60).notNullable()
      table.primary(['role_id', 'permission'])
    })

    this.schema.createTable('organization_members', (table) => {
      table.uuid('id').primary()
      table
        .uuid('organization_id')
        .notNullable()
        .references('id')
        .inTable('organizations')
        .onDelete('CASCADE')
      table.uuid('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE')
      table.string('username', 40).notNullable()
      table.uuid('role_id').notNullable().references('id').inTable('organization_roles')
      table.enum('status', ['active', 'suspended', 'removed']).notNullable().defaultTo('active')
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.timestamp('deleted_at', { useTz: true }).nullable()
      table.unique(['organization_id', 'user_id'])
      table.unique(['organization_id', 'username'])
      table.index(['user_id'])
    })

    this.schema.createTable('organization_invitations', (table) => {
      table.uuid('id').primary()
      table
        .uuid('organization_id')
        .notNullable()
        .references('id')
        .inTable('organizations')
        .onDelete('CASCADE')
      table.string('email', 254).notNullable()
      table.uuid('role_id').notNullable().references('id').inTable('organization_roles')
      table
        .enum('status', ['pending', 'accepted', 'revoked', 'expired'])
        .notNullable()
        .defaultTo('pending')
      table.string('token_hash', 64).notNullable().unique()
      table.timestamp('expires_at', { useTz: true }).notNullable()
      table.uuid('invited_by').nullable().references('id').inTable('users').onDelete('SET NULL')
      table.uuid('accepted_by').nullable().references('id').inTable('users').onDelete('SET NULL')
      table.timestamp('accepted_at', { useTz: true }).nullable()
      table.timestamp('last_sent_at', { useTz: true }).nullable()
      table.integer('send_count').notNullable().defaultTo(1)
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.index(['organization_id', 'status'])
    })

    // The design's organizations.api_key_hash allows one key per org; orgs need
    // several named, individually revocable keys, so they get their own table.
    this.schema.createTable('organization_api_keys', (table) => {
      table.uuid('id').primary()
      table
        .uuid('organization_id')
        .notNullable()
        .references('id')
        .inTable('organizations')
        .onDelete('CASCADE')
      table.string('name', 80).notNullable()
      table.string('prefix', 16).notNullable()
      table.string('key_hash', 64).notNullable().unique()
      table.uuid('created_by').nullable().references('id').inTable('users').onDelete('SET NULL')
      table.timestamp('last_used_at', { useTz: true }).nullable()
      table.timestamp('revoked_at', { useTz: true }).nullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.index(['organization_id', 'created_at'])
    })
  }

  async down() {
    for (const name of [
      'organization_api_keys',
      'organization_invitations',
      'organization_members',
      'role_permissions',
      'organization_roles',
    ]) {
      this.schema.dropTableIfExists(name)
    }
  }
}
