import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type Organization from '#orgs/models/organization'
import { recordId } from '#orgs/queries/record_id'
import { whereContains } from '#core/models/text_search'
import CertificateTemplate, { type TemplateStatus } from '#templates/models/certificate_template'
import CertificateTemplateVersion from '#templates/models/certificate_template_version'

export interface TemplateFilters {
  /** `current` (default): drafts and active ones; `all` includes archived ones. */
  status?: TemplateStatus | 'all' | 'current' | null
  categoryId?: string | null
  q?: string | null
  page?: number
  perPage?: number
}

/** Templates are only ever reached through their org: another org's id is simply not found. */
export default class OrgTemplates {
  static find(org: Organization, id: unknown, trx?: TransactionClientContract) {
    const query = CertificateTemplate.query({ client: trx })
      .where('organization_id', org.id)
      .where('id', recordId(id))
    if (trx) query.forUpdate()
    return query.first()
  }

  /** The template with its current version and that version's fields (in drawing order). */
  static async findWithCurrent(org: Organization, id: unknown) {
    const template = await CertificateTemplate.query()
      .where('organization_id', org.id)
      .where('id', recordId(id))
      .preload('currentVersion', (version) =>
        version.preload('fields', (fields) => fields.orderBy('sort_order', 'asc'))
      )
      .preload('category')
      .preload('subcategory')
      .first()
    return template
  }

  static version(org: Organization, templateId: string, number: unknown) {
    const versionNumber = Number(number)
    if (!Number.isSafeInteger(versionNumber) || versionNumber < 1) return Promise.resolve(null)
    return CertificateTemplateVersion.query()
      .where('organization_id', org.id)
      .where('template_id', templateId)
      .where('version_number', versionNumber)
      .preload('fields', (fields) => fields.orderBy('sort_order', 'asc'))
      .first()
  }

  static versions(org: Organization, templateId: string) {
    return CertificateTemplateVersion.query()
      .where('organization_id', org.id)
      .where('template_id', templateId)
      .withCount('fields')
      .orderBy('version_number', 'desc')
  }

  /** Newest first (id breaks ties), with current versions and their fields. */
  static list(org: Organization, filters: TemplateFilters = {}) {
    const query = CertificateTemplate.query()
      .where('organization_id', org.id)
      .preload('currentVersion', (version) =>
        version.preload('fields', (fields) => fields.orderBy('sort_order', 'asc'))
      )
      .preload('category')
      .preload('subcategory')
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
    const status = filters.status ?? 'current'
    if (status === 'current') query.whereNot('status', 'archived')
    else if (status !== 'all') query.where('status', status)
    if (filters.categoryId) query.where('category_id', recordId(filters.categoryId))
    const q = filters.q?.trim()
    if (q) whereContains(query, ['name'], q)
    return query.paginate(
      Math.max(1, filters.page ?? 1),
      Math.min(100, Math.max(1, filters.perPage ?? 24))
    )
  }
}
