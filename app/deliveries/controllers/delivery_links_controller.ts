import type { HttpContext } from '@adonisjs/core/http'
import { formatDate } from '#core/services/formatting'
import { sendDocument } from '#core/services/downloads'
import { certificateDocument } from '#certificates/queries/certificate_document'
import { verificationUrl } from '#certificates/services/verification_links'
import UnsubscribeAddress from '#deliveries/actions/unsubscribe_address'
import {
  SENDABLE_STATUSES as SENDABLE,
  linkedCertificate,
  orgName,
  recipientCertificates,
} from '#deliveries/queries/delivery_link_targets'
import {
  certificateDownloadUrl,
  openCertificateDownloadToken,
  openRecipientPageToken,
  openUnsubscribeToken,
} from '#deliveries/services/delivery_links'

function invalid(ctx: HttpContext, status = 404) {
  ctx.response.status(status)
  ctx.response.header('Cache-Control', 'no-store')
  return ctx.view.render('pages/deliveries/public/link_expired', {
    status,
    heading: status === 410 ? 'This certificate is no longer available' : 'This link is not valid',
    message:
      status === 410
        ? 'The certificate was revoked or replaced: ask its issuer for the current one.'
        : 'The link has expired or was not copied completely. Ask the sender for a new one.',
  })
}

/**
 * The public links a delivered message carries (#deliveries/services/delivery_links):
 * no login, no session; the signed token is the permission.
 */
export default class DeliveryLinksController {
  /** `GET /deliveries/pdf/:token`: one certificate's exact PDF (what WhatsApp fetches as the document). */
  async pdf(ctx: HttpContext) {
    const id = openCertificateDownloadToken(ctx.params.token)
    if (!id) return invalid(ctx)
    const certificate = await linkedCertificate(id)
    if (!certificate?.certificateFileId || !certificate.sha256) return invalid(ctx)
    if (!SENDABLE.includes(certificate.status)) return invalid(ctx, 410)
    const { bytes, filename } = await certificateDocument(certificate)
    return sendDocument(ctx, bytes, {
      mime: 'application/pdf',
      sha256: certificate.sha256,
      filename,
      inline: ctx.request.qs().inline === '1',
    })
  }

  /** `GET /deliveries/r/:token`: every certificate of the message's recipient in its job. */
  async recipient(ctx: HttpContext) {
    const id = openRecipientPageToken(ctx.params.token)
    if (!id) return invalid(ctx)
    const found = await recipientCertificates(id)
    if (!found) return invalid(ctx)
    const { certificates } = found
    ctx.response.header('Cache-Control', 'private, no-store')
    return ctx.view.render('pages/deliveries/public/recipient', {
      orgName: found.orgName ?? '',
      recipientName: certificates[0].recipientName,
      certificates: certificates.map((certificate) => ({
        title: certificate.title,
        number: certificate.certificateNumber,
        issued: formatDate(certificate.issueDate),
        status: certificate.status,
        downloadUrl:
          SENDABLE.includes(certificate.status) && certificate.certificateFileId
            ? certificateDownloadUrl(certificate.id)
            : null,
        verifyUrl: verificationUrl(certificate.id),
      })),
    })
  }

  /** `GET /deliveries/unsubscribe/:token`: asks to confirm (a link scanner must not unsubscribe anyone). */
  async confirmUnsubscribe(ctx: HttpContext) {
    return this.unsubscribePage(ctx, false)
  }

  /**
   * `POST /deliveries/unsubscribe/:token`: the one-click unsubscribe
   * (RFC 8058: a mail client posts `List-Unsubscribe=One-Click`) and the
   * confirm page's button. Puts the address on the org's suppression list
   * for that channel; again is harmless.
   */
  async unsubscribe(ctx: HttpContext) {
    return this.unsubscribePage(ctx, true)
  }

  private async unsubscribePage(ctx: HttpContext, apply: boolean) {
    const target = openUnsubscribeToken(ctx.params.token)
    if (!target) return invalid(ctx)
    const name = await orgName(target.organizationId)
    if (name === null) return invalid(ctx)
    if (apply) {
      const result = await UnsubscribeAddress.handle({
        ...target,
        oneClick: ctx.request.input('List-Unsubscribe') === 'One-Click',
      })
      if (result.kind === 'not_found') return invalid(ctx)
    }
    ctx.response.header('Cache-Control', 'no-store')
    return ctx.view.render('pages/deliveries/public/unsubscribe', {
      done: apply,
      orgName: name,
      address: target.address,
      channelLabel: target.channel === 'email' ? 'email' : 'WhatsApp',
      action: ctx.request.url(),
    })
  }
}
