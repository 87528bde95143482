import db from '@adonisjs/lucid/services/db'
import AuditLog, { type AuditSeverity } from '#core/models/audit_log'
import User from '#identity/models/user'
import type Organization from '#orgs/models/organization'

export const AUDIT_SEVERITIES: AuditSeverity[] = ['info', 'warning', 'critical']
export const AUDIT_PAGE_SIZE = 50

export interface AuditLogFilters {
  action?: string
  severity?: AuditSeverity
}

export interface AuditLogRow {
  entry: AuditLog
  actorEmail: string | null
  summary: string
}

/** `key: value` pairs of an entry's metadata, shortened for a table cell. */
export function summarizeMetadata(metadata: Record<string, unknown> | null, max = 160) {
  if (!metadata) return ''
  const text = Object.entries(metadata)
    .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(', ')
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

/** One org's audit trail, newest first (id breaks ties so pages never overlap). */
export default class OrgAuditLog {
  /**
   * This org's rows, plus its members' account events (sign-ins, failed
   * sign-ins, password and email changes), which belong to no single org.
   */
  private static scope<Q extends { where: (...args: any[]) => Q }>(query: Q, org: Organization): Q {
    return query.where((scope: any) => {
      scope.where('organization_id', org.id).orWhere((account: any) => {
        account
          .whereNull('organization_id')
          .where('action', 'like', 'auth.%')
          .whereIn(
            'actor_user_id',
            db.from('organization_members').where('organization_id', org.id).select('user_id')
          )
      })
    })
  }

  static query(org: Organization, filters: AuditLogFilters = {}) {
    const query = this.scope(AuditLog.query(), org)
    if (filters.action) query.where('action', filters.action)
    if (filters.severity) query.where('severity', filters.severity)
    return query.orderBy('created_at', 'desc').orderBy('id', 'desc')
  }

  static async page(org: Organization, page: number, filters: AuditLogFilters = {}) {
    const paginator = await this.query(org, filters).paginate(page, AUDIT_PAGE_SIZE)
    const rows = await this.withActors(paginator.all())
    return { paginator, rows }
  }

  static async recent(org: Organization, limit = 8) {
    return this.withActors(await this.query(org).limit(limit))
  }

  /** The actions that occur in this org's log, for the filter menu. */
  static async actions(org: Organization): Promise<string[]> {
    const rows = await this.scope(db.from('app_audit_logs'), org)
      .distinct('action')
      .orderBy('action', 'asc')
    return rows.map((row: { action: string }) => row.action)
  }

  private static async withActors(entries: AuditLog[]): Promise<AuditLogRow[]> {
    const ids = [
      ...new Set(entries.map((e) => e.actorUserId).filter((id): id is string => Boolean(id))),
    ]
    const users = ids.length ? await User.query().whereIn('id', ids).select('id', 'email') : []
    const emailOf = new Map(users.map((user) => [user.id, user.email]))
    return entries.map((entry) => ({
      entry,
      actorEmail: entry.actorUserId ? (emailOf.get(entry.actorUserId) ?? null) : null,
      summary: summarizeMetadata(entry.metadata),
    }))
  }
}
