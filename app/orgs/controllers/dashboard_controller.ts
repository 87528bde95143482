import type { HttpContext } from '@adonisjs/core/http'
import DashboardStats from '#orgs/queries/dashboard_stats'
import OrgAuditLog from '#orgs/queries/org_audit_log'

export default class DashboardController {
  /** Any active member sees the org's numbers; recent activity needs audit.view. */
  async show({ org, actor, view }: HttpContext) {
    const stats = await DashboardStats.for(org)
    const activity = actor.can('audit.view') ? await OrgAuditLog.recent(org, 8) : null
    return view.render('pages/orgs/dashboard/show', { stats, activity })
  }
}
