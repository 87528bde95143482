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
import { reusableMediaIds } from '#deliveries/services/whatsapp_media'
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
  /** The org tracks email opens now: messages first handed over in this batch carry the image. */
  trackEmailOpens: boolean
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
 * The messages as their senders take them, read for a whole send job at
 * once (three statements, whatever its size; a fourth for WhatsApp by upload): each recipient, their
 * certificates (oldest number first) with signed download and verification
 * links and where the PDF is (its file row read through the org), the
 * template filled for them (`{recipient_page_url}` is their signed page)
 * and the one-click unsubscribe link of their address. Keyed by message id.
 */
export async function outgoingMessages(
  context: SendContext,
  messages: DeliveryMessage[]
): Promise<Map<string, OutgoingMessage>> {
  const out = new Map<string, OutgoingMessage>()
  if (messages.length === 0) return out
  const organizationId = context.org.id
  const recipients = new Map<string, { recipient_name: string; recipient_data: unknown }>()
  const items = new Map<string, ItemRow[]>()
  for (let at = 0; at < messages.length; at += IN_LIST_MAX) {
    const part = messages.slice(at, at + IN_LIST_MAX)
    const recipientRows = await db
      .from('generation_job_recipients')
      .whereIn('id', [...new Set(part.map((m) => m.recipientId))])
      .select('id', 'recipient_name', 'recipient_data')
    for (const row of recipientRows) recipients.set(row.id, row)
    // Neither an ORDER BY nor a condition on the certificates here: either lets SQLite's planner
    // walk the org's certificates instead of these messages' items (~1–2 ms a message, measured
    // in the deliver bench). The org is checked on the rows read; the order is set below.
    const itemRows: ItemRow[] = await db
      .from('delivery_message_items as i')
      .join('certificates as c', 'c.id', 'i.certificate_id')
      .leftJoin('files as f', (join) =>
        join.on('f.id', 'i.file_id').andOn('f.organization_id', 'c.organization_id')
      )
      .whereIn(
        'i.message_id',
        part.map((m) => m.id)
      )
      .select(
        'i.message_id',
        'c.organization_id',
        'c.id',
        'c.certificate_number',
        'c.sequence_number',
        'c.title',
        'c.issue_date',
        'c.expiry_date',
        'c.sha256',
        'i.file_id',
        'f.path',
        'f.base_file_id',
        'f.size_bytes'
      )
    for (const row of itemRows) {
      if (row.organization_id !== organizationId) continue
      items.set(row.message_id, [...(items.get(row.message_id) ?? []), row])
    }
  }
  for (const message of messages) {
    const rows = (items.get(message.id) ?? []).sort(
      (a, b) => Number(a.sequence_number) - Number(b.sequence_number)
    )
    const recipient = recipients.get(message.recipientId)
    out.set(message.id, await outgoingOf(context, message, recipient, rows))
  }
  // WhatsApp "by upload" sends the first PDF: the ids of earlier uploads of those files (one statement).
  const headers = [...out.values()].flatMap((o) =>
    o.certificates[0]?.fileId ? [o.certificates[0]] : []
  )
  const media = await reusableMediaIds(
    context.integration,
    headers.map((certificate) => certificate.fileId!)
  )
  for (const certificate of headers) {
    certificate.whatsappMediaId = media.get(certificate.fileId!) ?? null
  }
  return out
}

/** Ids in one `IN (…)` list: SQLite's bound-parameter limit stays far away. */
const IN_LIST_MAX = 500

interface ItemRow {
  message_id: string
  organization_id: string
  id: string
  certificate_number: string
  sequence_number: number | string
  title: string
  issue_date: string
  expiry_date: string | null
  sha256: string | null
  file_id: string | null
  path: string | null
  base_file_id: string | null
  size_bytes: number | string | null
}

async function outgoingOf(
  context: SendContext,
  message: DeliveryMessage,
  recipient: { recipient_name: string; recipient_data: unknown } | undefined,
  rows: ItemRow[]
): Promise<OutgoingMessage> {
  const certificates: OutgoingCertificate[] = rows.map((row) => ({
    id: row.id,
    certificateNumber: row.certificate_number,
    title: row.title,
    fileId: row.file_id,
    storageKey: row.path ?? null,
    baseFileId: row.base_file_id ?? null,
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
