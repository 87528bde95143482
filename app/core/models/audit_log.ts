import { DateTime } from 'luxon'
import { beforeDelete, beforeUpdate, column } from '@adonisjs/lucid/orm'
import { AppModel } from '#core/models/app_model'
import { jsonColumn } from '#core/models/columns'

export type AuditSeverity = 'info' | 'warning' | 'critical'

/** Append-only security trail (table app_audit_logs). */
export default class AuditLog extends AppModel {
  static table = 'app_audit_logs'

  @column()
  declare organizationId: string | null

  @column()
  declare actorUserId: string | null

  @column()
  declare action: string

  @column()
  declare entityType: string | null

  @column()
  declare entityId: string | null

  @column()
  declare severity: AuditSeverity

  @column()
  declare ipAddress: string | null

  @column()
  declare userAgent: string | null

  @jsonColumn()
  declare metadata: Record<string, unknown> | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @beforeUpdate()
  static refuseUpdate() {
    throw new Error('Audit log entries are append-only')
  }

  @beforeDelete()
  static refuseDelete() {
    throw new Error('Audit log entries are append-only')
  }
}
