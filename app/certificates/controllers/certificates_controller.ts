import type { HttpContext } from '@adonisjs/core/http'
import { paginationOf } from '#core/http/pagination'
import router from '@adonisjs/core/services/router'
import OrgTemplates from '#templates/queries/org_templates'
import OrgCertificates, { certificateFilters } from '#certificates/queries/org_certificates'
import OrgGenerationJobs from '#certificates/queries/org_generation_jobs'
import { publicStatus } from '#certificates/queries/verification'
import { verificationUrl } from '#certificates/services/verification_links'
import { certificateFiltersValidator } from '#certificates/validators/certificate'
import { foundOr404 } from '#core/http/not_found'
import { certificateHistory } from '#certificates/queries/certificate_history'
import { correctableFields } from '#certificates/presenters/certificate_page'
import { filterChoices, listFilters } from '#certificates/presenters/certificate_list'

/** The org's certificates: a searchable, filtered list and one certificate's page. */
export default class CertificatesController {
  async index({ org, request, view }: HttpContext) {
    // A malformed filter is dropped rather than refused: this is a search form, not a write.
    const pagination = await paginationOf(request.qs(), { perPage: 25 })
    const [, valid] = await certificateFiltersValidator.tryValidate(request.qs())
    const filters = listFilters(valid ?? {})
    const page = await OrgCertificates.list(org, {
      ...certificateFilters(filters),
      page: pagination.page,
      perPage: pagination.perPage,
    })
    page.baseUrl(router.builder().make('certificates.certificates.index'))
    page.queryString(Object.fromEntries(Object.entries(filters).filter(([, value]) => value)))
    return view.render('pages/certificates/certificates/index', {
      nav: 'certificates',
      certificates: page,
      filters,
      filtered: Object.values(filters).some(Boolean),
      ...(await filterChoices(org, filters)),
    })
  }

  async show({ org, actor, params, view }: HttpContext) {
    const certificate = foundOr404(await OrgCertificates.find(org, params.id))
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
      canRevoke: actor.can('certificates.revoke') && certificate.isInForce,
      canDownload: actor.can('certificates.download') && Boolean(certificate.certificateFileId),
    })
  }
}
