import type { Infer } from '@vinejs/vine/types'
import type Organization from '#orgs/models/organization'
import OrgTaxonomy from '#orgs/queries/org_taxonomy'
import OrgTemplates from '#templates/queries/org_templates'
import { CERTIFICATE_STATUSES } from '#certificates/models/certificate'
import OrgGenerationJobs from '#certificates/queries/org_generation_jobs'
import type { certificateFiltersValidator } from '#certificates/validators/certificate'
import { formatDate } from '#core/services/formatting'

/**
 * The certificates list (`pages/certificates/certificates/index`): its
 * filters as the form shows them again, and what each filter offers.
 */

const STATUS_LABELS: Record<(typeof CERTIFICATE_STATUSES)[number], string> = {
  issued: 'Valid',
  expired: 'Expired',
  revoked: 'Revoked',
  superseded: 'Superseded',
}

export type CertificateListFilters = ReturnType<typeof listFilters>

/** The filters as typed (an absent one is ''), also the list's query string for its page links. */
export function listFilters(input: Partial<Infer<typeof certificateFiltersValidator>>) {
  return {
    q: input.q ?? '',
    status: input.status ?? '',
    template_id: input.template_id ?? '',
    category_id: input.category_id ?? '',
    generation_job_id: input.generation_job_id ?? '',
    issued_from: input.issued_from ?? '',
    issued_to: input.issued_to ?? '',
  }
}

/** The choices of each filter: statuses, templates, categories and recent jobs (plus the chosen one). */
export async function filterChoices(org: Organization, filters: CertificateListFilters) {
  const templatePage = await OrgTemplates.list(org, { status: 'all', perPage: 100 })
  const jobPage = await OrgGenerationJobs.list(org, 1, 50)
  const templates = templatePage.all()
  const jobs = jobPage.all()
  if (filters.generation_job_id && !jobs.some((job) => job.id === filters.generation_job_id)) {
    const chosen = await OrgGenerationJobs.find(org, filters.generation_job_id)
    if (chosen) jobs.unshift(chosen)
  }
  return {
    statuses: CERTIFICATE_STATUSES.map((status) => ({
      value: status,
      label: STATUS_LABELS[status],
    })),
    templates: templates.map((template) => ({ id: template.id, name: template.name })),
    templateNames: Object.fromEntries(templates.map((template) => [template.id, template.name])),
    categories: await OrgTaxonomy.for(org),
    jobs: jobs.map((job) => ({
      id: job.id,
      label: `${job.name ?? 'Untitled job'} — ${formatDate(job.createdAt)}`,
    })),
  }
}
