import { whereContains } from '#core/models/text_search'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type Organization from '#orgs/models/organization'
import { recordId } from '#orgs/queries/record_id'
import Certificate, {
  type CertificateStatus,
  isCertificateStatus,
} from '#certificates/models/certificate'

export interface CertificateFilters {
  q?: string | null
  status?: string | null
  templateId?: string | null
  categoryId?: string | null
  generationJobId?: string | null
  issuedFrom?: string | null
  issuedTo?: string | null
  page?: number
  perPage?: number
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/

/** The list's filters as the web form and the API name them (`template_id`, `issued_from`, …). */
export type CertificateFilterParams = {
  q?: string | null
  status?: string | null
  template_id?: string | null
  category_id?: string | null
  generation_job_id?: string | null
  issued_from?: string | null
  issued_to?: string | null
}

/** The request's snake_case filters as `list` takes them (the page comes from `paginationOf`). */
export function certificateFilters(params: CertificateFilterParams): CertificateFilters {
  return {
    q: params.q,
    status: params.status,
    templateId: params.template_id,
    categoryId: params.category_id,
    generationJobId: params.generation_job_id,
    issuedFrom: params.issued_from,
    issuedTo: params.issued_to,
  }
}

/**
 * Certificates are reached through their org only, and `pending` rows (a
 * number held while its PDF is drawn) are never part of what anyone sees.
 */
export default class OrgCertificates {
  static find(org: Organization, id: unknown, trx?: TransactionClientContract) {
    const query = Certificate.query({ client: trx })
      .where('organization_id', org.id)
      .where('id', recordId(id))
      .whereNot('status', 'pending')
    if (trx) query.forUpdate()
    return query.first()
  }

  static list(org: Organization, filters: CertificateFilters) {
    const query = Certificate.query().where('organization_id', org.id).whereNot('status', 'pending')
    const q = filters.q?.trim()
    if (q) whereContains(query, ['recipient_name', 'recipient_email', 'certificate_number'], q)
    if (isCertificateStatus(filters.status))
      query.where('status', filters.status as CertificateStatus)
    if (filters.templateId) query.where('template_id', recordId(filters.templateId))
    if (filters.categoryId) query.where('category_id', recordId(filters.categoryId))
    if (filters.generationJobId) query.where('generation_job_id', recordId(filters.generationJobId))
    if (filters.issuedFrom && ISO_DATE.test(filters.issuedFrom))
      query.where('issue_date', '>=', filters.issuedFrom)
    if (filters.issuedTo && ISO_DATE.test(filters.issuedTo))
      query.where('issue_date', '<=', filters.issuedTo)
    return query
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .paginate(Math.max(1, filters.page ?? 1), Math.min(100, Math.max(1, filters.perPage ?? 25)))
  }
}
