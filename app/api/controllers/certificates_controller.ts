import type { HttpContext } from '@adonisjs/core/http'
import { paginationOf } from '#core/http/pagination'
import { pageJson } from '#api/controllers/api_responses'
import OrgCertificates, { certificateFilters } from '#certificates/queries/org_certificates'
import {
  apiCertificateFiltersValidator,
  certificateFiltersMessages,
} from '#certificates/validators/certificate'
import { foundOr404 } from '#core/http/not_found'
import { certificateJson } from '#api/controllers/certificate_json'

/**
 * `/api/v1/certificates`: the API key's org's certificates (their PDF, revocation and reissue
 * are resources of their own).
 */
export default class CertificatesController {
  async index({ apiOrg, request }: HttpContext) {
    const pagination = await paginationOf(request.qs(), { perPage: 25 })
    const { status, ...rest } = request.qs()
    // `?status=` (empty) is no filter, as it always was; an unknown status is a 422.
    const filters = await apiCertificateFiltersValidator.validate(
      status === '' ? rest : { ...rest, status },
      { messagesProvider: certificateFiltersMessages }
    )
    const page = await OrgCertificates.list(apiOrg, {
      ...certificateFilters(filters),
      page: pagination.page,
      perPage: pagination.perPage,
    })
    return pageJson(page, certificateJson)
  }

  async show({ apiOrg, params }: HttpContext) {
    return certificateJson(foundOr404(await OrgCertificates.find(apiOrg, params.id)))
  }
}
