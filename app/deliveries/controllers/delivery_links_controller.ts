import type { HttpContext } from '@adonisjs/core/http'
import db from '@adonisjs/lucid/services/db'
import { v7 as uuidv7 } from 'uuid'
import { formatDate } from '#core/services/formatting'
import { sendDocument } from '#core/services/downloads'
import { dbTimestamp } from '#core/services/database_time'
import Certificate from '#certificates/models/certificate'
import { certificateDocument } from '#certificates/queries/certificate_document'
import { verificationUrl } from '#certificates/services/verification_links'
import DeliveryMessage from '#deliveries/models/delivery_message'
import {
  certificateDownloadUrl,
  openCertificateDownloadToken,
  openRecipientPageToken,
  openUnsubscribeToken,
} from '#deliveries/services/delivery_links'

const SENDABLE = ['issued', 'expired']

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
    const certificate = await Certificate.find(id)
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
    const message = await DeliveryMessage.find(id)
    if (!message) return invalid(ctx)
    const certificates = await Certificate.query()
      .where('organization_id', message.organizationId)
      .where('generation_job_id', message.generationJobId)
      .where('generation_job_recipient_id', message.recipientId)
      .whereNot('status', 'pending')
      .orderBy('sequence_number', 'asc')
    if (certificates.length === 0) return invalid(ctx)
    const org = await db
      .from('organizations')
      .where('id', message.organizationId)
      .select('name')
      .first()
    ctx.response.header('Cache-Control', 'private, no-store')
    return ctx.view.render('pages/deliveries/public/recipient', {
      orgName: org?.name ?? '',
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
    const org = await db
      .from('organizations')
      .where('id', target.organizationId)
      .select('name')
      .first()
    if (!org) return invalid(ctx)
    if (apply) {
      await db.rawQuery(
        'INSERT INTO delivery_suppressions (id, organization_id, channel, address, reason, detail, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (organization_id, channel, address) DO NOTHING',
        [
          uuidv7(),
          target.organizationId,
          target.channel,
          target.address,
          'unsubscribe',
          ctx.request.input('List-Unsubscribe') === 'One-Click'
            ? 'One-click unsubscribe from the email'
            : 'Unsubscribed on the confirmation page',
          dbTimestamp(),
        ]
      )
    }
    ctx.response.header('Cache-Control', 'no-store')
    return ctx.view.render('pages/deliveries/public/unsubscribe', {
      done: apply,
      orgName: org.name,
      address: target.address,
      channelLabel: target.channel === 'email' ? 'email' : 'WhatsApp',
      action: ctx.request.url(),
    })
  }
}
