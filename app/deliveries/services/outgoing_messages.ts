import db from '@adonisjs/lucid/services/db'
import Organization from '#orgs/models/organization'
import { verificationUrl } from '#certificates/services/verification_links'
import type DeliveryIntegration from '#deliveries/models/delivery_integration'
import type DeliveryMessage from '#deliveries/models/delivery_message'
import OrgDeliveryTemplates from '#deliveries/queries/org_delivery_templates'
import {
  recipientVariables,
  renderEmail,
  renderWhatsapp,
  type TemplateContent,
} from '#deliveries/services/delivery_template_rendering'
import {
  certificateDownloadUrl,
  recipientPageUrl,
  unsubscribeUrl,
} from '#deliveries/services/delivery_links'
import { normalizedAddress } from '#deliveries/services/delivery_status'
import type { OutgoingCertificate, OutgoingMessage } from '#deliveries/services/message_senders'
import type { Channel, SecretType } from '#deliveries/services/providers'

/**
 * What one send job needs to build its messages, read once: the org, its
 * default template per channel, the integration with its secrets and the
 * address its host was checked to.
 */
export interface SendContext {
  org: Organization
  integration: DeliveryIntegration | null
  secrets: Partial<Record<SecretType, string>>
  addresses: string[]
  templates: Map<Channel, TemplateContent>
}

export async function templateFor(context: SendContext, channel: Channel) {
  let content = context.templates.get(channel)
  if (!content) {
    const chosen = await OrgDeliveryTemplates.defaultFor(context.org, channel)
    content = chosen.content
    context.templates.set(channel, content)
  }
  return content
}

/**
 * The message as its sender takes it: the recipient, their certificates
 * (oldest number first) with signed download and verification links, the
 * template filled for them (`{recipient_page_url}` is their signed page)
 * and the one-click unsubscribe link of their address.
 */
export async function outgoingMessage(
  context: SendContext,
  message: DeliveryMessage
): Promise<OutgoingMessage> {
  const recipient = await db
    .from('generation_job_recipients')
    .where('id', message.recipientId)
    .select('recipient_name', 'recipient_data')
    .first()
  const rows = await db
    .from('delivery_message_items as i')
    .join('certificates as c', 'c.id', 'i.certificate_id')
    .leftJoin('files as f', 'f.id', 'i.file_id')
    .where('i.message_id', message.id)
    .where('c.organization_id', message.organizationId)
    .orderBy('c.sequence_number', 'asc')
    .select(
      'c.id',
      'c.certificate_number',
      'c.title',
      'c.issue_date',
      'c.expiry_date',
      'c.sha256',
      'i.file_id',
      'f.path',
      'f.size_bytes'
    )
  const certificates: OutgoingCertificate[] = rows.map((row) => ({
    id: row.id,
    certificateNumber: row.certificate_number,
    title: row.title,
    fileId: row.file_id,
    storageKey: row.path ?? null,
    sizeBytes:
      row.size_bytes === null || row.size_bytes === undefined ? null : Number(row.size_bytes),
    sha256: row.sha256,
    verificationUrl: verificationUrl(row.id),
    downloadUrl: certificateDownloadUrl(row.id),
  }))
  const recipientData =
    typeof recipient?.recipient_data === 'string'
      ? JSON.parse(recipient.recipient_data)
      : (recipient?.recipient_data ?? {})
  const pageUrl = recipientPageUrl(message.id)
  const variables = recipientVariables({
    orgName: context.org.name,
    recipientName: recipient?.recipient_name ?? '',
    recipientData,
    certificates: rows.map((row) => ({
      id: row.id,
      certificateNumber: row.certificate_number,
      issueDate: row.issue_date,
      expiryDate: row.expiry_date,
    })),
  })
  variables.recipient_page_url = pageUrl
  const address = message.channel === 'email' ? message.toEmail! : message.toPhone!
  const content = await templateFor(context, message.channel)
  return {
    message,
    integration: context.integration,
    secrets: context.secrets,
    addresses: context.addresses,
    orgName: context.org.name,
    recipientName: recipient?.recipient_name ?? '',
    recipientPageUrl: pageUrl,
    certificates,
    variables,
    unsubscribeUrl: unsubscribeUrl({
      organizationId: message.organizationId,
      channel: message.channel,
      address: normalizedAddress(message.channel, address),
    }),
    ...(message.channel === 'email'
      ? { email: renderEmail(content, variables) }
      : { whatsapp: renderWhatsapp(content, variables) }),
  }
}
