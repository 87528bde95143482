import type { HttpContext } from '@adonisjs/core/http'
import { paginationOf } from '#core/http/pagination'
import { sendDocument } from '#core/services/downloads'
import ChangeCertificate, {
  type CertificateChangeResult,
} from '#certificates/actions/change_certificate'
import OrgCertificates from '#certificates/queries/org_certificates'
import { certificateDocument } from '#certificates/queries/certificate_document'
import {
  certificateFiltersValidator,
  revocationValidator,
} from '#certificates/validators/generation_job'
import { fail } from '#api/controllers/api_responses'
import { notFound } from '#core/http/not_found'
import { originOf } from '#core/http/origin'
import { certificateJson } from '#api/controllers/certificate_json'

/** `/api/v1/certificates`: the API key's org's certificates, their PDFs and their lifecycle. */
export default class CertificatesController {
  async index({ apiOrg, request }: HttpContext) {
    const pagination = await paginationOf(request.qs(), { perPage: 25 })
    const filters = await certificateFiltersValidator.validate(request.qs())
    const page = await OrgCertificates.list(apiOrg, {
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
    return {
      data: page.all().map(certificateJson),
      meta: { total: page.total, page: page.currentPage, per_page: page.perPage },
    }
  }

  async show({ apiOrg, params }: HttpContext) {
    const certificate = await OrgCertificates.find(apiOrg, params.id)
    if (!certificate) throw notFound()
    return certificateJson(certificate)
  }

  async pdf(ctx: HttpContext) {
    const certificate = await OrgCertificates.find(ctx.apiOrg, ctx.params.id)
    if (!certificate || !certificate.certificateFileId) throw notFound()
    const { bytes, filename } = await certificateDocument(certificate)
    return sendDocument(ctx, bytes, {
      filename,
      mime: 'application/pdf',
      sha256: certificate.sha256!,
    })
  }

  async revoke(ctx: HttpContext) {
    const { apiOrg, params, request, response } = ctx
    const { reason } = await request.validateUsing(revocationValidator)
    const result = await ChangeCertificate.revoke({
      org: apiOrg,
      certificateId: params.id,
      reason: reason ?? '',
      actorUserId: null,
      origin: originOf(ctx),
      via: 'api',
    })
    if (result.kind !== 'ok') return refused(response, result)
    return certificateJson(result.certificate)
  }

  async reissue(ctx: HttpContext) {
    const { apiOrg, params, request, response } = ctx
    const body = request.body()
    const changes =
      typeof body === 'object' && body && !Array.isArray(body)
        ? (body as Record<string, unknown>)
        : {}
    const result = await ChangeCertificate.reissue({
      org: apiOrg,
      certificateId: params.id,
      changes,
      actorUserId: null,
      origin: originOf(ctx),
      via: 'api',
    })
    if (result.kind !== 'ok') return refused(response, result)
    return response.status(201).send({
      ...certificateJson(result.certificate),
      reissued_from: certificateJson(result.previous!),
    })
  }
}

/** A revocation or reissue that did not happen: 404, 409 or 422 in the contract's shape. */
function refused(
  response: HttpContext['response'],
  result: Exclude<CertificateChangeResult, { kind: 'ok' }>
) {
  if (result.kind === 'not_found') throw notFound()
  if (result.kind === 'conflict')
    return fail(response, 409, [{ code: result.code, message: result.message }])
  return fail(response, 422, result.errors)
}
