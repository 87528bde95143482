import type { HttpContext } from '@adonisjs/core/http'
import { paginationOf } from '#core/http/pagination'
import router from '@adonisjs/core/services/router'
import OrgAuditLog, { AUDIT_SEVERITIES, type AuditLogFilters } from '#orgs/queries/org_audit_log'
import { auditLogFiltersValidator } from '#orgs/validators/audit_log_filters'

export default class AuditLogsController {
  async index({ org, bouncer, request, view }: HttpContext) {
    await bouncer.authorize('allows', 'audit.view')
    // A hand-edited query string is ignored rather than answered with an error page.
    const pagination = await paginationOf(request.qs(), { perPage: 50 })
    const [, input] = await auditLogFiltersValidator.tryValidate(request.qs())
    const filters: AuditLogFilters = { action: input?.action, severity: input?.severity }
    const { paginator, rows } = await OrgAuditLog.page(org, pagination.page, filters)
    paginator.baseUrl(router.builder().make('orgs.audit_logs.index'))
    paginator.queryString(Object.fromEntries(Object.entries(filters).filter(([, value]) => value)))
    return view.render('pages/orgs/audit_logs/index', {
      paginator,
      rows,
      filters,
      actions: await OrgAuditLog.actions(org),
      severities: AUDIT_SEVERITIES,
    })
  }
}
