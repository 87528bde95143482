import type { HttpContext } from '@adonisjs/core/http'
import { paginationOf } from '#core/http/pagination'
import router from '@adonisjs/core/services/router'
import OrgTaxonomy from '#orgs/queries/org_taxonomy'
import OrgTemplates from '#templates/queries/org_templates'
import { CERTIFICATE_STATUSES } from '#certificates/models/certificate'
import OrgCertificates from '#certificates/queries/org_certificates'
import OrgGenerationJobs from '#certificates/queries/org_generation_jobs'
import { publicStatus } from '#certificates/queries/verification'
import { verificationUrl } from '#certificates/services/verification_links'
import { certificateFiltersValidator } from '#certificates/validators/generation_job'
import { notFound } from '#core/http/not_found'
import {
  certificateHistory,
  correctableFields,
} from '#certificates/controllers/certificate_support'
import { formatDate } from '#core/services/formatting'

const STATUS_LABELS: Record<(typeof CERTIFICATE_STATUSES)[number], string> = {
  issued: 'Valid',
  expired: 'Expired',
  revoked: 'Revoked',
  superseded: 'Superseded',
}

/** The org's certificates: a searchable, filtered list and one certificate's page. */
export default class CertificatesController {
  async index({ org, request, view }: HttpContext) {
    // A malformed filter is dropped rather than refused: this is a search form, not a write.
    const pagination = await paginationOf(request.qs(), { perPage: 25 })
    const [, valid] = await certificateFiltersValidator.tryValidate(request.qs())
    const input = valid ?? {}
    const filters = {
      q: input.q ?? '',
      status: input.status ?? '',
      template_id: input.template_id ?? '',
      category_id: input.category_id ?? '',
      generation_job_id: input.generation_job_id ?? '',
      issued_from: input.issued_from ?? '',
      issued_to: input.issued_to ?? '',
    }
    const page = await OrgCertificates.list(org, {
      q: filters.q,
      status: filters.status,
      templateId: filters.template_id,
      categoryId: filters.category_id,
      generationJobId: filters.generation_job_id,
      issuedFrom: filters.issued_from,
      issuedTo: filters.issued_to,
      page: pagination.page,
      perPage: pagination.perPage,
    })
    page.baseUrl(router.builder().make('certificates.certificates.index'))
    page.queryString(Object.fromEntries(Object.entries(filters).filter(([, value]) => value)))

    const templatePage = await OrgTemplates.list(org, { status: 'all', perPage: 100 })
    const jobPage = await OrgGenerationJobs.list(org, 1, 50)
    const templates = templatePage.all()
    const jobs = jobPage.all()
    if (filters.generation_job_id && !jobs.some((job) => job.id === filters.generation_job_id)) {
      const chosen = await OrgGenerationJobs.find(org, filters.generation_job_id)
      if (chosen) jobs.unshift(chosen)
    }
    const filtered = Object.entries(filters).some(([, value]) => value)
    return view.render('pages/certificates/certificates/index', {
      nav: 'certificates',
      certificates: page,
      filters,
      filtered,
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
    })
  }

  async show({ org, actor, params, view }: HttpContext) {
    const certificate = await OrgCertificates.find(org, params.id)
    if (!certificate) throw notFound()
    const [design, job, original, replacement] = await Promise.all([
      OrgTemplates.find(org, certificate.templateId),
      certificate.generationJobId ? OrgGenerationJobs.find(org, certificate.generationJobId) : null,
      certificate.reissuedFromCertificateId
        ? OrgCertificates.find(org, certificate.reissuedFromCertificateId)
        : null,
      certificate.supersededByCertificateId
        ? OrgCertificates.find(org, certificate.supersededByCertificateId)
        : null,
    ])
    const inForce = certificate.status === 'issued' || certificate.status === 'expired'
    return view.render('pages/certificates/certificates/show', {
      nav: 'certificates',
      certificate,
      shownStatus: publicStatus(certificate),
      design,
      job,
      original,
      replacement,
      history: await certificateHistory(org, certificate, { original, replacement }),
      verificationUrl: verificationUrl(certificate.id),
      fields: correctableFields(certificate),
      canRevoke: actor.can('certificates.revoke') && inForce,
      canDownload: actor.can('certificates.download') && Boolean(certificate.certificateFileId),
    })
  }
}
