import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Append-only: the app has no update or delete path, and a trigger on each
 * engine refuses UPDATE and DELETE so a bug cannot rewrite history either.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('app_audit_logs', (table) => {
      table.uuid('id').primary()
      table
        .uuid('organization_id')
        .nullable()
        .references('id')
        .inTable('organizations')
        .onDelete('SET NULL')
      table.uuid('actor_user_id').nullable().references('id').inTable('users').onDelete('SET NULL')
      table.string('action', 80).notNullable()
      table.string('entity_type', 60).nullable()
      table.string('entity_id', 64).nullable()
      table.enum('severity', ['info', 'warning', 'critical']).notNullable().defaultTo('info')
      table.string('ip_address', 64).nullable()
      table.string('user_agent', 512).nullable()
      table.json('metadata').nullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.index(['organization_id', 'created_at'])
      table.index(['action', 'created_at'])
    })

    if (this.db.dialect.name === 'postgres') {
      this.schema.raw(`
        CREATE OR REPLACE FUNCTION app_audit_logs_append_only() RETURNS trigger AS $$
        BEGIN
          -- ON DELETE SET NULL from users/organizations is the only allowed change.
          IF TG_OP = 'UPDATE'
             AND NEW.id = OLD.id AND NEW.action = OLD.action AND NEW.created_at = OLD.created_at
             AND NEW.metadata::text IS NOT DISTINCT FROM OLD.metadata::text
             AND (NEW.actor_user_id IS NULL OR NEW.actor_user_id = OLD.actor_user_id)
             AND (NEW.organization_id IS NULL OR NEW.organization_id = OLD.organization_id) THEN
            RETURN NEW;
          END IF;
          RAISE EXCEPTION 'app_audit_logs is append-only';
        END;
        $$ LANGUAGE plpgsql;
      `)
      this.schema.raw(`
        CREATE TRIGGER app_audit_logs_no_change BEFORE UPDATE OR DELETE ON app_audit_logs
        FOR EACH ROW EXECUTE FUNCTION app_audit_logs_append_only();
      `)
    } else {
      this.schema.raw(`
        CREATE TRIGGER app_audit_logs_no_update BEFORE UPDATE OF id, action, entity_type, entity_id, severity, metadata, created_at, ip_address, user_agent ON app_audit_logs
        BEGIN SELECT RAISE(ABORT, 'app_audit_logs is append-only'); END;
      `)
      this.schema.raw(`
        CREATE TRIGGER app_audit_logs_no_delete BEFORE DELETE ON app_audit_logs
        BEGIN SELECT RAISE(ABORT, 'app_audit_logs is append-only'); END;
      `)
    }
  }

  async down() {
    if (this.db.dialect.name === 'postgres') {
      this.schema.raw('DROP TRIGGER IF EXISTS app_audit_logs_no_change ON app_audit_logs')
      this.schema.raw('DROP FUNCTION IF EXISTS app_audit_logs_append_only()')
    }
    this.schema.dropTableIfExists('app_audit_logs')
  }
}
